/**
 * OCI and Docker v2 manifest formats, image references, and the image index a multi-arch merge
 * builds. Pure: bytes in, bytes out; the registry client does the I/O.
 */
import { createHash } from "node:crypto";
import { UsageError } from "./errors.js";

/** Media types the pipeline reads and writes. */
export const MediaType = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar+gzip",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  helmConfig: "application/vnd.cncf.helm.config.v1+json",
  helmChart: "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
} as const;

/** Every manifest media type, for the Accept header. */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.dockerList,
  MediaType.ociManifest,
  MediaType.dockerManifest,
].join(", ");

/** True for an index or a Docker manifest list. */
export function isIndex(mediaType: string): boolean {
  return mediaType === MediaType.ociIndex || mediaType === MediaType.dockerList;
}

/** A content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

/** An image platform as in an index. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** The parts of an image manifest we read. */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** The parts of an image index we read. */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** `sha256:<hex>` of some bytes. */
export function digestOf(bytes: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** A parsed image reference. */
export interface ImageRef {
  registry: string;
  repository: string;
  /** Tag or digest (`sha256:...`). */
  reference: string;
}

/**
 * Parses `registry/repo[:tag|@digest]` (an `oci://` prefix is allowed). The registry part is
 * required: the pipeline never guesses Docker Hub.
 */
export function parseImageRef(text: string, defaultReference = "latest"): ImageRef {
  const bare = text.replace(/^oci:\/\//, "");
  const slash = bare.indexOf("/");
  if (slash <= 0 || !/[.:]|^localhost$/.test(bare.slice(0, slash))) {
    throw new UsageError(
      `"${text}" is not a full image reference (example: ghcr.io/acme/shop-api:1.2.3 or 127.0.0.1:5000/shop-api:1.2.3)`,
    );
  }
  const registry = bare.slice(0, slash);
  let rest = bare.slice(slash + 1);
  let reference = defaultReference;
  const at = rest.indexOf("@");
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon > rest.lastIndexOf("/")) {
      reference = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
  }
  if (!/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(rest)) {
    throw new UsageError(
      `"${text}": repository "${rest}" is not valid (lowercase letters, digits, . _ - and /)`,
    );
  }
  if (!/^(sha256:[a-f0-9]{64}|[A-Za-z0-9_][A-Za-z0-9._-]{0,127})$/.test(reference)) {
    throw new UsageError(`"${text}": "${reference}" is neither a tag nor a sha256 digest`);
  }
  return { registry, repository: rest, reference };
}

/** Formats a reference back: `registry/repo:tag` or `registry/repo@digest`. */
export function formatImageRef(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}${ref.reference.startsWith("sha256:") ? "@" : ":"}${ref.reference}`;
}

/** `linux/arm64/v8`-style name of a platform. */
export function platformName(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

/** One per-arch image going into an index. */
export interface IndexSource {
  descriptor: Descriptor;
  platform: Platform;
}

/**
 * Builds the index of per-arch images: a Docker manifest list when every source is a Docker v2
 * manifest, an OCI index otherwise. Entries are sorted by platform so the bytes (and so the
 * digest) only depend on the input, which makes re-running a merge a no-op.
 */
export function buildIndex(
  sources: readonly IndexSource[],
  annotations: Record<string, string> = {},
): { mediaType: string; bytes: string } {
  const seen = new Set<string>();
  for (const s of sources) {
    const name = platformName(s.platform);
    if (seen.has(name))
      throw new UsageError(`two sources are ${name} images; an index holds one image per platform`);
    seen.add(name);
  }
  const docker = sources.every((s) => s.descriptor.mediaType === MediaType.dockerManifest);
  const mediaType = docker ? MediaType.dockerList : MediaType.ociIndex;
  const manifests = [...sources]
    .sort((a, b) => platformName(a.platform).localeCompare(platformName(b.platform)))
    .map((s) => ({
      mediaType: s.descriptor.mediaType,
      digest: s.descriptor.digest,
      size: s.descriptor.size,
      platform: {
        architecture: s.platform.architecture,
        os: s.platform.os,
        ...(s.platform.variant ? { variant: s.platform.variant } : {}),
      },
    }));
  const index: Record<string, unknown> = { schemaVersion: 2, mediaType, manifests };
  // Docker manifest lists have no annotations field; the version then comes from the image labels.
  if (!docker && Object.keys(annotations).length > 0) index.annotations = annotations;
  return { mediaType, bytes: JSON.stringify(index) };
}
