/**
 * Credential rules every module function applies before it sends anything to the engine: which
 * are required, and the one shape registry credentials travel in. Credentials are only Secrets.
 */
import type { Secret } from "@dagger.io/dagger";
import { UsageError } from "../core/errors.js";

/** Throws a usage error naming what is missing when a required credential was not passed. */
export function requireSecret(secret: Secret | undefined | null, what: string, example: string): Secret {
  if (!secret)
    throw new UsageError(
      `${what} is required (example: ${example}); credentials are only accepted as Secrets`,
    );
  return secret;
}

/** True for registries the local loop uses, which take no credentials. */
export function isLocalRegistry(registry: string): boolean {
  return /^(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(registry);
}

/** Registry auth for a push; refuses a remote registry without both credentials, before any query. */
export function registryAuth(
  registry: string | undefined,
  username: string | undefined,
  password: Secret | undefined,
  fn: string,
): { username: string; password: Secret } | undefined {
  if (registry && isLocalRegistry(registry)) return password && username ? { username, password } : undefined;
  const example = "--username me --password env:GITHUB_TOKEN";
  const secret = requireSecret(password, `${fn} --password`, example);
  if (!username) requireSecret(undefined, `${fn} --username`, example);
  return { username: username!, password: secret };
}

/** Both registry credentials, or none: the form every CLI step takes them in. */
export function registryCredentials(
  username: string | undefined,
  password: Secret | undefined,
): { username: string; password: Secret } | undefined {
  return username && password ? { username, password } : undefined;
}
