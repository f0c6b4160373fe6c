/**
 * Merge and copy send their requests at once; a blob that two manifests share must still be
 * checked and mounted once per target, as when they went one by one (and `mounted` counts it once).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { copyImage } from "../../src/adapters/registry/copy.js";
import { mergeManifests } from "../../src/adapters/registry/merge.js";
import { MediaType } from "../../src/core/registry/oci.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { skipWithout } from "../support/tools.js";

describe.skipIf(skipWithout("docker-registry"))("blobs shared by the manifests of one operation", () => {
  let registry: TestRegistry;
  let shared: string;
  beforeAll(async () => {
    registry = await startRegistry();
    const client = new RegistryClient({ host: registry.host });
    const layer = randomBytes(256);
    shared = await client.pushBlob("parts", layer);
    for (const architecture of ["amd64", "arm64"]) {
      const config = JSON.stringify({ architecture, os: "linux", rootfs: { type: "layers", diff_ids: [] } });
      const configDigest = await client.pushBlob("parts", config);
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: configDigest, size: Buffer.byteLength(config) },
        layers: [{ mediaType: MediaType.ociLayer, digest: shared, size: layer.length }],
      });
      await client.putManifest("parts", `1.0.0-${architecture}`, manifest, MediaType.ociManifest);
    }
  }, 60_000);
  afterAll(async () => {
    await registry?.remove();
  });

  it("merge mounts a layer both sources share once", async () => {
    const before = registry.requests().length;
    const result = await mergeManifests({
      target: `${registry.host}/app:1.0.0`,
      sources: [`${registry.host}/parts:1.0.0-amd64`, `${registry.host}/parts:1.0.0-arm64`],
    });
    expect(result.platforms).toEqual(["linux/amd64", "linux/arm64"]);
    expect(result.mounted).toBe(3);
    const requests = registry.requests().slice(before);
    expect(
      requests.filter((r) => r.startsWith("POST ") && r.includes(encodeURIComponent(shared))),
    ).toHaveLength(1);
    expect(requests.filter((r) => r.startsWith("HEAD ") && r.includes(shared))).toHaveLength(1);
  });

  it("copy of the index checks and mounts that layer once", async () => {
    const before = registry.requests().length;
    const [copied] = await copyImage(`${registry.host}/app:1.0.0`, [`${registry.host}/release/app:1.0.0`]);
    expect(copied).toMatch(/^127\.0\.0\.1:\d+\/release\/app:1\.0\.0@sha256:[0-9a-f]{64}$/);
    const requests = registry.requests().slice(before);
    expect(
      requests.filter((r) => r.startsWith("POST ") && r.includes(encodeURIComponent(shared))),
    ).toHaveLength(1);
    expect(requests.filter((r) => r.startsWith("HEAD ") && r.includes(shared))).toHaveLength(1);
  });
});
