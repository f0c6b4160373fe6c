/**
 * The module's container steps, run for real on the host with the same argv from the same core
 * functions: cross-compiles checked by ELF machine, the generated Dockerfiles built with the real
 * Docker Engine FROM a local base, and the api and migrator images run against PostgreSQL.
 */
import { execFileSync } from "node:child_process";
import { closeSync, cpSync, mkdirSync, openSync, readSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/adapters/config/config-file.js";
import { buildOutputPath, goBuildArgv, goBuildEnv } from "../../src/core/go/commands.js";
import { renderDockerfile } from "../../src/core/images/dockerfile.js";
import { docker, ensureLocalBase } from "../support/docker.js";
import { freePort, waitFor } from "../support/ports.js";
import { type PostgresServer, startPostgres } from "../support/postgres.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { skipWithout, skipWithoutDocker } from "../support/tools.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
const config = loadConfig(join(repoRoot, "pipeline.yaml"));
const goSource = join(repoRoot, config.go.source);
afterAll(removeTempDirs);

/** e_machine of an ELF file: 62 x86-64, 183 AArch64, 40 ARM. */
function elfMachine(path: string): number {
  const fd = openSync(path, "r");
  const header = Buffer.alloc(20);
  readSync(fd, header, 0, 20, 0);
  closeSync(fd);
  expect(header.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
  return header.readUInt16LE(18);
}

/** Runs the core's build argv for one binary and platform, as the module's golang container does. */
function crossCompile(out: string, platform: string, binary: string): string {
  const target = join(out, buildOutputPath(platform, binary));
  const [cmd, ...args] = goBuildArgv(binary, target, {
    ldflagsPackage: config.go.ldflagsPackage,
    version: "1.2.3-test",
    commit: "abc1234",
  });
  execFileSync(cmd!, args, {
    cwd: goSource,
    env: { ...process.env, ...goBuildEnv(platform) },
    stdio: "pipe",
  });
  return target;
}

describe.skipIf(skipWithout("go"))("cross-compiling with the module's argv", () => {
  const out = tempDir("pipeline-build-");
  it.each([
    ["linux/amd64", 62],
    ["linux/arm64", 183],
    ["linux/arm/v7", 40],
  ])("builds every binary for %s (ELF machine %i)", (platform, machine) => {
    for (const binary of config.binaries.map((b) => b.name)) {
      expect(elfMachine(crossCompile(out, platform, binary))).toBe(machine);
    }
  });
});

describe.skipIf(skipWithoutDocker())("generated Dockerfiles with the real Docker Engine", () => {
  const tag = `pipeline-test-${process.pid}`;
  const containers: string[] = [];
  let postgres: PostgresServer;
  let context: string;
  beforeAll(async () => {
    postgres = await startPostgres();
    ensureLocalBase();
    context = tempDir("pipeline-context-");
    const out = tempDir("pipeline-build-");
    for (const binary of ["api", "migrator"]) {
      cpSync(crossCompile(out, "linux/amd64", binary), join(context, binary));
    }
    cpSync(join(goSource, "migrations"), join(context, "migrations"), { recursive: true });
    cpSync(join(goSource, "assets"), join(context, "assets"), { recursive: true });
  }, 180_000);
  afterAll(() => {
    for (const id of containers) docker("rm", "-f", id);
    for (const name of ["api", "migrator", "api-arm64"]) {
      try {
        docker("rmi", "-f", `${tag}/${name}:1`);
      } catch {
        // already gone
      }
    }
    postgres?.stop();
  });

  const dockerfile = (binary: string, base: string, user: string) =>
    renderDockerfile({
      binary,
      base,
      packages: [],
      user,
      hasAssets: true,
      labels: { "org.opencontainers.image.version": "1.2.3-test" },
    });

  it("builds the api and migrator images and runs them against PostgreSQL", async () => {
    for (const binary of ["api", "migrator"]) {
      writeFileSync(
        join(context, `Dockerfile.${binary}`),
        dockerfile(binary, ensureLocalBase(), config.image.user),
      );
      docker(
        "build",
        "-q",
        "--platform",
        "linux/amd64",
        "-f",
        join(context, `Dockerfile.${binary}`),
        "-t",
        `${tag}/${binary}:1`,
        context,
      );
    }
    const inspect = JSON.parse(docker("image", "inspect", `${tag}/api:1`))[0];
    expect(inspect.Config.User).toBe("65532:65532");
    expect(inspect.Config.Entrypoint).toEqual(["/app/api"]);
    expect(inspect.Config.Labels["org.opencontainers.image.version"]).toBe("1.2.3-test");

    docker("run", "--rm", "--network", "host", "-e", `DATABASE_URL=${postgres.url}`, `${tag}/migrator:1`);
    const port = await freePort();
    containers.push(
      docker(
        "run",
        "-d",
        "--network",
        "host",
        "-e",
        `DATABASE_URL=${postgres.url}`,
        "-e",
        `PORT=${port}`,
        `${tag}/api:1`,
      ),
    );
    await waitFor(
      "the api's /readyz",
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
      30_000,
    );
    const created = await fetch(`http://127.0.0.1:${port}/tickets`, {
      method: "POST",
      body: JSON.stringify({ title: "from the image" }),
    });
    expect(created.status).toBe(201);
    expect(await (await fetch(`http://127.0.0.1:${port}/openapi.yaml`)).text()).toMatch(/openapi: 3/);
  }, 180_000);

  it("builds an arm64 image without emulation (FROM scratch + COPY), and its config says arm64", () => {
    const arm = tempDir("pipeline-context-arm-");
    const out = tempDir("pipeline-build-");
    cpSync(crossCompile(out, "linux/arm64", "api"), join(arm, "api"));
    mkdirSync(join(arm, "assets"));
    cpSync(join(goSource, "assets"), join(arm, "assets"), { recursive: true });
    writeFileSync(join(arm, "Dockerfile.api"), dockerfile("api", "scratch", "65532:65532"));
    docker(
      "build",
      "-q",
      "--platform",
      "linux/arm64",
      "-f",
      join(arm, "Dockerfile.api"),
      "-t",
      `${tag}/api-arm64:1`,
      arm,
    );
    expect(docker("image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", `${tag}/api-arm64:1`)).toBe(
      "linux/arm64",
    );
  }, 180_000);
});
