/**
 * A registry's auth state: anonymous, basic, or bearer tokens from the WWW-Authenticate challenge
 * (realm, service, scope). Concurrent requests that meet the same challenge share one token
 * fetch; credentials go over plain HTTP only to hosts the user allowed plain HTTP for.
 */
import { FailureError } from "../../core/errors.js";
import { parseRegistryJson } from "../../core/registry/oci.js";
import { isPlainHttp } from "../../core/registry/registries.js";
import type { Credentials } from "./credentials.js";
import type { RegistryResponse } from "./retrying-send.js";

function challengeParams(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = header.split(" ")[0]!.toLowerCase();
  const params: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!] = m[2]!;
  return { scheme, params };
}

/** The token service refused or sent no token; each waiting request words it with its own request. */
class TokenRefused extends Error {}

/** What {@link RegistryAuth} needs of its client. */
export interface RegistryAuthOptions {
  credentials?: Credentials;
  insecure: readonly string[];
  /** Names a repository of the registry in errors. */
  where: (repository: string) => string;
  /** One exchange with retries (the token fetch). */
  send: (url: string, init: { headers?: Record<string, string> }, what: string) => Promise<RegistryResponse>;
}

/** The authorization of one registry's requests. */
export class RegistryAuth {
  private readonly options: RegistryAuthOptions;
  private basic = false;
  /** The bearer token each repository's requests carry. */
  private readonly tokens = new Map<string, string>();
  /** The last token fetched for each token URL (realm with service and scope). */
  private readonly scopeTokens = new Map<string, string>();
  /** Token fetches under way, by token URL: concurrent challenges for one scope share one fetch. */
  private readonly tokenFetches = new Map<string, Promise<string>>();

  constructor(options: RegistryAuthOptions) {
    this.options = options;
  }

  /** The authorization `repository`'s requests carry now, if any. */
  header(repository: string): string | undefined {
    const token = this.tokens.get(repository);
    if (token) return `Bearer ${token}`;
    if (this.basic && this.options.credentials) {
      return `Basic ${Buffer.from(`${this.options.credentials.username}:${this.options.credentials.password}`).toString("base64")}`;
    }
    return undefined;
  }

  /**
   * The authorization for a request the registry answered 401 to, `sent` being what it carried.
   * Requests run concurrently on one client, so a challenge can arrive after another request
   * already answered the same one: what was rejected is then `sent`, not what the client holds.
   */
  async answer(
    challenge: string,
    repository: string,
    what: string,
    sent: string | undefined,
  ): Promise<string> {
    const { scheme, params } = challengeParams(challenge);
    if (scheme === "basic") {
      if (!this.options.credentials)
        throw new FailureError(
          `${what}: HTTP 401 Unauthorized: the registry wants credentials (set REGISTRY_USERNAME and REGISTRY_PASSWORD, or docker login)`,
        );
      const basic = `Basic ${Buffer.from(`${this.options.credentials.username}:${this.options.credentials.password}`).toString("base64")}`;
      if (sent === basic)
        throw new FailureError(`${what}: HTTP 401 Unauthorized (check the registry credentials)`);
      this.basic = true;
      return basic;
    }
    if (scheme === "bearer" && params.realm) {
      let realm: URL;
      try {
        realm = new URL(params.realm);
      } catch {
        throw new FailureError(`${what}: the registry's token realm is not a URL; check the registry`);
      }
      if (!/^https?:$/.test(realm.protocol) || realm.username || realm.password)
        throw new FailureError(
          `${what}: the registry's token realm is not a plain http(s) URL; check the registry`,
        );
      // Credentials travel over plain HTTP only to hosts the user allowed plain HTTP for.
      if (
        realm.protocol === "http:" &&
        this.options.credentials &&
        !isPlainHttp(realm.host, this.options.insecure)
      )
        throw new FailureError(
          `${what}: the registry's token service ${realm.host} is plain HTTP; refusing to send credentials there (add it to --insecure only if you trust the network)`,
        );
      const query = new URLSearchParams(realm.search);
      if (params.service) query.set("service", params.service);
      if (params.scope) query.set("scope", params.scope);
      realm.search = query.toString();
      const key = realm.href;
      // A token already fetched for this very scope answers the challenge, unless it is what was rejected.
      const known = this.scopeTokens.get(key);
      let token: string;
      if (known !== undefined && `Bearer ${known}` !== sent) token = known;
      else {
        let pending = this.tokenFetches.get(key);
        if (!pending) {
          pending = this.fetchToken(realm, repository).finally(() => this.tokenFetches.delete(key));
          this.tokenFetches.set(key, pending);
        }
        try {
          token = await pending;
        } catch (error) {
          if (error instanceof TokenRefused) throw new FailureError(`${what}: ${error.message}`);
          throw error;
        }
      }
      this.tokens.set(repository, token);
      return `Bearer ${token}`;
    }
    throw new FailureError(
      `${what}: HTTP 401 Unauthorized with an auth scheme the pipeline does not know (${/^[a-z]{1,20}$/.test(scheme) ? scheme : "none"})`,
    );
  }

  /** Fetches a token from `realm` (service and scope in its query); a refusal is a {@link TokenRefused}. */
  private async fetchToken(realm: URL, repository: string): Promise<string> {
    const headers: Record<string, string> = {};
    if (this.options.credentials) {
      headers.authorization = `Basic ${Buffer.from(`${this.options.credentials.username}:${this.options.credentials.password}`).toString("base64")}`;
    }
    const tokenWhat = `token for ${this.options.where(repository)} from ${realm.host}`;
    const response = await this.options.send(realm.href, { headers }, tokenWhat);
    if (!response.ok)
      throw new TokenRefused(
        `the token service at ${realm.host} answered HTTP ${response.status} (check the registry credentials)`,
      );
    const body = parseRegistryJson(response.body, tokenWhat) as { token?: unknown; access_token?: unknown };
    const token = body?.token ?? body?.access_token;
    if (typeof token !== "string" || !/^[\x21-\x7e]{1,8192}$/.test(token))
      throw new TokenRefused(`the token service at ${realm.host} returned no usable token`);
    this.scopeTokens.set(realm.href, token);
    return token;
  }
}
