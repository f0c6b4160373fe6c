/**
 * OCI 1.1 artifacts attached to a manifest: an artifact manifest whose `subject` is the manifest
 * it describes (an SBOM, a signature bundle). Listed through the referrers API
 * (`GET /v2/<name>/referrers/<digest>`) where the registry has it; elsewhere through the
 * distribution spec's fallback, an index tagged `sha256-<hex>` that the pusher keeps up to date.
 * Attaching the same artifact twice changes nothing.
 */
import { FailureError } from "../../core/errors.js";
import {
  type Descriptor,
  digestOf,
  MediaType,
  parseManifest,
  parseRegistryJson,
} from "../../core/registry/oci.js";
import type { RegistryClient } from "./client.js";

/** The empty config descriptor of an artifact manifest (OCI 1.1). */
export const EMPTY_CONFIG = {
  mediaType: "application/vnd.oci.empty.v1+json",
  digest: digestOf("{}"),
  size: 2,
} as const;

/** A referrer: the artifact manifest's descriptor with its artifact type. */
export interface Referrer extends Descriptor {
  artifactType?: string;
}

/** The fallback tag for the referrers of `digest`. */
export function referrersTag(digest: string): string {
  return digest.replace(":", "-");
}

/** What to attach. */
export interface Artifact {
  artifactType: string;
  /** The one layer's bytes and media type (for an SBOM, the document itself). */
  bytes: Buffer;
  mediaType: string;
  annotations?: Record<string, string>;
}

/** The artifact manifest for `artifact` about `subject`. Deterministic for the same input. */
export function artifactManifest(subject: Descriptor, artifact: Artifact): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: artifact.artifactType,
      config: EMPTY_CONFIG,
      layers: [
        { mediaType: artifact.mediaType, digest: digestOf(artifact.bytes), size: artifact.bytes.length },
      ],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      ...(artifact.annotations && Object.keys(artifact.annotations).length
        ? { annotations: artifact.annotations }
        : {}),
    }),
  );
}

/**
 * The referrers of `digest` (optionally of one artifact type): from the referrers API, or from
 * the fallback tag when the registry has no such API. `api` says which answered.
 */
export async function listReferrers(
  client: RegistryClient,
  repository: string,
  digest: string,
  artifactType?: string,
): Promise<{ api: boolean; referrers: Referrer[] }> {
  const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : "";
  const response = await client.request("GET", repository, `referrers/${digest}${query}`, {
    headers: { accept: MediaType.ociIndex },
    ref: digest,
    expect: [200, 400, 404, 405],
  });
  let api = false;
  let referrers: Referrer[];
  const where = `registry ${client.host}, repository ${repository}, referrers of ${digest}`;
  const type = response.headers.get("content-type")?.split(";")[0]?.trim() ?? "";
  if (response.status === 200 && type === MediaType.ociIndex) {
    api = true;
    const body = parseRegistryJson(response.body, where) as { manifests?: unknown };
    referrers = Array.isArray(body?.manifests) ? (body.manifests as Referrer[]) : [];
  } else {
    referrers = await fallbackIndex(client, repository, digest);
  }
  return {
    api,
    referrers: referrers.filter(
      (r) => typeof r?.digest === "string" && (!artifactType || r.artifactType === artifactType),
    ),
  };
}

async function fallbackIndex(
  client: RegistryClient,
  repository: string,
  digest: string,
): Promise<Referrer[]> {
  const tag = referrersTag(digest);
  const stored = await client.getManifest(repository, tag);
  if (!stored) return [];
  const parsed = parseManifest(
    stored.bytes,
    stored.mediaType,
    `registry ${client.host}, ${repository}:${tag}`,
  );
  if (parsed.kind !== "index")
    throw new FailureError(
      `registry ${client.host}, ${repository}:${tag} is not a referrers index; something else uses the fallback tag`,
    );
  return parsed.index.manifests as Referrer[];
}

/**
 * Pushes `artifact` with `subject` and makes it findable: the registry indexes it when it has the
 * referrers API, else the fallback index gains its descriptor. Returns the artifact's digest and
 * whether anything changed.
 */
export async function attachArtifact(
  client: RegistryClient,
  repository: string,
  subject: Descriptor,
  artifact: Artifact,
): Promise<{ digest: string; changed: boolean; api: boolean }> {
  const manifest = artifactManifest(subject, artifact);
  const digest = digestOf(manifest);
  const before = await listReferrers(client, repository, subject.digest);
  if (before.referrers.some((r) => r.digest === digest)) return { digest, changed: false, api: before.api };
  await client.pushBlob(repository, "{}");
  await client.pushBlob(repository, artifact.bytes);
  await client.putManifest(repository, digest, manifest, MediaType.ociManifest);
  if (before.api) return { digest, changed: true, api: true };
  // Re-read just before writing, to lose as little as possible to a concurrent attach.
  const current = await fallbackIndex(client, repository, subject.digest);
  if (!current.some((r) => r.digest === digest)) {
    const index = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        ...current,
        {
          mediaType: MediaType.ociManifest,
          digest,
          size: manifest.length,
          artifactType: artifact.artifactType,
          ...(artifact.annotations && Object.keys(artifact.annotations).length
            ? { annotations: artifact.annotations }
            : {}),
        },
      ],
    };
    await client.putManifest(
      repository,
      referrersTag(subject.digest),
      JSON.stringify(index),
      MediaType.ociIndex,
    );
  }
  return { digest, changed: true, api: false };
}

/** The bytes of a referrer's single layer (an SBOM document), checked against its digest. */
export async function readArtifactLayer(
  client: RegistryClient,
  repository: string,
  referrer: Referrer,
): Promise<Buffer> {
  const stored = await client.getManifest(repository, referrer.digest);
  if (!stored)
    throw new FailureError(`registry ${client.host}, ${repository}@${referrer.digest}: referrer not found`);
  const parsed = parseManifest(
    stored.bytes,
    stored.mediaType,
    `registry ${client.host}, ${repository}@${referrer.digest}`,
  );
  if (parsed.kind !== "image" || parsed.image.layers.length === 0)
    throw new FailureError(
      `registry ${client.host}, ${repository}@${referrer.digest}: the artifact has no layer`,
    );
  const layer = parsed.image.layers[0]!;
  return client.getBlob(repository, layer.digest, layer.size);
}
