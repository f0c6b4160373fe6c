/**
 * Signing and attesting published references (images and charts): each reference is resolved to
 * its digest once, and an index's platform manifests are signed too (like `cosign sign
 * --recursive`), so a platform pulled by digest verifies as well as the index.
 */
import { FailureError } from "../../core/errors.js";
import { formatImageRef, parseImageRef, parseManifest } from "../../core/registry/oci.js";
import { isPlainHttp } from "../../core/registry/registries.js";
import { type ProvenanceInput, provenanceStatement } from "../../core/supply-chain/provenance.js";
import { clients, type RegistryAccess } from "../registry/connect.js";
import { attestDigest, type SignResult, signDigest } from "./sign.js";
import type { Signer } from "./signing-keys.js";

/** The digests a reference stands for: its own, then (for an index) each platform's. */
export async function digestsOf(
  access: RegistryAccess,
  reference: string,
): Promise<{ host: string; repository: string; digest: string; platforms: string[] }> {
  const ref = parseImageRef(reference);
  const client = clients(access)(ref.registry);
  const stored = await client.getManifest(ref.repository, ref.reference);
  if (!stored)
    throw new FailureError(`registry ${ref.registry}, ${formatImageRef(ref)}: not found; publish it first`);
  const parsed = parseManifest(
    stored.bytes,
    stored.mediaType,
    `registry ${ref.registry}, ${formatImageRef(ref)}`,
  );
  const platforms =
    parsed.kind === "index"
      ? parsed.index.manifests.filter((m) => m.platform?.os !== "unknown").map((m) => m.digest)
      : [];
  return { host: ref.registry, repository: ref.repository, digest: stored.digest, platforms };
}

/** Signs every reference (and every platform of an index) with `signer`. */
export async function signReferences(
  references: readonly string[],
  signer: Signer,
  access: RegistryAccess = {},
): Promise<SignResult[]> {
  const client = clients(access);
  const results: SignResult[] = [];
  for (const reference of references) {
    const target = await digestsOf(access, reference);
    for (const digest of [target.digest, ...target.platforms])
      results.push(await signDigest(client(target.host), target.repository, digest, signer));
  }
  return results;
}

/**
 * Attaches a signed SLSA provenance statement to every reference: one statement per reference,
 * its subject the reference's digest (and its platforms').
 */
export async function attestReferences(
  references: readonly string[],
  provenance: Omit<ProvenanceInput, "subjects">,
  signer: Signer,
  access: RegistryAccess = {},
): Promise<SignResult[]> {
  const client = clients(access);
  const results: SignResult[] = [];
  for (const reference of references) {
    const target = await digestsOf(access, reference);
    const name = `${target.host}/${target.repository}`;
    const statement = provenanceStatement({
      ...provenance,
      subjects: [target.digest, ...target.platforms].map((digest) => ({ name, digest })),
    });
    for (const digest of [target.digest, ...target.platforms])
      results.push(await attestDigest(client(target.host), target.repository, digest, statement, signer));
  }
  return results;
}

/** A reference pinned to a digest: what keyless cosign signs and attests. */
export interface PinnedReference {
  /** `host/repository@sha256:...` (an index's platforms are signed through `--recursive`). */
  pinned: string;
  /** True when cosign must reach the registry over plain HTTP. */
  plainHttp: boolean;
}

/**
 * Resolves each reference to the digest the registry holds for it now, once, so keyless cosign
 * signs and attests exactly that digest even if the tag moves afterwards.
 */
export async function pinReferences(
  references: readonly string[],
  access: RegistryAccess = {},
): Promise<PinnedReference[]> {
  const out: PinnedReference[] = [];
  for (const reference of references) {
    const target = await digestsOf(access, reference);
    out.push({
      pinned: `${target.host}/${target.repository}@${target.digest}`,
      plainHttp: isPlainHttp(target.host, access.insecure),
    });
  }
  return out;
}
