/**
 * Every manifest write checks what it writes: `latest`, `image copy` and `manifest merge` against a
 * real registry behind a hostile stand-in proxy that rewrites a manifest's body and sends a
 * matching digest header (so the hash check alone passes). What is not a manifest of a known
 * media type is refused before anything moves: exit 1, one line, no PUT reaches the registry.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { mergeManifests } from "../../src/adapters/registry/merge.js";
import { digestOf, MediaType } from "../../src/core/registry/oci.js";
import { CLI_ENTRY, type CliResult } from "../support/cli.js";
import { type FaultProxy, type FaultRule, startFaultProxy } from "../support/fault-proxy.js";
import { pushTestImage } from "../support/images.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { skipWithout } from "../support/tools.js";

afterAll(removeTempDirs);

/** Runs the real CLI without blocking this process (the proxy answers from it). */
function run(args: string[], cwd: string): Promise<CliResult> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    REGISTRY_TIMEOUT_MS: "5000",
    REGISTRY_RETRIES: "2",
  };
  delete env.INIT_CWD;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], { cwd, env: env as NodeJS.ProcessEnv });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? 99, stdout, stderr }));
  });
}

/** A body with a digest header that matches it: only parsing can tell it is no manifest. */
const forged = (body: string): FaultRule["fault"] => ({
  kind: "body",
  body,
  digest: digestOf(body),
});

/** A hostile registry that takes whatever it is sent, so only the client's own check can refuse. */
const TAKES_ANY_PUT: FaultRule = {
  method: "PUT",
  path: /\/manifests\//,
  fault: { kind: "status", status: 201 },
};

const NOT_JSON = "{not json";
/** Valid JSON of the right shape, under a media type no registry client knows. */
const ODD_TYPE = JSON.stringify({
  schemaVersion: 2,
  mediaType: "text/html",
  manifests: [],
});
/** JSON that is no manifest at all. */
const NOT_MANIFEST = JSON.stringify({ hello: "world" });

