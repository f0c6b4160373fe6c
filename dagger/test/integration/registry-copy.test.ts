import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { copyImage } from "../../src/adapters/registry/copy.js";
import { mergeManifests } from "../../src/adapters/registry/merge.js";
import { runCli } from "../support/cli.js";
import { pushTestImage } from "../support/images.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { skipWithout } from "../support/tools.js";

// The registry logs a request after answering it; give the log a moment before reading it.
const settle = () => new Promise((r) => setTimeout(r, 300));

describe.skipIf(skipWithout("docker-registry"))("image copy against real registries", () => {
  let source: TestRegistry;
  let release: TestRegistry;
  let digest: string;
  beforeAll(async () => {
    [source, release] = await Promise.all([startRegistry(), startRegistry()]);
    for (const architecture of ["amd64", "arm64"])
      await pushTestImage(source.host, {
        repository: "shop-api",
        tag: `1.2.3-${architecture}`,
        architecture,
        format: "oci",
      });
    const merged = await mergeManifests({
      target: `${source.host}/shop-api:1.2.3`,
      sources: [`${source.host}/shop-api:1.2.3-amd64`, `${source.host}/shop-api:1.2.3-arm64`],
    });
    digest = merged.digest;
  });
  afterAll(async () => Promise.all([source?.remove(), release?.remove()]));

  it("copies within one registry by mounting every blob: no blob bytes are uploaded, same digest", async () => {
    await settle();
    const before = source.requests().length;
    const result = runCli([
      "image",
      "copy",
      `${source.host}/shop-api:1.2.3`,
      `${source.host}/release/shop-api:1.2.3`,
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(`${source.host}/release/shop-api:1.2.3@${digest}`);
    await settle();
    const requests = source.requests().slice(before);
    const mounts = requests.filter((r) => /^POST \/v2\/release\/shop-api\/blobs\/uploads\/\?mount=/.test(r));
    // Two platforms, each a config and a layer.
    expect(mounts).toHaveLength(4);
    for (const m of mounts) expect(m).toMatch(/from=shop-api/);
    expect(requests.filter((r) => /^(PUT|PATCH) \/v2\/[^ ]*\/blobs\/uploads\//.test(r))).toEqual([]);
    expect(requests.filter((r) => /^POST [^ ]*\/blobs\/uploads\/?$/.test(r))).toEqual([]);
    const copied = await new RegistryClient({ host: source.host }).getManifest("release/shop-api", "1.2.3");
    expect(copied?.digest).toBe(digest);
  });

  it("skips blobs the target already has: a second copy only checks them (HEAD)", async () => {
    await settle();
    const before = source.requests().length;
    const [ref] = await copyImage(`${source.host}/shop-api:1.2.3`, [`${source.host}/release/shop-api:again`]);
    expect(ref).toBe(`${source.host}/release/shop-api:again@${digest}`);
    await settle();
    const requests = source.requests().slice(before);
    expect(requests.filter((r) => r.includes("/blobs/uploads/"))).toEqual([]);
    expect(requests.filter((r) => /^HEAD \/v2\/release\/shop-api\/blobs\//.test(r))).toHaveLength(4);
  });

  it("copies to another registry host by moving the blobs, same digest, and by digest when the ref has one", async () => {
    const result = runCli([
      "image",
      "copy",
      `${source.host}/shop-api:1.2.3@${digest}`,
      `${release.host}/acme/shop-api:1.2.3`,
      "--json",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      target: `${release.host}/acme/shop-api:1.2.3@${digest}`,
      digest,
    });
    const copied = await new RegistryClient({ host: release.host }).getManifest("acme/shop-api", "1.2.3");
    expect(copied?.digest).toBe(digest);
    await settle();
    expect(release.requests().some((r) => r.includes("mount="))).toBe(false);
    expect(
      release.requests().filter((r) => /^PUT \/v2\/acme\/shop-api\/blobs\/uploads\//.test(r)),
    ).toHaveLength(4);
  });

  it("falls back when the registry answers a mount with 202 (blob not in the source repository) and closes that upload", async () => {
    const client = new RegistryClient({ host: release.host });
    const blob = await client.pushBlob("acme/shop-api", "only here");
    expect(await client.mountBlob("other/repo", blob, "nowhere/repo")).toBe(false);
    await settle();
    expect(
      release.requests().filter((r) => /^DELETE \/v2\/other\/repo\/blobs\/uploads\//.test(r)),
    ).toHaveLength(1);
    expect(await client.hasBlob("other/repo", blob)).toBe(false);
  });

  it("refuses a source that does not exist with exit 1 and says which", () => {
    const result = runCli([
      "image",
      "copy",
      `${source.host}/shop-api:9.9.9`,
      `${release.host}/acme/shop-api:9.9.9`,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/shop-api:9\.9\.9 does not exist/);
  });
});
