/**
 * Registry credentials for one host, the most specific first: the host's own login (given
 * explicitly, else REGISTRY_<HOST>_USERNAME / REGISTRY_<HOST>_PASSWORD in the environment, see
 * core/registry/logins.ts), then the login for every host (flags or a Dagger Secret, else
 * REGISTRY_USERNAME / REGISTRY_PASSWORD), then ~/.docker/config.json `auths`. Credentials live in
 * memory only: never in argv, logs or error messages.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { hostLoginFromEnv } from "../../core/registry/logins.js";

/** A username and password (or token) for one registry. */
export interface Credentials {
  username: string;
  password: string;
}

/** Reads the Docker CLI's stored credentials for `host` from config.json, if any. */
export function dockerConfigCredentials(
  host: string,
  configDir = process.env.DOCKER_CONFIG ?? join(homedir(), ".docker"),
): Credentials | undefined {
  const file = join(configDir, "config.json");
  if (!existsSync(file)) return undefined;
  try {
    const config = JSON.parse(readFileSync(file, "utf8")) as {
      auths?: Record<string, { auth?: string; username?: string; password?: string }>;
    };
    const entry = Object.entries(config.auths ?? {}).find(
      ([key]) => key.replace(/^https?:\/\//, "").replace(/\/.*$/, "") === host,
    )?.[1];
    if (!entry) return undefined;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  } catch {
    // An unreadable config.json means no stored credentials, like the Docker CLI.
  }
  return undefined;
}

/**
 * Resolves the credentials for `host`; undefined means anonymous. `hosts` holds logins given for
 * one host each (the module's --registry-hosts), which win over everything else for their host.
 */
export function resolveCredentials(
  host: string,
  explicit: Partial<Credentials> = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
  hosts: Readonly<Record<string, Credentials>> = {},
): Credentials | undefined {
  const own = hosts[host.toLowerCase()] ?? hostLoginFromEnv(host.toLowerCase(), env);
  if (own) return own;
  if (explicit.username && explicit.password)
    return { username: explicit.username, password: explicit.password };
  if (env.REGISTRY_USERNAME && env.REGISTRY_PASSWORD)
    return { username: env.REGISTRY_USERNAME, password: env.REGISTRY_PASSWORD };
  return dockerConfigCredentials(host);
}
