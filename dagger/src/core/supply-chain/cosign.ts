/**
 * Cosign's storage format, so `cosign verify` and `cosign verify-attestation` read what the
 * pipeline writes: signatures live in an image tagged `sha256-<hex>.sig` next to the signed
 * manifest, one layer per signature (the simple-signing payload, its base64 signature in the
 * `dev.cosignproject.cosign/signature` annotation); attestations live under `sha256-<hex>.att`,
 * one layer per DSSE envelope. Pure: the adapters sign and push.
 */
import { FailureError } from "../errors.js";
import { type Descriptor, digestOf, MediaType } from "../registry/oci.js";

/** Media type of a simple-signing payload layer. */
export const SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
/** Media type of a DSSE envelope layer. */
export const DSSE_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json";
/** The annotation that carries a layer's signature. */
export const SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
/** The payload type of an in-toto statement in a DSSE envelope. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** `sha256-<hex>.<suffix>`: where cosign looks for a digest's signatures (`sig`) or attestations (`att`). */
export function cosignTag(digest: string, suffix: "sig" | "att" | "sbom"): string {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (!m) throw new FailureError(`${digest} is not a sha256 digest; cosign tags need one`);
  return `sha256-${m[1]}.${suffix}`;
}

/** The simple-signing payload cosign signs for an image: exactly these bytes are signed. */
export function simpleSigningPayload(dockerReference: string, digest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { "docker-reference": dockerReference },
        image: { "docker-manifest-digest": digest },
        type: "cosign container image signature",
      },
      optional: null,
    }),
  );
}

/** The digest a simple-signing payload names, or null when the bytes are not one. */
export function payloadDigest(payload: Buffer): string | null {
  try {
    const parsed = JSON.parse(payload.toString("utf8")) as {
      critical?: { image?: { "docker-manifest-digest"?: unknown }; type?: unknown };
    };
    const digest = parsed?.critical?.image?.["docker-manifest-digest"];
    return parsed?.critical?.type === "cosign container image signature" && typeof digest === "string"
      ? digest
      : null;
  } catch {
    return null;
  }
}

/** DSSE's pre-authentication encoding: what a DSSE signature covers. */
export function dssePae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType);
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `),
    type,
    Buffer.from(` ${payload.length} `),
    payload,
  ]);
}

/** A DSSE envelope. */
export interface DsseEnvelope {
  payloadType: string;
  /** base64 of the payload. */
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/** Reads a DSSE envelope, or null when the bytes are not one. */
export function parseDsse(bytes: Buffer): DsseEnvelope | null {
  try {
    const e = JSON.parse(bytes.toString("utf8")) as DsseEnvelope;
    if (typeof e?.payloadType !== "string" || typeof e.payload !== "string" || !Array.isArray(e.signatures))
      return null;
    if (!e.signatures.every((s) => typeof s?.sig === "string")) return null;
    return e;
  } catch {
    return null;
  }
}

/** The descriptor of one signature or attestation layer: its bytes stay with the caller to push. */
export function cosignLayer(
  mediaType: string,
  bytes: Buffer,
  annotations: Record<string, string>,
): Descriptor {
  return { mediaType, digest: digestOf(bytes), size: bytes.length, annotations };
}

/**
 * The config blob and manifest of a signature or attestation image holding `layers`, as cosign
 * writes them (an OCI image whose layers are stored uncompressed, so diff ids are the digests).
 */
export function cosignImage(layers: readonly Descriptor[]): { config: Buffer; manifest: Buffer } {
  const config = Buffer.from(
    JSON.stringify({
      architecture: "",
      created: "0001-01-01T00:00:00Z",
      history: layers.map(() => ({ created: "0001-01-01T00:00:00Z" })),
      os: "",
      rootfs: { type: "layers", diff_ids: layers.map((d) => d.digest) },
      config: {},
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, size: config.length, digest: digestOf(config) },
      layers: layers.map((l) => ({
        mediaType: l.mediaType,
        size: l.size,
        digest: l.digest,
        ...(l.annotations ? { annotations: l.annotations } : {}),
      })),
    }),
  );
  return { config, manifest };
}

/** The layer descriptors of a stored signature or attestation manifest (empty when unreadable). */
export function cosignLayers(manifest: Buffer): Descriptor[] {
  try {
    const parsed = JSON.parse(manifest.toString("utf8")) as { layers?: unknown };
    if (!Array.isArray(parsed?.layers)) return [];
    return parsed.layers.filter(
      (l): l is Descriptor =>
        typeof l?.digest === "string" && typeof l.mediaType === "string" && typeof l.size === "number",
    );
  } catch {
    return [];
  }
}
