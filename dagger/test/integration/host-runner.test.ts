/**
 * The sample through the host runner, for real: one `npm run pipeline -- --runner host` in a copy
 * of the repo (images FROM scratch: nothing can be pulled here) runs lint with golangci-lint, test
 * against a PostgreSQL it starts, chart-lint, build for amd64, arm64 and arm/v7, images into
 * dockerd, publish to a registry it starts, then deploy and helm test to the cluster KUBECONFIG
 * names (the test Kubernetes cluster: a real API server, kwok as the node), all eight, exit 0. Then
 * the same build is reused: the images run against PostgreSQL, publish goes to a test registry as
 * multi-arch indexes, and render's build argv reproduces the binaries byte for byte.
 */
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/adapters/config/config-file.js";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { type ImageIndex, MediaType } from "../../src/core/registry/oci.js";
import { runCliAsync } from "../support/cli.js";
import { docker } from "../support/docker.js";
import { git } from "../support/git.js";
import { ensureK8sSchemas, schemaLocation } from "../support/k8s-schemas.js";
import { skipWithoutKubeCluster, startKubeCluster, type TestKubeCluster } from "../support/kube-cluster.js";
import { freePort, waitFor } from "../support/ports.js";
import { type PostgresServer, startPostgres } from "../support/postgres.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool, skipWithout, skipWithoutDocker } from "../support/tools.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
const PLATFORMS = ["linux/amd64", "linux/arm64", "linux/arm/v7"];

/** A committed copy of the sample repo (its images build FROM scratch), built for every platform. */
function sampleCopy(): string {
  const dir = tempDir("pipeline-host-");
  for (const path of ["src", "helm", "environments"])
    cpSync(join(repoRoot, path), join(dir, path), { recursive: true });
  const config = readFileSync(join(repoRoot, "pipeline.yaml"), "utf8").concat(
    `platforms: [${PLATFORMS.join(", ")}]\n`,
  );
  writeFileSync(join(dir, "pipeline.yaml"), config);
  writeFileSync(join(dir, ".gitignore"), ".out/\n");
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "sample");
  return dir;
}

const skip =
  skipWithout("go", "golangci-lint", "helm", "kubeconform", "initdb", "docker-registry", "unzip") ||
  skipWithoutDocker() ||
  skipWithoutKubeCluster();

