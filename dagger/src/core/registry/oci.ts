/**
 * OCI and Docker v2 manifest formats, image references, and the image index a multi-arch merge
 * builds. Pure: bytes in, bytes out; the registry client does the I/O.
 */
import { createHash } from "node:crypto";
import { FailureError, UsageError } from "../errors.js";
import { isOciTag, safeEcho } from "../validate.js";

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

/** `sha256:<hex>` of some bytes (or `sha512:<hex>` when asked). */
export function digestOf(bytes: Uint8Array | string, algorithm: "sha256" | "sha512" = "sha256"): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

/** A content digest the pipeline can check: sha256 or sha512 with lowercase hex of the right length. */
export const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/**
 * The sha256 digest of manifest or blob bytes, after checking them against every digest the
 * registry or the caller claims for them (the `Docker-Content-Digest` header, the digest the
 * request asked for). Throws a {@link FailureError} naming `where` on any mismatch: bytes changed
 * in transit or a lying header must never be taken for the real thing.
 */
export function checkedDigest(
  bytes: Uint8Array | string,
  claims: readonly { what: string; digest: string | null | undefined }[],
  where: string,
): string {
  const actual = digestOf(bytes);
  for (const claim of claims) {
    if (!claim.digest) continue;
    if (!DIGEST.test(claim.digest)) {
      throw new FailureError(
        `${where}: ${claim.what} ${safeEcho(claim.digest)} is not a sha256 or sha512 digest; refusing the answer (check the registry or a proxy in front of it)`,
      );
    }
    const algorithm = claim.digest.startsWith("sha512:") ? "sha512" : "sha256";
    const computed = algorithm === "sha256" ? actual : digestOf(bytes, algorithm);
    if (computed !== claim.digest) {
      throw new FailureError(
        `${where}: the bytes received hash to ${computed}, not the ${claim.what} ${claim.digest}; refusing them (content changed in transit, or a registry or proxy is lying)`,
      );
    }
  }
  return actual;
}

