/**
 * The webhook check: GitHub's X-Hub-Signature-256 HMAC of the raw body, GitLab's X-Gitlab-Token,
 * both compared in constant time.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** True when `signature` (`sha256=<hex>`, GitHub's X-Hub-Signature-256) is the HMAC of `body` under `secret`. */
export function githubSignatureValid(secret: string, body: Buffer, signature: string | undefined): boolean {
  if (!signature?.startsWith("sha256=")) return false;
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Compares two secrets in constant time whatever their lengths (both hashed first). */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(expected));
}
