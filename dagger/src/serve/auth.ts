/** Bearer tokens of serve's API, checked in constant time; a token is never logged or echoed. */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Role } from "../core/serve/roles.js";

/** The role a request's bearer token has, or null (no token, or an unknown one). */
export function roleOf(req: IncomingMessage, tokens: readonly { role: Role; token: string }[]): Role | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ""));
  if (!match) return null;
  const given = createHash("sha256").update(match[1]!).digest();
  let found: Role | null = null;
  // Every token is compared (no early exit), so timing says nothing about which one matched.
  for (const { role, token } of tokens) {
    if (timingSafeEqual(given, createHash("sha256").update(token).digest()) && found === null) found = role;
  }
  return found;
}

/**
 * Who a request's token is, as an approval records it: the role and the first 8 hex digits of the
 * token's SHA-256, which tell tokens apart without saying anything usable about one. Null without
 * a known token.
 */
export function callerOf(
  req: IncomingMessage,
  tokens: readonly { role: Role; token: string }[],
): string | null {
  const role = roleOf(req, tokens);
  if (!role) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ""));
  const fingerprint = createHash("sha256").update(match![1]!).digest("hex").slice(0, 8);
  return `${role} (token ${fingerprint})`;
}
