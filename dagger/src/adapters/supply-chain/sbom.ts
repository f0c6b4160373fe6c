/**
 * `sbom`: one SPDX 2.3 document per published image and platform, from the Go build info of the
 * binaries in its layers plus its base image; attached to the platform's manifest digest as an
 * OCI artifact (`subject`), and written to files as release assets. Safe to re-run: the document
 * is deterministic, so an SBOM already attached is not pushed again.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FailureError } from "../../core/errors.js";
import {
  type Descriptor,
  formatImageRef,
  type ImageRef,
  parseManifest,
  platformName,
} from "../../core/registry/oci.js";
import { buildSpdx, SPDX_MEDIA_TYPE, type SpdxDocument, spdxBytes } from "../../core/supply-chain/sbom.js";
import type { RegistryClient, StoredManifest } from "../registry/client.js";
import { platformOf, readImageConfig } from "../registry/image-config.js";
import { goBinariesInImage } from "../registry/image-files.js";
import { attachArtifact } from "../registry/referrers.js";

/** The tool name written into every document's creators. */
export const SBOM_TOOL = "pipeline";

/** One platform's SBOM. */
export interface ImageSbom {
  /** `registry/repository@digest` of the platform manifest it describes. */
  image: string;
  platform: string;
  digest: string;
  document: SpdxDocument;
  /** The attached artifact's digest, when attached. */
  artifact?: string;
  changed?: boolean;
  /** The file written, when asked to. */
  file?: string;
}

/** The platform manifests of `ref`: itself for a single-platform image, each entry for an index. */
export async function platformManifests(
  client: RegistryClient,
  ref: ImageRef,
): Promise<{ top: StoredManifest; platforms: { descriptor: Descriptor; manifest: StoredManifest }[] }> {
  const where = `registry ${ref.registry}, ${formatImageRef(ref)}`;
  const top = await client.getManifest(ref.repository, ref.reference);
  if (!top) throw new FailureError(`${where}: not found; publish the image first`);
  const parsed = parseManifest(top.bytes, top.mediaType, where);
  if (parsed.kind === "image")
    return {
      top,
      platforms: [
        {
          descriptor: { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length },
          manifest: top,
        },
      ],
    };
  const platforms = [];
  for (const descriptor of parsed.index.manifests) {
    // Attestation manifests (buildx's unknown/unknown) describe, they are not images.
    if (descriptor.platform?.os === "unknown") continue;
    const manifest = await client.getManifest(ref.repository, descriptor.digest);
    if (!manifest) throw new FailureError(`${where}: platform manifest ${descriptor.digest} is missing`);
    platforms.push({ descriptor, manifest });
  }
  return { top, platforms };
}

/** Builds (and optionally attaches and writes) the SBOMs of one image reference. */
export async function imageSboms(options: {
  client: RegistryClient;
  ref: ImageRef;
  /** The base image, when config knows it; the image's own base annotations win. */
  base?: string;
  version?: string;
  attach: boolean;
  /** Directory for `<repository name>_<os>_<arch>.spdx.json` files. */
  outDir?: string;
}): Promise<ImageSbom[]> {
  const { client, ref } = options;
  const { platforms } = await platformManifests(client, ref);
  const out: ImageSbom[] = [];
  for (const { descriptor, manifest } of platforms) {
    const where = `registry ${ref.registry}, ${ref.repository}@${manifest.digest}`;
    const parsed = parseManifest(manifest.bytes, manifest.mediaType, where);
    if (parsed.kind !== "image") throw new FailureError(`${where}: a nested index is not an image`);
    const config = await readImageConfig(client, ref.repository, manifest);
    const platform = platformName(descriptor.platform ?? platformOf(config));
    const binaries = await goBinariesInImage(client, ref.repository, parsed.image);
    if (binaries.length === 0)
      throw new FailureError(
        `${where} (${platform}): no Go binary with build info in the image; nothing to list`,
      );
    const annotations = parsed.image.annotations ?? {};
    const baseName = annotations["org.opencontainers.image.base.name"] ?? options.base;
    const baseDigest = annotations["org.opencontainers.image.base.digest"];
    const created = (config as { created?: unknown }).created;
    const repository = `${ref.registry}/${ref.repository}`;
    const document = buildSpdx({
      repository,
      digest: manifest.digest,
      platform,
      ...(baseName ? { base: { name: baseName, ...(baseDigest ? { digest: baseDigest } : {}) } } : {}),
      binaries,
      created: typeof created === "string" && created ? created : "1970-01-01T00:00:00Z",
      tool: SBOM_TOOL,
      version: options.version,
    });
    const sbom: ImageSbom = {
      image: `${repository}@${manifest.digest}`,
      platform,
      digest: manifest.digest,
      document,
    };
    const bytes = spdxBytes(document);
    if (options.attach) {
      const attached = await attachArtifact(
        client,
        ref.repository,
        { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length },
        {
          artifactType: SPDX_MEDIA_TYPE,
          mediaType: SPDX_MEDIA_TYPE,
          bytes,
          annotations: { "org.opencontainers.image.created": document.creationInfo.created },
        },
      );
      sbom.artifact = attached.digest;
      sbom.changed = attached.changed;
    }
    if (options.outDir) {
      mkdirSync(options.outDir, { recursive: true });
      const name = `${ref.repository.split("/").pop()}_${platform.replaceAll("/", "_")}.spdx.json`;
      sbom.file = join(options.outDir, name);
      writeFileSync(sbom.file, bytes);
    }
    out.push(sbom);
  }
  return out;
}
