/**
 * Builds a small multi-platform image of real Go binaries (the sample's, cross-compiled on the
 * host) and pushes it with our registry client: one gzip tar layer per platform holding
 * `/app/<binary>`, an image config, OCI manifests with the base annotations, and an OCI index.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { buildIndex, digestOf, MediaType } from "../../src/core/registry/oci.js";
import { tempDir } from "./temp.js";
import { findTool } from "./tools.js";

/** The sample Go module. */
export const SAMPLE_SRC = resolve(import.meta.dirname, "../../../src");

/** Cross-compiles `./cmd/<binary>` of the sample for `platform` (`linux/arm64`) into a temp dir. */
export function buildSampleBinary(binary: string, platform: string): string {
  const [os, arch] = platform.split("/");
  const out = join(tempDir("pipeline-gobin-"), binary);
  execFileSync(findTool("go") ?? "go", ["build", "-trimpath", "-o", out, `./cmd/${binary}`], {
    cwd: SAMPLE_SRC,
    env: { ...process.env, CGO_ENABLED: "0", GOOS: os, GOARCH: arch, GOFLAGS: "-buildvcs=false" },
    stdio: "pipe",
  });
  return out;
}

/** Pushes an index of one image per platform, each carrying `binaries` at /app; returns its digest. */
export async function pushGoImage(
  host: string,
  repository: string,
  tag: string,
  images: { platform: string; files: Record<string, string> }[],
  base = "alpine:3.20",
): Promise<{ digest: string; platforms: Record<string, string> }> {
  const client = new RegistryClient({ host });
  const sources = [];
  const platforms: Record<string, string> = {};
  for (const image of images) {
    const [os, architecture] = image.platform.split("/") as [string, string];
    const root = tempDir("pipeline-layer-");
    mkdirSync(join(root, "app"));
    for (const [name, file] of Object.entries(image.files)) {
      copyFileSync(file, join(root, "app", name));
      chmodSync(join(root, "app", name), 0o755);
    }
    const layer = execFileSync("tar", ["-C", root, "-cz", "app"], { maxBuffer: 256 * 1024 * 1024 });
    const diffId = execFileSync("sh", ["-c", "gzip -dc | sha256sum"], {
      input: layer,
      maxBuffer: 1024 * 1024,
    })
      .toString()
      .split(" ")[0];
    const config = JSON.stringify({
      architecture,
      os,
      created: "2026-11-25T12:00:00Z",
      config: { WorkingDir: "/app" },
      rootfs: { type: "layers", diff_ids: [`sha256:${diffId}`] },
    });
    const layerDigest = await client.pushBlob(repository, layer);
    const configDigest = await client.pushBlob(repository, config);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configDigest, size: Buffer.byteLength(config) },
      layers: [{ mediaType: MediaType.ociLayer, digest: layerDigest, size: layer.length }],
      annotations: { "org.opencontainers.image.base.name": base },
    });
    const digest = await client.putManifest(repository, digestOf(manifest), manifest, MediaType.ociManifest);
    platforms[image.platform] = digest;
    sources.push({
      descriptor: { mediaType: MediaType.ociManifest, digest, size: Buffer.byteLength(manifest) },
      platform: { os, architecture },
    });
  }
  const index = buildIndex(sources);
  const digest = await client.putManifest(repository, tag, index.bytes, index.mediaType);
  return { digest, platforms };
}
