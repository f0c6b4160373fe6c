/**
 * Pushes small single-platform test images with our own registry client: a random layer, an
 * image config with the platform (and labels), and a Docker v2 or OCI manifest.
 */
import { randomBytes } from "node:crypto";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { MediaType } from "../../src/core/registry/oci.js";

/** What to push. */
export interface TestImage {
  repository: string;
  tag: string;
  architecture: string;
  os?: string;
  variant?: string;
  labels?: Record<string, string>;
  format?: "docker" | "oci";
}

/** Pushes one image to `host` and returns its manifest digest and size. */
export async function pushTestImage(
  host: string,
  image: TestImage,
  client = new RegistryClient({ host }),
): Promise<{ digest: string; size: number }> {
  const docker = (image.format ?? "docker") === "docker";
  const layer = randomBytes(256);
  const config = JSON.stringify({
    architecture: image.architecture,
    os: image.os ?? "linux",
    ...(image.variant ? { variant: image.variant } : {}),
    config: { Labels: image.labels ?? {} },
    rootfs: { type: "layers", diff_ids: [] },
  });
  const layerDigest = await client.pushBlob(image.repository, layer);
  const configDigest = await client.pushBlob(image.repository, config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: docker ? MediaType.dockerManifest : MediaType.ociManifest,
    config: {
      mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig,
      digest: configDigest,
      size: Buffer.byteLength(config),
    },
    layers: [
      {
        mediaType: docker ? MediaType.dockerLayer : MediaType.ociLayer,
        digest: layerDigest,
        size: layer.length,
      },
    ],
  });
  const digest = await client.putManifest(
    image.repository,
    image.tag,
    manifest,
    docker ? MediaType.dockerManifest : MediaType.ociManifest,
  );
  return { digest, size: Buffer.byteLength(manifest) };
}
