/**
 * Keyless (Sigstore) signing and verification decisions: the cosign argv for signing and attesting
 * a digest with an OIDC identity, the identity and issuer `verify` expects by default (the GitHub
 * Actions workflows of source.url), and reading what `cosign verify-attestation` printed. Pure:
 * the module and the CLI run cosign.
 */
import { UsageError } from "../errors.js";

/** The OIDC issuer of GitHub Actions' tokens, which Fulcio writes into each certificate. */
export const GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com";

/** cosign's name for SLSA v1 provenance (`--type`), whose predicate type is https://slsa.dev/provenance/v1. */
export const COSIGN_SLSA_TYPE = "slsaprovenance1";

/** What a keyless signature must carry: a certificate identity (a regexp) and its OIDC issuer. */
export interface KeylessIdentity {
  identityRegexp: string;
  issuer: string;
}

/** Escapes `text` for a Go (RE2) regular expression. */
function escapeRegexp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The identity a keyless release is signed with by default: a workflow of the repository at
 * `sourceUrl` run for a tag (`^https://github.com/<owner>/<repo>/.github/workflows/<file>@refs/tags/`,
 * what Fulcio puts in a GitHub Actions certificate's URI SAN), issued by GitHub Actions. Releases
 * are signed by the tag-triggered release workflows; a pull request's or a branch's run of any
 * workflow (refs/pull/..., refs/heads/...) gets a certificate of this repository too, and must not
 * pass for a release. Explicit values win; a source not on github.com needs an explicit identity.
 */
export function keylessIdentity(
  sourceUrl: string,
  explicit: { identityRegexp?: string; issuer?: string } = {},
): KeylessIdentity {
  const issuer = explicit.issuer ?? GITHUB_OIDC_ISSUER;
  if (explicit.identityRegexp) return { identityRegexp: explicit.identityRegexp, issuer };
  const m = /^https:\/\/github\.com\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/*$/.exec(sourceUrl);
  if (!m)
    throw new UsageError(
      `verify --keyless: source.url ${sourceUrl ? `(${sourceUrl}) ` : ""}is not a github.com repository, so there is no default identity; pass --certificate-identity-regexp <re> and --certificate-oidc-issuer <url>`,
    );
  const workflows = escapeRegexp(`https://github.com/${m[1]}/${m[2]}/.github/workflows/`);
  return { identityRegexp: `^${workflows}[^@]+@refs/tags/`, issuer };
}

/** Registry flags cosign needs for a reference on a plain-HTTP registry (the local loop's). */
export function cosignRegistryFlags(plainHttp: boolean): string[] {
  return plainHttp ? ["--allow-http-registry", "--allow-insecure-registry"] : [];
}

/**
 * Keyless `cosign sign` of one digest reference (`host/repo@sha256:...`): `--yes` skips the
 * transparency-log consent prompt a CI run cannot answer, `--recursive` also signs each platform
 * of an index. Signing by digest, never by tag, so a tag moved after publish is not what gets signed.
 */
export function keylessSignArgv(pinned: string, plainHttp = false): string[] {
  requirePinned(pinned);
  return ["sign", "--yes", "--recursive", ...cosignRegistryFlags(plainHttp), pinned];
}

/** Keyless `cosign attest` of one digest reference with the SLSA v1 predicate in `predicateFile`. */
export function keylessAttestArgv(pinned: string, predicateFile: string, plainHttp = false): string[] {
  requirePinned(pinned);
  return [
    "attest",
    "--yes",
    "--type",
    COSIGN_SLSA_TYPE,
    "--predicate",
    predicateFile,
    ...cosignRegistryFlags(plainHttp),
    pinned,
  ];
}

/**
 * The digest references a release run itself pushed: each published `repo:<tag>@sha256:...` of
 * the release tag as `repo@sha256:...`, and the chart (`oci://host/path:version` and its digest).
 * Signing these needs no registry round trip and signs exactly what this run published.
 */
export function pinnedFromRun(
  published: readonly string[],
  tag: string,
  chart?: { ref: string; digest: string },
): string[] {
  const images = published.flatMap((ref) => {
    const at = ref.lastIndexOf("@");
    const name = ref.slice(0, at);
    const colon = name.lastIndexOf(":");
    if (at < 0 || colon <= name.lastIndexOf("/") || name.slice(colon + 1) !== tag) return [];
    return [`${name.slice(0, colon)}${ref.slice(at)}`];
  });
  if (!chart) return images;
  const name = chart.ref.replace(/^oci:\/\//, "");
  const colon = name.lastIndexOf(":");
  return [...images, `${colon > name.lastIndexOf("/") ? name.slice(0, colon) : name}@${chart.digest}`];
}

/** Trust options of a private Sigstore deployment (no Rekor, no CT log); never on by default. */
export interface PrivateSigstore {
  /** Skip the Rekor inclusion proof and the embedded SCT: only for a private Fulcio without them. */
  ignoreTlog?: boolean;
}

/** `cosign verify` and `cosign verify-attestation` of one digest reference against `identity`. */
export function keylessVerifyArgv(
  pinned: string,
  identity: KeylessIdentity,
  o: { plainHttp?: boolean } & PrivateSigstore = {},
): { signature: string[]; attestation: string[] } {
  requirePinned(pinned);
  const common = [
    "--certificate-identity-regexp",
    identity.identityRegexp,
    "--certificate-oidc-issuer",
    identity.issuer,
    ...(o.ignoreTlog ? ["--insecure-ignore-tlog", "--insecure-ignore-sct"] : []),
    ...cosignRegistryFlags(o.plainHttp ?? false),
  ];
  return {
    signature: ["verify", "--output", "json", ...common, pinned],
    attestation: ["verify-attestation", "--type", COSIGN_SLSA_TYPE, ...common, pinned],
  };
}

/** The in-toto statements in `cosign verify-attestation`'s output: one DSSE envelope per line. */
export function verifiedStatements(stdout: string): unknown[] {
  const out: unknown[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    try {
      const envelope = JSON.parse(line) as { payload?: unknown };
      if (typeof envelope.payload !== "string") continue;
      out.push(JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8")));
    } catch {
      // A line that is not an envelope of JSON proves nothing; skip it.
    }
  }
  return out;
}

/** cosign's reason for a refusal, on one line: its last `Error:` line, without the prefix. */
export function cosignReason(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const error = lines.filter((l) => l.startsWith("Error:")).at(-1) ?? lines.at(-1) ?? "no output";
  return error.replace(/^Error:\s*/, "").slice(0, 300);
}

function requirePinned(reference: string): void {
  if (!/@sha256:[a-f0-9]{64}$/.test(reference))
    throw new UsageError(`${reference} is not pinned by digest; cosign signs and verifies digests only`);
}
