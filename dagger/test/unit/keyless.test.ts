import { describe, expect, it } from "vitest";
import {
  cosignReason,
  GITHUB_OIDC_ISSUER,
  keylessAttestArgv,
  keylessIdentity,
  keylessSignArgv,
  keylessVerifyArgv,
  pinnedFromRun,
  verifiedStatements,
} from "../../src/core/supply-chain/keyless.js";

const digest = `sha256:${"a".repeat(64)}`;
const pinned = `ghcr.io/acme/shop-api@${digest}`;

describe("keyless cosign argv", () => {
  it.each([
    ["sign on https", keylessSignArgv(pinned), `sign --yes --recursive ${pinned}`],
    [
      "sign on a plain-HTTP registry",
      keylessSignArgv(`localhost:5001/shop@${digest}`, true),
      `sign --yes --recursive --allow-http-registry --allow-insecure-registry localhost:5001/shop@${digest}`,
    ],
    [
      "attest with the predicate as a file",
      keylessAttestArgv(pinned, "/predicate/slsa.json"),
      `attest --yes --type slsaprovenance1 --predicate /predicate/slsa.json ${pinned}`,
    ],
  ])("%s", (_name, argv, expected) => {
    expect(argv.join(" ")).toBe(expected);
    expect(argv.join(" ")).not.toMatch(/--key|token|password|--identity-token/i);
  });

  it.each([
    ["a tag", "ghcr.io/acme/shop-api:1.2.3"],
    ["no reference at all", "ghcr.io/acme/shop-api"],
    ["a short digest", "ghcr.io/acme/shop-api@sha256:abc"],
  ])("refuses %s: cosign signs digests only", (_name, reference) => {
    expect(() => keylessSignArgv(reference)).toThrow(/not pinned by digest/);
    expect(() => keylessAttestArgv(reference, "/p.json")).toThrow(/not pinned by digest/);
  });

  it("verifies the signature and the SLSA v1 attestation against the identity and issuer", () => {
    const identity = { identityRegexp: "^https://github\\.com/acme/shop/", issuer: GITHUB_OIDC_ISSUER };
    const argv = keylessVerifyArgv(pinned, identity);
    expect(argv.signature).toEqual([
      "verify",
      "--output",
      "json",
      "--certificate-identity-regexp",
      identity.identityRegexp,
      "--certificate-oidc-issuer",
      GITHUB_OIDC_ISSUER,
      pinned,
    ]);
    expect(argv.attestation.slice(0, 3)).toEqual(["verify-attestation", "--type", "slsaprovenance1"]);
    // Transparency-log checks are skipped only when a private deployment asks.
    expect(argv.signature).not.toContain("--insecure-ignore-tlog");
    const privateDeployment = keylessVerifyArgv(pinned, identity, { ignoreTlog: true });
    expect(privateDeployment.signature).toEqual(
      expect.arrayContaining(["--insecure-ignore-tlog", "--insecure-ignore-sct"]),
    );
  });
});

describe("the default keyless identity", () => {
  it.each([
    ["https://github.com/acme/shop", "^https://github\\.com/acme/shop/\\.github/workflows/[^@]+@refs/tags/"],
    [
      "https://github.com/acme/shop.git",
      "^https://github\\.com/acme/shop/\\.github/workflows/[^@]+@refs/tags/",
    ],
    [
      "https://github.com/acme/shop.api/",
      "^https://github\\.com/acme/shop\\.api/\\.github/workflows/[^@]+@refs/tags/",
    ],
  ])("%s: %s", (url, expected) => {
    expect(keylessIdentity(url)).toEqual({ identityRegexp: expected, issuer: GITHUB_OIDC_ISSUER });
  });

  // The certificate URI SANs GitHub Actions runs get (Fulcio's docs, "OID 1.3.6.1.4.1.57264.1.9"
  // and the SAN): only a tag-triggered workflow run of this repository is a release signer.
  it.each([
    ["https://github.com/acme/shop/.github/workflows/release.yaml@refs/tags/v1.2.3", true],
    ["https://github.com/acme/shop/.github/workflows/release-candidate.yaml@refs/tags/v1.3.0-rc.1", true],
    ["https://github.com/acme/shop/.github/workflows/pr.yaml@refs/pull/7/merge", false],
    ["https://github.com/acme/shop/.github/workflows/main.yaml@refs/heads/main", false],
    ["https://github.com/acme/shopx/.github/workflows/release.yaml@refs/tags/v1.2.3", false],
    ["https://github.com/evil/shop/.github/workflows/release.yaml@refs/tags/v1.2.3", false],
  ])("%s signs a release: %s", (san, signs) => {
    // cosign matches with Go's regexp (RE2); these patterns mean the same in JavaScript.
    expect(new RegExp(keylessIdentity("https://github.com/acme/shop").identityRegexp).test(san)).toBe(signs);
  });

  it("takes explicit values over the defaults", () => {
    expect(
      keylessIdentity("https://gitlab.com/acme/shop", {
        identityRegexp: "^https://gitlab.com/acme/shop//",
        issuer: "https://gitlab.com",
      }),
    ).toEqual({ identityRegexp: "^https://gitlab.com/acme/shop//", issuer: "https://gitlab.com" });
  });

  it("asks for an identity when source.url is not on github.com", () => {
    expect(() => keylessIdentity("https://gitlab.com/acme/shop")).toThrow(
      /not a github.com repository.*--certificate-identity-regexp/,
    );
    expect(() => keylessIdentity("")).toThrow(/--certificate-identity-regexp/);
  });
});

describe("reading cosign's output", () => {
  it("decodes each DSSE envelope line into its statement and skips the rest", () => {
    const statement = {
      _type: "https://in-toto.io/Statement/v0.1",
      predicateType: "https://slsa.dev/provenance/v1",
    };
    const line = JSON.stringify({
      payloadType: "application/vnd.in-toto+json",
      payload: Buffer.from(JSON.stringify(statement)).toString("base64"),
    });
    expect(verifiedStatements(`${line}\nnot json\n{"payload":"!!"}\n${line}\n`)).toEqual([
      statement,
      statement,
    ]);
  });

  it("gives cosign's last Error line as the reason", () => {
    expect(
      cosignReason(
        "Verification for x --\nError: no matching signatures: none of the expected identities matched\nmain.go:74: error during command execution: no matching signatures\n",
      ),
    ).toBe("no matching signatures: none of the expected identities matched");
    expect(cosignReason("")).toBe("no output");
  });
});

describe("the digests a release run pushed", () => {
  const d = (c: string) => `sha256:${c.repeat(64)}`;
  it.each([
    [
      "the release tag's refs, not the extra tags'",
      [`ghcr.io/acme/shop-api:1.2.3@${d("a")}`, `ghcr.io/acme/shop-api:1.2@${d("a")}`],
      undefined,
      [`ghcr.io/acme/shop-api@${d("a")}`],
    ],
    [
      "a registry with a port, and the chart without oci://",
      [`localhost:5001/acme/shop-api:1.2.3@${d("b")}`],
      { ref: "oci://localhost:5001/charts/shop:1.2.3", digest: d("c") },
      [`localhost:5001/acme/shop-api@${d("b")}`, `localhost:5001/charts/shop@${d("c")}`],
    ],
    ["nothing pushed without a digest", ["ghcr.io/acme/shop-api:1.2.3"], undefined, []],
  ])("%s", (_name, published, chart, expected) => {
    expect(pinnedFromRun(published, "1.2.3", chart)).toEqual(expected);
  });
});
