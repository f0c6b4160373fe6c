/**
 * Layers over the 32 MiB cap of ordinary answers, on real registries: a blob of known size is read
 * up to its descriptor's size (and no further), so a real service's image copies across registry
 * hosts and its Go binaries are found for the SBOM, while a registry sending more bytes than the
 * descriptor announces is refused.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { MediaType } from "../../src/core/registry/oci.js";
import { MAX_BLOB_BYTES } from "../../src/core/registry/retry-policy.js";
import { runCliAsync } from "../support/cli.js";
import { buildSampleBinary, pushGoImage } from "../support/go-image.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { skipWithout } from "../support/tools.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
const MiB = 1024 * 1024;
afterAll(removeTempDirs);

/** Pushes a one-layer OCI image whose layer descriptor says `announced` bytes; returns the digests. */
async function pushImage(
  client: RegistryClient,
  repository: string,
  tag: string,
  layer: Buffer,
  announced = layer.length,
): Promise<{ manifest: string; layer: string; config: string }> {
  const config = JSON.stringify({
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: [] },
  });
  const layerDigest = await client.pushBlob(repository, layer);
  const configDigest = await client.pushBlob(repository, config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: configDigest, size: Buffer.byteLength(config) },
    layers: [{ mediaType: MediaType.ociLayer, digest: layerDigest, size: announced }],
  });
  const digest = await client.putManifest(repository, tag, manifest, MediaType.ociManifest);
  return { manifest: digest, layer: layerDigest, config: configDigest };
}

describe.skipIf(skipWithout("docker-registry"))("blobs over 32 MiB on real registries", () => {
  let source: TestRegistry;
  let target: TestRegistry;
  let big: Buffer;
  let pushed: { manifest: string; layer: string; config: string };
  beforeAll(async () => {
    [source, target] = await Promise.all([startRegistry(), startRegistry()]);
    // Random bytes: incompressible, so the registry really stores and sends 40 MiB.
    big = randomBytes(40 * MiB);
    pushed = await pushImage(new RegistryClient({ host: source.host }), "shop-api", "2.0.0", big);
  });
  afterAll(async () => Promise.all([source?.remove(), target?.remove()]));

  it("copies an image with a 40 MiB layer to another registry host with pipeline image copy; the digests match there", async () => {
    const result = await runCliAsync(
      ["image", "copy", `${source.host}/shop-api:2.0.0`, `${target.host}/acme/shop-api:2.0.0`],
      { cwd: repoRoot },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(`${target.host}/acme/shop-api:2.0.0@${pushed.manifest}`);
    const client = new RegistryClient({ host: target.host });
    expect((await client.getManifest("acme/shop-api", "2.0.0"))?.digest).toBe(pushed.manifest);
    const layer = await client.getBlob("acme/shop-api", pushed.layer, big.length);
    expect(layer.equals(big)).toBe(true);
    expect(
      target.requests().filter((r) => /^PUT \/v2\/acme\/shop-api\/blobs\/uploads\//.test(r)),
    ).toHaveLength(2);
  });

  it("still caps a blob read without its size at 32 MiB", async () => {
    await expect(new RegistryClient({ host: source.host }).getBlob("shop-api", pushed.layer)).rejects.toThrow(
      /repository shop-api, ref sha256:[a-f0-9]{64}: the answer is larger than 32 MiB; refusing it/,
    );
  });

  it("refuses a blob the registry sends more bytes of than its descriptor announces, and says which", async () => {
    const client = new RegistryClient({ host: source.host });
    const layer = randomBytes(64 * 1024);
    const lying = await pushImage(client, "liar", "1.0.0", layer, layer.length - 100);
    await expect(client.getBlob("liar", lying.layer, layer.length - 100)).rejects.toThrow(
      new RegExp(
        `^GET registry ${source.host.replace(/\./g, "\\.")}, repository liar, ref ${lying.layer}: the answer is longer than the ${layer.length - 100} bytes its descriptor announces \\(blob digest and size must both match\\); refusing it`,
      ),
    );
    // Fewer bytes than announced (the right blob, a wrong descriptor) is refused as well.
    await expect(client.getBlob("liar", lying.layer, layer.length + 100)).rejects.toThrow(
      `the blob is ${layer.length} bytes, not the ${layer.length + 100} its descriptor announces; refusing it (check the image)`,
    );
    const result = await runCliAsync(
      ["image", "copy", `${source.host}/liar:1.0.0`, `${target.host}/acme/liar:1.0.0`],
      { cwd: repoRoot },
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(
      `repository liar, ref ${lying.layer}: the answer is longer than the ${layer.length - 100} bytes its descriptor announces`,
    );
    expect(await new RegistryClient({ host: target.host }).getManifest("acme/liar", "1.0.0")).toBeNull();
  });

  it("refuses a descriptor announcing more than 4 GiB minus one before asking the registry", async () => {
    const client = new RegistryClient({ host: source.host });
    const before = client.requestCount;
    await expect(client.getBlob("shop-api", pushed.layer, MAX_BLOB_BYTES + 1)).rejects.toThrow(
      `repository shop-api, ref ${pushed.layer}: the descriptor announces ${MAX_BLOB_BYTES + 1} bytes, more than the ${MAX_BLOB_BYTES} the pipeline reads; refusing the blob`,
    );
    expect(client.requestCount).toBe(before);
  });
});

describe.skipIf(skipWithout("docker-registry", "go"))(
  "an SBOM of an image whose Go binary layer is over 32 MiB",
  () => {
    let registry: TestRegistry;
    beforeAll(async () => {
      registry = await startRegistry();
    });
    afterAll(async () => registry?.remove());

    it("pipeline sbom finds the Go binary in a 40 MiB layer and lists its modules", async () => {
      const padding = join(tempDir("pipeline-padding-"), "padding");
      writeFileSync(padding, randomBytes(40 * MiB));
      await pushGoImage(registry.host, "example/big-app", "1.0.0", [
        { platform: "linux/amd64", files: { api: buildSampleBinary("api", "linux/amd64"), padding } },
      ]);
      const out = tempDir("pipeline-sbom-");
      const result = await runCliAsync(
        ["sbom", `${registry.host}/example/big-app:1.0.0`, "--out", out, "--version", "1.0.0", "--json"],
        { cwd: repoRoot },
      );
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const sboms = JSON.parse(result.stdout) as { platform: string; modules: string[] }[];
      expect(sboms.map((s) => s.platform)).toEqual(["linux/amd64"]);
      expect(sboms[0]!.modules).toContain("github.com/example/sample-app@1.0.0");
      expect(sboms[0]!.modules.some((m) => m.startsWith("github.com/jackc/pgx/v5@"))).toBe(true);
    });
  },
);
