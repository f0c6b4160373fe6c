/**
 * What `verify` checks of a release's supply chain before prod: each image digest is signed by
 * the release key (or, keyless, by the expected Sigstore identity, proved by the real cosign),
 * each of its platforms has an SPDX SBOM attached, and a signed SLSA provenance statement names
 * this repository and the tag's commit. The chart: signature and provenance. Each problem is one
 * short line; nothing is written.
 */
import type { KeyObject } from "node:crypto";
import { UsageError } from "../../core/errors.js";
import { parseManifest } from "../../core/registry/oci.js";
import { isPlainHttp } from "../../core/registry/registries.js";
import type { KeylessIdentity, PrivateSigstore } from "../../core/supply-chain/keyless.js";
import { provenanceProblem } from "../../core/supply-chain/provenance.js";
import { SPDX_MEDIA_TYPE } from "../../core/supply-chain/sbom.js";
import { isHexSha } from "../../core/validate.js";
import type { RegistryClient, StoredManifest } from "../registry/client.js";
import type { RegistryAccess } from "../registry/connect.js";
import { resolveCredentials } from "../registry/credentials.js";
import { listReferrers } from "../registry/referrers.js";
import type { GitRunner } from "../release/git-context.js";
import { type KeylessVerifier, requireCosign, verifyKeyless } from "./cosign-verify.js";
import { hasValidSignature, signedStatements } from "./sign.js";
import { loadPublicKey } from "./signing-keys.js";

/** Keyless expectations: the Sigstore identity and issuer, and how cosign reaches the registry. */
export interface KeylessExpectations extends KeylessIdentity, PrivateSigstore {
  access: Pick<RegistryAccess, "credentials" | "hosts" | "insecure">;
}

/** What the supply-chain checks need: a public key, or keyless expectations. */
export interface SupplyChainExpectations {
  /** The release's public key (PEM text or a file, e.g. cosign.pub). */
  publicKey?: string;
  /** Verify Sigstore signatures and provenance with cosign instead of a key. */
  keyless?: KeylessExpectations;
  /** The source repository the provenance must name (pipeline.yaml `source.url`). */
  sourceUrl: string;
  /** The full commit sha of the release tag. */
  commit: string;
}

/** The expectations with the key loaded, or cosign found, once. */
export type PreparedChecks = SupplyChainExpectations & {
  key?: KeyObject;
  cosign?: KeylessVerifier & Pick<KeylessExpectations, "access">;
};

/**
 * Checks `expectations` up front (exit 2 on a bad key or sha) and loads the key once, or finds
 * cosign for a keyless check (exit 3 when it is missing).
 */
export function prepareChecks(expectations: SupplyChainExpectations): PreparedChecks {
  if (!isHexSha(expectations.commit) || expectations.commit.length < 40)
    throw new UsageError(
      `verify: the release commit must be a full sha (got ${expectations.commit.slice(0, 40)})`,
    );
  if (!expectations.sourceUrl)
    throw new UsageError(
      "verify: set source.url in pipeline.yaml so the provenance can be checked against it",
    );
  if (expectations.keyless)
    return { ...expectations, cosign: { ...expectations.keyless, cosign: requireCosign() } };
  if (!expectations.publicKey)
    throw new UsageError("verify: give the release's public key (--key) or verify keylessly (--keyless)");
  return { ...expectations, key: loadPublicKey(expectations.publicKey) };
}

/** The keyless results of one digest, from cosign. */
async function keylessResult(
  client: RegistryClient,
  repository: string,
  digest: string,
  expected: PreparedChecks,
) {
  const verifier = expected.cosign!;
  const credentials = resolveCredentials(
    client.host,
    verifier.access.credentials,
    process.env,
    verifier.access.hosts,
  );
  return verifyKeyless(verifier, `${client.host}/${repository}@${digest}`, {
    plainHttp: isPlainHttp(client.host, verifier.access.insecure),
    ...(credentials ? { credentials } : {}),
  });
}

/** The problems with one published manifest (an image when `sbom` is true, else a chart). */
export async function supplyChainProblems(
  client: RegistryClient,
  repository: string,
  manifest: StoredManifest,
  expected: PreparedChecks,
  what: { text: string; sbom: boolean },
): Promise<string[]> {
  const problems: string[] = [];
  const { digest } = manifest;
  const keyless = expected.key ? undefined : await keylessResult(client, repository, digest, expected);
  if (keyless) {
    if (keyless.signature !== null)
      problems.push(
        `${what.text}: no keyless signature by ${expected.cosign!.identityRegexp} from ${expected.cosign!.issuer} (cosign: ${keyless.signature})`,
      );
  } else if (!(await hasValidSignature(client, repository, digest, expected.key!)))
    problems.push(`${what.text}: not signed by the release key (pipeline sign)`);
  if (what.sbom) {
    const parsed = parseManifest(manifest.bytes, manifest.mediaType, `registry ${client.host}, ${what.text}`);
    const platforms =
      parsed.kind === "index"
        ? parsed.index.manifests.filter((m) => m.platform?.os !== "unknown").map((m) => m.digest)
        : [digest];
    for (const platform of platforms) {
      const found = await listReferrers(client, repository, platform, SPDX_MEDIA_TYPE);
      if (found.referrers.length === 0)
        problems.push(
          `${what.text}: no SBOM attached to ${platform === digest ? "it" : `platform ${platform}`} (pipeline sbom)`,
        );
    }
  }
  const statements = keyless
    ? keyless.statements
    : await signedStatements(client, repository, digest, expected.key!);
  if (statements.length === 0)
    problems.push(
      keyless
        ? `${what.text}: no keyless provenance by ${expected.cosign!.identityRegexp} (cosign: ${keyless.attestation ?? "no attestation"})`
        : `${what.text}: no provenance signed by the release key (pipeline attest)`,
    );
  else {
    const reasons = statements.map((s) =>
      provenanceProblem(s, { digest, sourceUrl: expected.sourceUrl, commit: expected.commit }),
    );
    if (!reasons.includes(null)) problems.push(`${what.text}: ${reasons[0]}`);
  }
  return problems;
}

/** The commit a release tag points at (`v<version>` or `<version>`), or null when neither exists. */
export async function releaseTagCommit(git: GitRunner, version: string): Promise<string | null> {
  for (const tag of [`v${version}`, version]) {
    try {
      const sha = (await git(["rev-parse", "--verify", "--quiet", `refs/tags/${tag}^{commit}`])).trim();
      if (isHexSha(sha)) return sha;
    } catch {
      // Not this spelling of the tag; try the next.
    }
  }
  return null;
}
