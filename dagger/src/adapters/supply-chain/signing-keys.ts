/**
 * Signing keys for cosign-format signatures: ECDSA P-256 with SHA-256, the signature DER-encoded,
 * as `cosign verify --key cosign.pub` expects. The private key comes from COSIGN_PRIVATE_KEY (the
 * PEM text, in CI a secret) or a file, never from argv; an encrypted PKCS#8 PEM is opened with
 * COSIGN_PASSWORD. Cosign's own `cosign.key` (scrypt + secretbox) is not a PEM node can open:
 * generate keys with `pipeline sign --new-key <dir>` (or openssl) instead; `cosign.pub` works
 * with cosign either way.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FailureError, UsageError } from "../../core/errors.js";

/** A loaded signing key. */
export interface Signer {
  /** The public key as a PEM (SPKI), what `cosign verify --key` reads. */
  publicKeyPem: string;
  /** DER ECDSA signature over SHA-256 of `data`. */
  sign(data: Buffer): Buffer;
}

/** Where the key comes from: the PEM text (a Dagger Secret's plaintext, an env value) or a file. */
export interface KeySource {
  pem?: string;
  file?: string;
  password?: string;
}

function requireP256(key: KeyObject, where: string): void {
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1")
    throw new UsageError(
      `${where}: the key is not ECDSA P-256 (cosign's key type); generate one with pipeline sign --new-key <dir>`,
    );
}

/**
 * Loads the private key from `source`, else COSIGN_PRIVATE_KEY (and COSIGN_PASSWORD). Errors name
 * where the key came from, never its text.
 */
export function loadSigner(
  source: KeySource = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): Signer {
  const where = source.file
    ? `key file ${source.file}`
    : source.pem
      ? "the signing key"
      : "COSIGN_PRIVATE_KEY";
  let pem = source.pem;
  if (!pem && source.file) {
    if (!existsSync(source.file)) throw new UsageError(`${where} does not exist`);
    pem = readFileSync(source.file, "utf8");
  }
  pem ??= env.COSIGN_PRIVATE_KEY;
  if (!pem)
    throw new UsageError(
      "no signing key: set COSIGN_PRIVATE_KEY to an ECDSA P-256 PKCS#8 PEM (or pass --key <file>); pipeline sign --new-key <dir> makes one",
    );
  if (pem.includes("ENCRYPTED SIGSTORE PRIVATE KEY") || pem.includes("ENCRYPTED COSIGN PRIVATE KEY"))
    throw new UsageError(
      `${where} is cosign's own encrypted format, which the pipeline cannot open; use a PKCS#8 PEM (pipeline sign --new-key <dir>, or openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)`,
    );
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem", passphrase: source.password ?? env.COSIGN_PASSWORD });
  } catch (error) {
    // The cause may quote the PEM: keep only its code.
    const code = (error as { code?: string }).code;
    throw new UsageError(
      `${where} is not a readable PEM private key${code ? ` (${code})` : ""}; for an encrypted key set COSIGN_PASSWORD`,
    );
  }
  requireP256(key, where);
  const publicKeyPem = createPublicKey(key).export({ type: "spki", format: "pem" }).toString();
  return { publicKeyPem, sign: (data) => sign("sha256", data, key) };
}

/** Loads a public key PEM (text or a file); throws a UsageError when it is not ECDSA P-256. */
export function loadPublicKey(pemOrFile: string): KeyObject {
  const pem = pemOrFile.includes("-----BEGIN") ? pemOrFile : readKeyFile(pemOrFile);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: "pem" });
  } catch {
    throw new UsageError("the public key is not a readable PEM (expected cosign.pub)");
  }
  requireP256(key, "the public key");
  return key;
}

function readKeyFile(file: string): string {
  if (!existsSync(file)) throw new UsageError(`public key file ${file} does not exist`);
  return readFileSync(file, "utf8");
}

/** True when `signature` (DER) is `key`'s signature of `data`. */
export function verifySignature(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return verify("sha256", data, key, signature);
  } catch {
    return false;
  }
}

/**
 * Writes a new key pair: `cosign.key` (unencrypted PKCS#8 PEM, mode 0600) and `cosign.pub`.
 * Refuses to overwrite an existing key.
 */
export function generateKeyPair(dir: string): { privateKey: string; publicKey: string } {
  mkdirSync(dir, { recursive: true });
  const privateKey = join(dir, "cosign.key");
  const publicKey = join(dir, "cosign.pub");
  if (existsSync(privateKey))
    throw new FailureError(`${privateKey} exists; refusing to overwrite a signing key (move it first)`);
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  writeFileSync(privateKey, pair.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  chmodSync(privateKey, 0o600);
  writeFileSync(publicKey, pair.publicKey.export({ type: "spki", format: "pem" }));
  return { privateKey, publicKey };
}