describe.skipIf(skipWithout("docker-registry"))("manifest writes refuse what is not a manifest", () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let direct: RegistryClient;
  let cwd: string;
  const digests: Record<string, string> = {};

  const digestAt = async (repository: string, tag: string) =>
    (await direct.getManifest(repository, tag))?.digest ?? null;

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy(registry.host);
    direct = new RegistryClient({ host: registry.host });
    for (const version of ["1.0.0", "1.1.0"]) {
      for (const architecture of ["amd64", "arm64"])
        await pushTestImage(
          registry.host,
          {
            repository: "shop-api",
            tag: `${version}-${architecture}`,
            architecture,
            format: "oci",
            labels: { "org.opencontainers.image.version": version },
          },
          direct,
        );
      const merged = await mergeManifests({
        target: `${registry.host}/shop-api:${version}`,
        sources: [`${registry.host}/shop-api:${version}-amd64`, `${registry.host}/shop-api:${version}-arm64`],
        version,
      });
      digests[version] = merged.digest;
    }
    const old = (await direct.getManifest("shop-api", "1.0.0"))!;
    await direct.putManifest("shop-api", "latest", old.bytes, old.mediaType);
    cwd = tempDir();
    mkdirSync(join(cwd, "src/cmd/api"), { recursive: true });
    writeFileSync(join(cwd, "pipeline.yaml"), `app: shop\nimage:\n  registry: ${proxy.host}\n`);
  });
  afterAll(async () => {
    await proxy?.close();
    await registry?.remove();
  });

  const puts = (since: number) => proxy.requests.slice(since).filter((r) => r.startsWith("PUT "));

  const expectRefused = (result: CliResult, why: RegExp) => {
    const story = `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
    expect(result.code, story).toBe(1);
    expect(result.stderr.trimEnd().split("\n"), story).toHaveLength(1);
    expect(result.stderr, story).toMatch(why);
    expect(result.stderr, story).not.toMatch(/unexpected error|\n\s+at |SyntaxError/);
    expect(result.stdout, story).not.toMatch(/moved/);
  };

  for (const [name, body, why] of [
    ["a body that is not JSON", NOT_JSON, /malformed JSON/],
    ["a manifest of an unknown media type", ODD_TYPE, /media type/],
    ["JSON that is no manifest", NOT_MANIFEST, /manifest/],
  ] as const) {
    it(`latest does not move to ${name} that hashes to its digest header`, async () => {
      proxy.set({ method: "GET", path: /\/manifests\/1\.1\.0$/, fault: forged(body) }, TAKES_ANY_PUT);
      const before = proxy.requests.length;
      const result = await run(
        ["latest", `${proxy.host}/shop-api`, "--version", "1.1.0", "--tag-type", "annotated"],
        cwd,
      );
      proxy.clear();
      expectRefused(result, why);
      expect(result.stderr).toMatch(/latest stays/);
      expect(puts(before)).toEqual([]);
      expect(await digestAt("shop-api", "latest")).toBe(digests["1.0.0"]);
    });
  }

  it("image copy refuses a source manifest that is not JSON, and puts nothing", async () => {
    proxy.set({ method: "GET", path: /\/manifests\/1\.1\.0$/, fault: forged(NOT_JSON) }, TAKES_ANY_PUT);
    const before = proxy.requests.length;
    const result = await run(
      ["image", "copy", `${proxy.host}/shop-api:1.1.0`, `${proxy.host}/mirror:1.1.0`],
      cwd,
    );
    proxy.clear();
    expectRefused(result, /malformed JSON/);
    expect(puts(before)).toEqual([]);
  });

  it("image copy refuses a source of an unknown media type, and puts nothing", async () => {
    proxy.set({ method: "GET", path: /\/manifests\/1\.1\.0$/, fault: forged(ODD_TYPE) }, TAKES_ANY_PUT);
    const before = proxy.requests.length;
    const result = await run(
      ["image", "copy", `${proxy.host}/shop-api:1.1.0`, `${proxy.host}/mirror:1.1.0`],
      cwd,
    );
    proxy.clear();
    expectRefused(result, /media type/);
    expect(puts(before)).toEqual([]);
  });

  it("manifest merge refuses a source of an unknown media type, and puts nothing", async () => {
    const real = JSON.parse(
      (await direct.getManifest("shop-api", "1.1.0-amd64"))!.bytes.toString(),
    ) as object;
    const odd = JSON.stringify({ ...real, mediaType: "application/x-evil" });
    proxy.set({ method: "GET", path: /\/manifests\/1\.1\.0-amd64$/, fault: forged(odd) }, TAKES_ANY_PUT);
    const before = proxy.requests.length;
    const result = await run(
      [
        "manifest",
        "merge",
        `${proxy.host}/shop-api:merged`,
        `${proxy.host}/shop-api:1.1.0-amd64`,
        `${proxy.host}/shop-api:1.1.0-arm64`,
      ],
      cwd,
    );
    proxy.clear();
    expectRefused(result, /media type/);
    expect(puts(before)).toEqual([]);
    expect(await digestAt("shop-api", "merged")).toBeNull();
  });

  it("the registry client never puts bytes that are not a manifest of the type they are put as", async () => {
    const client = new RegistryClient({ host: proxy.host });
    proxy.set(TAKES_ANY_PUT);
    const before = proxy.requests.length;
    await expect(client.putManifest("shop-api", "bad", NOT_JSON, MediaType.ociIndex)).rejects.toThrow(
      /malformed JSON/,
    );
    const index = (await direct.getManifest("shop-api", "1.1.0"))!;
    await expect(client.putManifest("shop-api", "bad", index.bytes, "text/plain")).rejects.toThrow(
      /media type/,
    );
    await expect(
      client.putManifest("shop-api", "bad", index.bytes, MediaType.dockerManifest),
    ).rejects.toThrow(/media type|index/);
    proxy.clear();
    expect(puts(before)).toEqual([]);
    expect(await digestAt("shop-api", "bad")).toBeNull();
  });
});
