/** One client per registry host for an operation, with credentials resolved once. */
import { RegistryClient } from "./client.js";
import { type Credentials, resolveCredentials } from "./credentials.js";

/** How operations reach registries. */
export interface RegistryAccess {
  /** Explicit credentials (flags or a Dagger Secret); otherwise the environment and Docker config. */
  credentials?: Partial<Credentials>;
  /** Logins for one host each (`host[:port]`, lowercase), which win over `credentials` there. */
  hosts?: Readonly<Record<string, Credentials>>;
  /** Hosts to reach over plain HTTP besides localhost and 127.0.0.1. */
  insecure?: readonly string[];
  /** Clients to use instead of new ones (benchmarks and tests read their counters). */
  clients?: (host: string) => RegistryClient;
}

/** Returns a function that hands out one client per host. */
export function clients(access: RegistryAccess = {}): (host: string) => RegistryClient {
  if (access.clients) return access.clients;
  const cache = new Map<string, RegistryClient>();
  return (host) => {
    let client = cache.get(host);
    if (!client) {
      client = new RegistryClient({
        host,
        credentials: resolveCredentials(host, access.credentials, process.env, access.hosts),
        insecure: access.insecure,
      });
      cache.set(host, client);
    }
    return client;
  };
}
