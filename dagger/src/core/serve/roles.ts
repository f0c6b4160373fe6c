/**
 * `pipeline serve`'s API roles: viewer reads, deployer also runs, cancels, promotes and rolls
 * back, admin may do everything. The token list comes from PIPELINE_API_TOKENS or
 * `--tokens-file` as `role:token` pairs. Pure; messages never contain a token.
 */
import { UsageError } from "../errors.js";

/** The roles, weakest first. */
export const ROLES = ["viewer", "deployer", "admin"] as const;
/** A role. */
export type Role = (typeof ROLES)[number];

/** True when `role` may do what `needed` may. */
export function allows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** Parses `role:token,role:token` (commas or newlines; `#` comments in a file); `where` names the source. */
export function parseTokens(text: string, where: string): { role: Role; token: string }[] {
  const out: { role: Role; token: string }[] = [];
  const items = text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith("#"));
  items.forEach((item, i) => {
    const colon = item.indexOf(":");
    const role = item.slice(0, colon);
    const token = item.slice(colon + 1);
    if (colon < 0 || !(ROLES as readonly string[]).includes(role)) {
      throw new UsageError(
        `${where}: entry ${i + 1} is not role:token with role viewer, deployer or admin (the token is not shown)`,
      );
    }
    if (token.length < 16) {
      throw new UsageError(`${where}: entry ${i + 1} (${role}) has a token shorter than 16 characters`);
    }
    out.push({ role: role as Role, token });
  });
  return out;
}

/** The role an API request needs (null: no token needed). */
export function requiredRole(method: string, path: string): Role | null {
  if (!path.startsWith("/api/") || path === "/api/openapi.json") return null;
  if (method === "GET" || method === "HEAD") return "viewer";
  return "deployer";
}