/** Parses JSON the registry sent; malformed JSON is a {@link FailureError} naming `where`, never a crash. */
export function parseRegistryJson(bytes: Uint8Array | string, where: string): unknown {
  try {
    return JSON.parse(typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8"));
  } catch {
    throw new FailureError(
      `${where}: the registry answered malformed JSON (${typeof bytes === "string" ? bytes.length : bytes.byteLength} bytes); check the registry or a proxy in front of it`,
    );
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function isDescriptor(v: unknown): v is Descriptor {
  return (
    isObject(v) &&
    typeof v.mediaType === "string" &&
    typeof v.digest === "string" &&
    DIGEST.test(v.digest) &&
    typeof v.size === "number" &&
    Number.isSafeInteger(v.size) &&
    v.size >= 0 &&
    (v.platform === undefined ||
      (isObject(v.platform) &&
        typeof v.platform.os === "string" &&
        typeof v.platform.architecture === "string")) &&
    (v.annotations === undefined || isObject(v.annotations))
  );
}

/** A manifest read from a registry, checked for the shape the pipeline relies on. */
export type ParsedManifest =
  | { kind: "index"; mediaType: string; index: ImageIndex }
  | { kind: "image"; mediaType: string; image: ImageManifest };

/**
 * Parses and shape-checks manifest bytes: an index (`manifests` of descriptors) or an image
 * manifest (`config` and `layers` descriptors). `mediaType` is the Content-Type the registry sent;
 * when it and the body disagree about being an index, the answer is refused. Anything else is a
 * {@link FailureError} naming `where`.
 */
export function parseManifest(bytes: Uint8Array | string, mediaType: string, where: string): ParsedManifest {
  return shapeOf(
    parseRegistryJson(bytes, where),
    mediaType,
    (why) =>
      new FailureError(
        `${where}: the registry answered a manifest that ${why}; check the registry or a proxy in front of it`,
      ),
  );
}

/** Every manifest media type the pipeline writes: OCI image index and manifest, Docker list and manifest. */
export const MANIFEST_MEDIA_TYPES: ReadonlySet<string> = new Set([
  MediaType.ociIndex,
  MediaType.dockerList,
  MediaType.ociManifest,
  MediaType.dockerManifest,
]);

/**
 * Checks bytes about to be written as a manifest (a tag moved, a copy, a merge): they must parse
 * as an index or image manifest ({@link parseManifest}'s shape rules), of one of the
 * {@link MANIFEST_MEDIA_TYPES}, and a media type in the body must be the one they are written
 * under. A body whose digest header matched but which is no manifest (`{not json`, an HTML page)
 * is refused here, before anything moves; the {@link FailureError} names `where`.
 */
export function requireWritableManifest(
  bytes: Uint8Array | string,
  mediaType: string,
  where: string,
): ParsedManifest {
  const bad = (why: string) =>
    new FailureError(
      `${where}: refusing to write a manifest that ${why}; check the registry or a proxy in front of it`,
    );
  const size = typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.byteLength;
  let body: unknown;
  try {
    body = JSON.parse(typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8"));
  } catch {
    throw bad(`is malformed JSON (${size} bytes)`);
  }
  const declared = isObject(body) && typeof body.mediaType === "string" ? body.mediaType : undefined;
  const type = declared ?? mediaType;
  if (!MANIFEST_MEDIA_TYPES.has(type))
    throw bad(`has media type ${safeEcho(type)}, not an OCI or Docker v2 image manifest or index`);
  if (declared !== undefined && declared !== mediaType)
    throw bad(`says it is media type ${safeEcho(declared)} but is written as ${safeEcho(mediaType)}`);
  return shapeOf(body, type, bad);
}

/** The shape checks of {@link parseManifest} on parsed JSON; `bad` words the error. */
function shapeOf(body: unknown, mediaType: string, bad: (why: string) => FailureError): ParsedManifest {
  if (!isObject(body)) throw bad("is not a JSON object");
  if (body.schemaVersion !== 2) throw bad("is not schemaVersion 2");
  const type = typeof body.mediaType === "string" ? body.mediaType : mediaType;
  if (body.annotations !== undefined && !isObject(body.annotations)) throw bad("has malformed annotations");
  if (Array.isArray(body.manifests)) {
    if (!isIndex(type)) throw bad(`lists manifests but says it is ${safeEcho(type)}`);
    if (!body.manifests.every(isDescriptor)) throw bad("has a malformed entry in manifests");
    return { kind: "index", mediaType: type, index: body as unknown as ImageIndex };
  }
  if (isIndex(type)) throw bad("says it is an index but lists no manifests");
  if (!isDescriptor(body.config)) throw bad("has no valid config descriptor");
  if (!Array.isArray(body.layers) || !body.layers.every(isDescriptor)) throw bad("has malformed layers");
  return { kind: "image", mediaType: type, image: body as unknown as ImageManifest };
}

/** A registry host with an optional port: a DNS name, an IPv4 address or a bracketed IPv6 address. */
export function isRegistryHostPort(host: string): boolean {
  return (
    host.length <= 255 &&
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/.test(
      host,
    )
  );
}

/** The distribution spec's repository name: lowercase path components joined by `/` (never `..`). */
export function isRepositoryName(name: string): boolean {
  return (
    name.length <= 255 &&
    /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/.test(name)
  );
}

/** A manifest reference: an OCI tag (`[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`) or a sha256/sha512 digest. */
export function isTagOrDigest(reference: string): boolean {
  return DIGEST.test(reference) || isOciTag(reference);
}

/** `text` without user info (`user:pass@`), for messages: a reference must never echo a credential. */
export function withoutUserInfo(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#]*@/i, "$1");
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
  const shown = safeEcho(withoutUserInfo(text));
  const slash = bare.indexOf("/");
  if (slash <= 0 || !/[.:]|^localhost$/.test(bare.slice(0, slash))) {
    throw new UsageError(
      `${shown} is not a full image reference (example: ghcr.io/acme/shop-api:1.2.3 or 127.0.0.1:5000/shop-api:1.2.3)`,
    );
  }
  if (!isRegistryHostPort(bare.slice(0, slash))) {
    throw new UsageError(
      `${shown}: registry ${bare.slice(0, slash).includes("@") ? "with user info" : safeEcho(bare.slice(0, slash))} is not a host[:port] (no scheme, user info or spaces)`,
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
  if (!isRepositoryName(rest)) {
    throw new UsageError(
      `${shown}: repository ${safeEcho(rest)} is not valid (lowercase letters, digits, . _ - and /)`,
    );
  }
  if (!isTagOrDigest(reference)) {
    throw new UsageError(
      `${shown}: ${safeEcho(reference)} is neither a tag (letters, digits, _ . -, at most 128) nor a sha256 digest`,
    );
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

/** Code-unit order, the same as localeCompare's for platform names (lower-case ASCII, digits, "/"). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
    // Code-unit order: localeCompare's first call loads ICU's collator, ~10 ms of a CLI merge.
    .sort((a, b) => compareText(platformName(a.platform), platformName(b.platform)))
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
