/**
 * Registry logins per host. A run may push to several registries (image.registry,
 * image.registries, image.releaseRegistry, chart.registry), each with its own account: one
 * `--username/--password` stands for every host, and a host's own login, when given, wins for
 * that host. A host's own login travels under names derived from the host,
 * `REGISTRY_<HOST>_USERNAME` and `REGISTRY_<HOST>_PASSWORD` (`quay.io` → `REGISTRY_QUAY_IO_*`):
 * the CI secrets the generated workflows read, the CLI's environment and the variables the
 * module hands its containers. Pure.
 */
import { UsageError } from "../errors.js";
import { safeEcho } from "../validate.js";
import { isRegistryHostPort } from "./oci.js";

/** A username and password (or token) for one registry host. */
export interface HostCredentials {
  username: string;
  password: string;
}

/**
 * The host (with its port) a registry, a chart registry or an image reference names:
 * `oci://ghcr.io/acme/charts` → `ghcr.io`, `registry.lan:5000/team/app:1.2` → `registry.lan:5000`.
 */
export function registryHost(registry: string): string {
  return registry
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, "")
    .split("/")[0]!
    .toLowerCase();
}

/** True for the loopback registries the local loop pushes to, which need no login. */
export function isLocalHost(host: string): boolean {
  return /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(host);
}

/** True for GitHub's container registry, where a workflow's own GITHUB_TOKEN logs in. */
export function isGithubRegistry(host: string): boolean {
  return host === "ghcr.io";
}

/**
 * The environment variables a host's own login is read from: `REGISTRY_<HOST>_USERNAME` and
 * `_PASSWORD`, the host upper-cased with every run of other characters made one `_`
 * (`registry.acme.dev:5000` → `REGISTRY_REGISTRY_ACME_DEV_5000_*`).
 */
export function loginVariables(host: string): { username: string; password: string } {
  const name = `REGISTRY_${host
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")}`;
  return { username: `${name}_USERNAME`, password: `${name}_PASSWORD` };
}

/** A host's own login from `env` (both variables set), else undefined. */
export function hostLoginFromEnv(
  host: string,
  env: Readonly<Record<string, string | undefined>>,
): HostCredentials | undefined {
  const names = loginVariables(host);
  const username = env[names.username];
  const password = env[names.password];
  return username && password ? { username, password } : undefined;
}

/**
 * Every registry host the config pushes to or reads from, in order, once each, without the local
 * loop's: image.registry, image.registries, image.releaseRegistry, then chart.registry.
 */
export function configRegistryHosts(config: {
  image: { registry: string; registries?: readonly string[]; releaseRegistry?: string };
  chart?: { registry?: string };
}): string[] {
  const all = [
    config.image.registry,
    ...(config.image.registries ?? []),
    config.image.releaseRegistry ?? "",
    config.chart?.registry ?? "",
  ]
    .filter((r) => r.trim() !== "")
    .map(registryHost);
  return [...new Set(all)].filter((h) => !isLocalHost(h));
}

/**
 * Why two of `hosts` cannot each have their own login, or null: their names map to the same
 * `REGISTRY_<HOST>_*` variables (`a-b.io` and `a.b.io`), so one host's password would be read
 * for, and sent to, the other.
 */
export function loginVariableClash(hosts: readonly string[]): string | null {
  const owner = new Map<string, string>();
  for (const host of hosts) {
    const { username, password } = loginVariables(host);
    const other = owner.get(username);
    if (other !== undefined && other !== host)
      return `${other} and ${host} would share the login variables ${username} and ${password}, so one host's password would go to the other; use one spelling of the host, or a registry under another name`;
    owner.set(username, host);
  }
  return null;
}

/**
 * Checks the per-host login arguments of `fn` before anything is sent: one username and one
 * password per host, each host a `host[:port]` named once. Throws a usage error naming the
 * mismatch; returns the hosts, lowercased.
 */
export function checkHostLogins(
  fn: string,
  hosts: readonly string[],
  usernames: number,
  passwords: number,
): string[] {
  const example =
    "--registry-hosts quay.io --registry-usernames env:REGISTRY_QUAY_IO_USERNAME --registry-passwords env:REGISTRY_QUAY_IO_PASSWORD";
  if (usernames !== hosts.length || passwords !== hosts.length)
    throw new UsageError(
      `${fn}: --registry-hosts names ${hosts.length} host(s) but --registry-usernames gives ${usernames} and --registry-passwords ${passwords}; give one of each per host, in the same order (example: ${example})`,
    );
  const seen = new Set<string>();
  const checked = hosts.map((raw) => {
    const host = raw.trim().toLowerCase();
    if (!isRegistryHostPort(host))
      throw new UsageError(
        `${fn} --registry-hosts: ${safeEcho(raw)} is not a registry host[:port] (no scheme, path or user info; example: ${example})`,
      );
    if (seen.has(host))
      throw new UsageError(`${fn} --registry-hosts: ${host} is named twice; give each host one login`);
    seen.add(host);
    return host;
  });
  const clash = loginVariableClash(checked);
  if (clash) throw new UsageError(`${fn} --registry-hosts: ${clash}`);
  return checked;
}

/** The logins of one call: one for every host, and hosts' own; `S` is how a password is held. */
export interface Logins<S> {
  any?: { username: string; password: S };
  hosts: readonly { host: string; username: string; password: S }[];
}

/**
 * The environment a container gets for `logins`: usernames as plain variables, passwords as
 * secret ones, the login for every host as REGISTRY_USERNAME/REGISTRY_PASSWORD and each host's
 * own under {@link loginVariables}. With `hosts`, only the logins those hosts use, and `cosign`
 * lists `host=PREFIX` for each host that has one (its login is in PREFIX_USERNAME/PREFIX_PASSWORD).
 */
export function loginEnvironment<S>(
  logins: Logins<S>,
  hosts?: readonly string[],
): { plain: Record<string, string>; secret: Record<string, S>; cosign: string[] } {
  const plain: Record<string, string> = {};
  const secret: Record<string, S> = {};
  const cosign: string[] = [];
  const add = (prefix: string, login: { username: string; password: S }) => {
    plain[`${prefix}_USERNAME`] = login.username;
    secret[`${prefix}_PASSWORD`] = login.password;
  };
  if (!hosts) {
    if (logins.any) add("REGISTRY", logins.any);
    for (const login of logins.hosts)
      add(loginVariables(login.host).username.replace(/_USERNAME$/, ""), login);
    return { plain, secret, cosign };
  }
  for (const host of new Set(hosts.map(registryHost))) {
    const own = logins.hosts.find((h) => h.host === host);
    const login = own ?? logins.any;
    if (!login) continue;
    const prefix = own ? loginVariables(host).username.replace(/_USERNAME$/, "") : "REGISTRY";
    add(prefix, login);
    cosign.push(`${host}=${prefix}`);
  }
  return { plain, secret, cosign };
}
