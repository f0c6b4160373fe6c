/**
 * The Go binaries inside a published single-platform image, read from its layers as the registry
 * holds them (so an SBOM describes what was shipped, not what a build directory had). Layers are
 * applied in order: a later file replaces an earlier one, whiteouts delete.
 */
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { FailureError } from "../../core/errors.js";
import type { ImageManifest } from "../../core/registry/oci.js";
import { tarEntries } from "../../core/registry/tar.js";
import { type GoBuildInfo, readGoBuildInfo } from "../../core/supply-chain/go-buildinfo.js";
import type { RegistryClient } from "./client.js";

/** A Go binary found in an image. */
export interface ImageGoBinary {
  path: string;
  sha256: string;
  info: GoBuildInfo;
}

function uncompressed(bytes: Buffer, mediaType: string, where: string): Buffer {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return gunzipSync(bytes);
  if (/zstd/.test(mediaType))
    throw new FailureError(`${where}: zstd layers are not read yet; build the image with gzip layers`);
  return bytes;
}

/** Every Go binary (an ELF or other executable with Go build info) in the image's final file system. */
export async function goBinariesInImage(
  client: RegistryClient,
  repository: string,
  image: ImageManifest,
): Promise<ImageGoBinary[]> {
  const files = new Map<string, ImageGoBinary | null>();
  for (const layer of image.layers) {
    const where = `registry ${client.host}, repository ${repository}, layer ${layer.digest}`;
    const tar = uncompressed(
      await client.getBlob(repository, layer.digest, layer.size),
      layer.mediaType,
      where,
    );
    for (const entry of tarEntries(tar)) {
      const path = `/${entry.name.replace(/^\.?\/+/, "")}`.replace(/\/+$/, "");
      const base = path.slice(path.lastIndexOf("/") + 1);
      if (base === ".wh..wh..opq") {
        const dir = path.slice(0, path.lastIndexOf("/") + 1);
        for (const key of files.keys()) if (key.startsWith(dir)) files.delete(key);
        continue;
      }
      if (base.startsWith(".wh.")) {
        const gone = `${path.slice(0, path.lastIndexOf("/") + 1)}${base.slice(4)}`;
        for (const key of files.keys()) if (key === gone || key.startsWith(`${gone}/`)) files.delete(key);
        continue;
      }
      if (entry.type !== "0") {
        files.delete(path);
        continue;
      }
      const body = Buffer.from(entry.body);
      const info = body.length > 1024 ? readGoBuildInfo(body) : null;
      files.set(path, info ? { path, sha256: createHash("sha256").update(body).digest("hex"), info } : null);
    }
  }
  return [...files.values()].filter((f): f is ImageGoBinary => f !== null);
}
