/**
 * Credential rules every module function applies before it sends anything to the engine: which
 * are required, and the one shape registry logins travel in. Credentials are only Secrets.
 *
 * A function that reaches registries takes `--username/--password`, the login for every host,
 * and `--registry-hosts` with `--registry-usernames/--registry-passwords` (one of each per host,
 * in order), logins for one host each that win there (core/registry/logins.ts): a run that
 * pushes to ghcr.io with the workflow's token and copies to quay.io with a robot account gives
 * each its own.
 */
import type { Secret } from "@dagger.io/dagger";
import type { RegistryAccess } from "../adapters/registry/connect.js";
import { UsageError } from "../core/errors.js";
import { checkHostLogins, isLocalHost, type Logins, registryHost } from "../core/registry/logins.js";

/** Throws a usage error naming what is missing when a required credential was not passed. */
export function requireSecret(secret: Secret | undefined | null, what: string, example: string): Secret {
  if (!secret)
    throw new UsageError(
      `${what} is required (example: ${example}); credentials are only accepted as Secrets`,
    );
  return secret;
}

/** The registry login arguments of a module function. */
export interface RegistryLoginArgs {
  /** The username for every host without its own login. */
  username?: string;
  /** The password or token for every host without its own login. */
  password?: Secret;
  /** Hosts with their own login (`quay.io`, `registry.acme.dev:5000`). */
  registryHosts?: string[];
  /** Each host's username, in the order of registryHosts. */
  registryUsernames?: Secret[];
  /** Each host's password or token, in the order of registryHosts. */
  registryPasswords?: Secret[];
}

/** One registry login: the password stays a Secret. */
export interface RegistryLogin {
  username: string;
  password: Secret;
}

/** The logins of one call: one for every host, and hosts' own. */
export type RegistryLogins = Logins<Secret>;

const EXAMPLE = "--username me --password env:GITHUB_TOKEN";

/** The hosts given their own login, checked (one username and password each) before any query. */
function checkedHosts(fn: string, args: RegistryLoginArgs): string[] {
  return checkHostLogins(
    fn,
    args.registryHosts ?? [],
    args.registryUsernames?.length ?? 0,
    args.registryPasswords?.length ?? 0,
  );
}

/**
 * Refuses, before any query, a push to a remote registry `fn` has no login for: `registry` (a
 * flag's) must be local, one of --registry-hosts or covered by --username/--password; without
 * one, either form will do until the config names the registry ({@link requireLogin}).
 */
export function requireLoginArgs(fn: string, registry: string | undefined, args: RegistryLoginArgs): void {
  const hosts = checkedHosts(fn, args);
  if (registry && (isLocalHost(registryHost(registry)) || hosts.includes(registryHost(registry)))) return;
  if (!registry && hosts.length) return;
  requireSecret(args.password, `${fn} --password`, EXAMPLE);
  if (!args.username) requireSecret(undefined, `${fn} --username`, EXAMPLE);
}

/** The logins the arguments give (each host's username read from its Secret), or undefined for none. */
export async function registryLogins(
  fn: string,
  args: RegistryLoginArgs,
): Promise<RegistryLogins | undefined> {
  const hosts = checkedHosts(fn, args);
  const any =
    args.username && args.password ? { username: args.username, password: args.password } : undefined;
  if (!any && !hosts.length) return undefined;
  return {
    any,
    hosts: await Promise.all(
      hosts.map(async (host, i) => ({
        host,
        username: (await args.registryUsernames![i]!.plaintext()).trim(),
        password: args.registryPasswords![i]!,
      })),
    ),
  };
}

/** The login for a registry, chart registry or image reference: its host's own, else the one for every host. */
export function loginFor(logins: RegistryLogins | undefined, registry: string): RegistryLogin | undefined {
  const host = registryHost(registry);
  return logins?.hosts.find((h) => h.host === host) ?? logins?.any;
}

/** The login for pushing to `registry`; refuses a remote one without a login, naming how to give it. */
export function requireLogin(
  logins: RegistryLogins | undefined,
  registry: string,
  fn: string,
): RegistryLogin | undefined {
  const login = loginFor(logins, registry);
  const host = registryHost(registry);
  if (login || isLocalHost(host)) return login;
  throw new UsageError(
    `${fn}: no login for ${host}: pass --username and --password (every host), or --registry-hosts ${host} with --registry-usernames and --registry-passwords`,
  );
}

/** The logins in the form the pipeline's own registry client takes, read once from their Secrets. */
export async function plainLogins(
  logins: RegistryLogins | undefined,
): Promise<Pick<RegistryAccess, "credentials" | "hosts">> {
  if (!logins) return {};
  const hosts = await Promise.all(
    logins.hosts.map(async (h) => [h.host, { username: h.username, password: await h.password.plaintext() }]),
  );
  return {
    ...(logins.any
      ? { credentials: { username: logins.any.username, password: await logins.any.password.plaintext() } }
      : {}),
    hosts: Object.fromEntries(hosts),
  };
}
