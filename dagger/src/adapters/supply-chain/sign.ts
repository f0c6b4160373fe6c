/**
 * Signatures and attestations in cosign's layout, pushed with the pipeline's own OCI client:
 * `sha256-<hex>.sig` holds simple-signing payloads signed with the key, `sha256-<hex>.att` holds
 * DSSE envelopes of in-toto statements. A digest already signed (or attested with the same
 * statement) by the same key is left as it is; other signatures are kept, as cosign keeps them.
 */
import type { KeyObject } from "node:crypto";
import { type Descriptor, MediaType } from "../../core/registry/oci.js";
import {
  cosignImage,
  cosignLayer,
  cosignLayers,
  cosignTag,
  DSSE_MEDIA_TYPE,
  type DsseEnvelope,
  dssePae,
  IN_TOTO_PAYLOAD_TYPE,
  parseDsse,
  payloadDigest,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  simpleSigningPayload,
} from "../../core/supply-chain/cosign.js";
import type { RegistryClient } from "../registry/client.js";
import { loadPublicKey, type Signer, verifySignature } from "./signing-keys.js";

/** What a sign or attest step did to one digest. */
export interface SignResult {
  /** `registry/repository@digest` signed or attested. */
  subject: string;
  /** `registry/repository:sha256-<hex>.sig` (or `.att`). */
  stored: string;
  changed: boolean;
}

/** The layers of a cosign tag (empty when the tag does not exist). */
async function existingLayers(
  client: RegistryClient,
  repository: string,
  tag: string,
): Promise<Descriptor[]> {
  const stored = await client.getManifest(repository, tag);
  return stored ? cosignLayers(stored.bytes) : [];
}

/** True when `layer` is a simple-signing payload for `digest` signed by `key`. */
async function isSignatureBy(
  client: RegistryClient,
  repository: string,
  layer: Descriptor,
  digest: string,
  key: KeyObject,
): Promise<boolean> {
  const signature = layer.annotations?.[SIGNATURE_ANNOTATION];
  if (!signature) return false;
  const payload = await client.getBlob(repository, layer.digest, layer.size);
  return payloadDigest(payload) === digest && verifySignature(key, payload, Buffer.from(signature, "base64"));
}

/** The statement in a DSSE layer when `key` signed it, else null. */
async function signedStatement(
  client: RegistryClient,
  repository: string,
  layer: Descriptor,
  key: KeyObject,
): Promise<Buffer | null> {
  const envelope = parseDsse(await client.getBlob(repository, layer.digest, layer.size));
  if (!envelope || envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return null;
  const payload = Buffer.from(envelope.payload, "base64");
  const pae = dssePae(envelope.payloadType, payload);
  return envelope.signatures.some((s) => verifySignature(key, pae, Buffer.from(s.sig, "base64")))
    ? payload
    : null;
}

async function pushCosignImage(
  client: RegistryClient,
  repository: string,
  tag: string,
  layers: Descriptor[],
  blob: Buffer,
): Promise<void> {
  const { config, manifest } = cosignImage(layers);
  await client.pushBlob(repository, blob);
  await client.pushBlob(repository, config);
  await client.putManifest(repository, tag, manifest, MediaType.ociManifest);
}

/** Signs one manifest digest in cosign's format (the identity is `registry/repository`). */
export async function signDigest(
  client: RegistryClient,
  repository: string,
  digest: string,
  signer: Signer,
): Promise<SignResult> {
  const tag = cosignTag(digest, "sig");
  const result = {
    subject: `${client.host}/${repository}@${digest}`,
    stored: `${client.host}/${repository}:${tag}`,
  };
  const key = loadPublicKey(signer.publicKeyPem);
  const layers = await existingLayers(client, repository, tag);
  for (const layer of layers)
    if (await isSignatureBy(client, repository, layer, digest, key)) return { ...result, changed: false };
  const payload = simpleSigningPayload(`${client.host}/${repository}`, digest);
  const layer = cosignLayer(SIMPLE_SIGNING_MEDIA_TYPE, payload, {
    [SIGNATURE_ANNOTATION]: signer.sign(payload).toString("base64"),
  });
  await pushCosignImage(client, repository, tag, [...layers, layer], payload);
  return { ...result, changed: true };
}

/** Attaches `statement` to `digest` as a DSSE envelope signed with the key (cosign's `.att`). */
export async function attestDigest(
  client: RegistryClient,
  repository: string,
  digest: string,
  statement: Record<string, unknown>,
  signer: Signer,
): Promise<SignResult> {
  const tag = cosignTag(digest, "att");
  const result = {
    subject: `${client.host}/${repository}@${digest}`,
    stored: `${client.host}/${repository}:${tag}`,
  };
  const key = loadPublicKey(signer.publicKeyPem);
  const payload = Buffer.from(JSON.stringify(statement));
  const layers = await existingLayers(client, repository, tag);
  for (const layer of layers) {
    if (layer.mediaType !== DSSE_MEDIA_TYPE) continue;
    const signed = await signedStatement(client, repository, layer, key);
    if (signed?.equals(payload)) return { ...result, changed: false };
  }
  const envelope: DsseEnvelope = {
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    payload: payload.toString("base64"),
    signatures: [{ keyid: "", sig: signer.sign(dssePae(IN_TOTO_PAYLOAD_TYPE, payload)).toString("base64") }],
  };
  const bytes = Buffer.from(JSON.stringify(envelope));
  const layer = cosignLayer(DSSE_MEDIA_TYPE, bytes, {
    [SIGNATURE_ANNOTATION]: "",
    predicateType: String(statement.predicateType ?? ""),
  });
  await pushCosignImage(client, repository, tag, [...layers, layer], bytes);
  return { ...result, changed: true };
}

/** True when some signature in `digest`'s `.sig` tag is `key`'s signature of that digest. */
export async function hasValidSignature(
  client: RegistryClient,
  repository: string,
  digest: string,
  key: KeyObject,
): Promise<boolean> {
  for (const layer of await existingLayers(client, repository, cosignTag(digest, "sig")))
    if (await isSignatureBy(client, repository, layer, digest, key)) return true;
  return false;
}

/** The in-toto statements attached to `digest` that `key` signed, parsed. */
export async function signedStatements(
  client: RegistryClient,
  repository: string,
  digest: string,
  key: KeyObject,
): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const layer of await existingLayers(client, repository, cosignTag(digest, "att"))) {
    if (layer.mediaType !== DSSE_MEDIA_TYPE) continue;
    const payload = await signedStatement(client, repository, layer, key);
    if (!payload) continue;
    try {
      out.push(JSON.parse(payload.toString("utf8")));
    } catch {
      // A signed payload that is not JSON proves nothing; skip it.
    }
  }
  return out;
}
