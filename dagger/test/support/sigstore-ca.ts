/**
 * A stand-in for a private Fulcio: a local root CA (openssl) issuing short-lived code-signing
 * certificates shaped like Fulcio's (a URI SAN naming the workflow, the OIDC issuer in the
 * extensions 1.3.6.1.4.1.57264.1.1 and .1.8), and the real cosign signing with them without
 * Rekor. `cosign verify` trusts that root through SIGSTORE_ROOT_FILE with --insecure-ignore-tlog
 * (what a private Sigstore deployment without a transparency log does), so keyless verification
 * is exercised for real, offline.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./temp.js";
import { findTool } from "./tools.js";

/** A local CA and where its root is. */
export interface TestSigstore {
  root: string;
  /** Issues a leaf for `identity` (a URI) from `issuer`; returns a cosign key, its cert and chain. */
  leaf(identity: string, issuer: string): SigningIdentity;
}

/** What cosign signs with in place of a Fulcio certificate. */
export interface SigningIdentity {
  key: string;
  certificate: string;
  chain: string;
}

const openssl = (args: string[], cwd: string) =>
  execFileSync(findTool("openssl")!, args, { cwd, stdio: "pipe" });

/** Makes a root CA in a temp dir. */
export function startTestSigstore(cosign: string): TestSigstore {
  const dir = tempDir("pipeline-sigstore-");
  writeFileSync(
    join(dir, "root.cnf"),
    "[root]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
  );
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "root.key"], dir);
  openssl(
    [
      "req",
      "-x509",
      "-new",
      "-key",
      "root.key",
      "-subj",
      "/O=test-fulcio/CN=test-fulcio-root",
      "-days",
      "2",
    ].concat(["-out", "root.pem", "-extensions", "root", "-config", "root.cnf"]),
    dir,
  );
  let serial = 0;
  return {
    root: join(dir, "root.pem"),
    leaf(identity, issuer) {
      serial += 1;
      const name = `leaf${serial}`;
      const hex = Buffer.from(issuer).toString("hex");
      writeFileSync(
        join(dir, `${name}.cnf`),
        [
          "[req]",
          "distinguished_name=dn",
          "[dn]",
          "[leaf]",
          "keyUsage=critical,digitalSignature",
          "extendedKeyUsage=codeSigning",
          `subjectAltName=URI:${identity}`,
          // Fulcio's deprecated issuer extension holds the raw string; .1.8 a DER UTF8String.
          `1.3.6.1.4.1.57264.1.1=DER:${hex}`,
          `1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:${issuer}`,
          "",
        ].join("\n"),
      );
      openssl(
        ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${name}.pem.key`],
        dir,
      );
      openssl(
        [
          "req",
          "-new",
          "-key",
          `${name}.pem.key`,
          "-subj",
          "/O=sigstore.dev",
          "-config",
          `${name}.cnf`,
          "-out",
          `${name}.csr`,
        ],
        dir,
      );
      openssl(
        [
          "x509",
          "-req",
          "-in",
          `${name}.csr`,
          "-CA",
          "root.pem",
          "-CAkey",
          "root.key",
          "-set_serial",
          String(1000 + serial),
        ].concat(["-days", "1", "-extfile", `${name}.cnf`, "-extensions", "leaf", "-out", `${name}.crt`]),
        dir,
      );
      // cosign signs only with its own key format: import the PEM with an empty password.
      execFileSync(cosign, ["import-key-pair", "--key", `${name}.pem.key`, "--output-key-prefix", name], {
        cwd: dir,
        env: { ...process.env, COSIGN_PASSWORD: "" },
        stdio: "pipe",
      });
      return {
        key: join(dir, `${name}.key`),
        certificate: join(dir, `${name}.crt`),
        chain: join(dir, "root.pem"),
      };
    },
  };
}

/** `cosign sign|attest` flags that sign with `identity` and upload nothing to Rekor. */
export function signingFlags(identity: SigningIdentity): string[] {
  return [
    "--key",
    identity.key,
    "--certificate",
    identity.certificate,
    "--certificate-chain",
    identity.chain,
    "--tlog-upload=false",
    "--yes",
  ];
}