describe.skipIf(skip)("the host runner on the sample", () => {
  let repo: string;
  let tag: string;
  let env: Record<string, string>;
  let loop: Awaited<ReturnType<typeof runCliAsync>>;
  let cluster: TestKubeCluster;
  const cleanups: (() => unknown)[] = [];

  beforeAll(async () => {
    cluster = await startKubeCluster();
    cleanups.push(() => cluster.stop());
    repo = sampleCopy();
    tag = `sha-${git(repo, "rev-parse", "--short=7", "HEAD")}`;
    env = {
      KUBECONFORM_SCHEMA_LOCATION: schemaLocation(
        ensureK8sSchemas(loadConfig(join(repo, "pipeline.yaml")).chart.kubernetesVersion),
      ),
      DATABASE_URL: "",
      // The host runner looks tools up on PATH only (PostgreSQL's bin dirs aside), as a shell would.
      PATH: [
        ...new Set([
          ...["go", "golangci-lint", "helm", "kubeconform", "docker"].map((t) => dirname(findTool(t)!)),
          ...(process.env.PATH ?? "").split(":"),
        ]),
      ].join(":"),
      // deploy and helm-test go where KUBECONFIG points, as with any cluster (docs/local.md).
      KUBECONFIG: cluster.kubeconfig,
    };
    loop = await runCliAsync(["--runner", "host"], { cwd: repo, env });
  }, 900_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    const ours = docker("images", "--format", "{{.Repository}}:{{.Tag}}")
      .split("\n")
      .filter((ref) => ref.includes(`:${tag}-`));
    if (ours.length) docker("rmi", "-f", ...ours);
    removeTempDirs();
  });

  it("runs all eight stages, one line each, deploying to the KUBECONFIG cluster, then the table, exit 0", async () => {
    const out = loop.stdout;
    expect(loop.code, `${out}\n${loop.stderr}`).toBe(0);
    expect(out).toMatch(/^runner: host \(--runner host\)$/m);
    expect(out).toMatch(/^registry: started 127\.0\.0\.1:\d+ for this run/m);
    expect(out).toMatch(/^ok {4}lint .* gofmt, go vet and golangci-lint v2\.15\.0 passed$/m);
    expect(out).toMatch(/^ok {4}test .* coverage [\d.]+% meets the minimum 50% \(PostgreSQL started/m);
    expect(out).toMatch(/^ok {4}chart-lint .* helm lint and kubeconform passed for 4 environments$/m);
    expect(out).toMatch(/^ok {4}build .* 9 binaries for linux\/amd64, linux\/arm64, linux\/arm\/v7/m);
    expect(out).toMatch(/^ok {4}images .* 9 images loaded into dockerd$/m);
    expect(out).toMatch(
      /^ok {4}publish .* 3 multi-arch tags and 9 per-arch images pushed to 127\.0\.0\.1:\d+$/m,
    );
    expect(out).toMatch(/^STAGE +STATUS +SECONDS +REASON$/m);
    for (const stage of ["lint", "test", "chart-lint", "build", "images", "publish"])
      expect(out).toMatch(new RegExp(`^${stage} +ran +\\d+\\.\\d$`, "m"));
    expect(out).toMatch(new RegExp(`^cluster: KUBECONFIG=${cluster.kubeconfig}$`, "m"));
    expect(out).toMatch(/^ok {4}deploy .* sample-app revision 1 deployed in preview$/m);
    expect(out).toMatch(/^ok {4}helm-test .* helm test preview passed: sample-app-test-readyz Succeeded$/m);
    for (const stage of ["deploy", "helm-test"])
      expect(out).toMatch(new RegExp(`^${stage} +ran +\\d+\\.\\d`, "m"));
    expect(out).toMatch(/^total +ok/m);
    expect(loop.stderr).toBe("");
    // The release runs the images this loop published, from the registry it started.
    const registry = /^registry: started (127\.0\.0\.1:\d+) for this run/m.exec(out)![1];
    const api = await cluster.request("GET", "/apis/apps/v1/namespaces/preview/deployments/sample-app-api");
    expect(
      (api.body as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec
        .containers[0]!.image,
    ).toBe(`${registry}/sample-app-api:${tag}`);
  });

  it("loaded one image per binary and platform, each saying its platform", () => {
    for (const platform of PLATFORMS) {
      const arch = platform.split("/").slice(1).join("");
      expect(
        docker(
          "image",
          "inspect",
          "--format",
          "{{.Os}}/{{.Architecture}}{{if .Variant}}/{{.Variant}}{{end}}",
          `ghcr.io/example/sample-app-api:${tag}-${arch}`,
        ),
      ).toBe(platform);
    }
  });

  describe("the images it built", () => {
    let postgres: PostgresServer;
    beforeAll(async () => {
      postgres = await startPostgres();
      cleanups.push(() => postgres.stop());
    });

    it("run: the migrator migrates, then the api answers /readyz against PostgreSQL", async () => {
      docker(
        "run",
        "--rm",
        "--network",
        "host",
        "-e",
        `DATABASE_URL=${postgres.url}`,
        `ghcr.io/example/sample-app-migrator:${tag}-amd64`,
      );
      const port = await freePort();
      const id = docker(
        "run",
        "-d",
        "--network",
        "host",
        "-e",
        `DATABASE_URL=${postgres.url}`,
        "-e",
        `PORT=${port}`,
        `ghcr.io/example/sample-app-api:${tag}-amd64`,
      );
      cleanups.push(() => docker("rm", "-f", id));
      await waitFor(
        "the api's /readyz",
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
        30_000,
      );
    });
  });

  describe("publish to a registry", () => {
    let registry: TestRegistry;
    beforeAll(async () => {
      registry = await startRegistry();
      cleanups.push(() => registry.remove());
    });

    it("pushes each binary as a multi-arch index of its three platforms, plus per-arch tags", async () => {
      const result = await runCliAsync(
        ["publish", "--runner", "host", "--registry", `${registry.host}/acme`],
        { cwd: repo, env },
      );
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      const client = new RegistryClient({ host: registry.host });
      for (const binary of ["api", "migrator", "worker"]) {
        const index = await client.getManifest(`acme/sample-app-${binary}`, tag);
        expect(index?.mediaType).toBe(MediaType.ociIndex);
        const parsed = JSON.parse(index!.bytes.toString()) as ImageIndex;
        expect(
          parsed.manifests.map((m) =>
            [m.platform?.os, m.platform?.architecture, m.platform?.variant ?? ""].filter(Boolean).join("/"),
          ),
        ).toEqual([...PLATFORMS].sort());
        expect(await client.resolve(`acme/sample-app-${binary}`, `${tag}-armv7`)).not.toBeNull();
      }
      expect(result.stdout).toMatch(
        new RegExp(`${registry.host.replace(/\./g, "\\.")}/acme/sample-app-api:${tag}@sha256:[a-f0-9]{64}`),
      );
    });
  });

  it("renders build argv that reproduce the loop's binaries when run by hand", async () => {
    const out = tempDir("pipeline-render-");
    const rendered = await runCliAsync(["render", "--out", out], { cwd: repo });
    expect(rendered.code, rendered.stderr).toBe(0);
    const build = JSON.parse(readFileSync(join(out, "build.json"), "utf8")) as {
      commands: {
        binary: string;
        platform: string;
        cwd: string;
        argv: string[];
        env: Record<string, string>;
        output: string;
      }[];
    };
    expect(build.commands).toHaveLength(9);
    const byHand = tempDir("pipeline-byhand-");
    for (const command of build.commands.filter((c) => c.binary === "api")) {
      const output = join(byHand, command.output);
      const argv = command.argv.map((a) => (a === command.output ? output : a));
      execFileSync(argv[0]!, argv.slice(1), {
        cwd: join(repo, command.cwd),
        env: { ...process.env, ...command.env },
        stdio: "pipe",
      });
      expect(
        readFileSync(output).equals(readFileSync(join(repo, command.cwd, command.output))),
        `${command.platform} api`,
      ).toBe(true);
    }
  });
});
