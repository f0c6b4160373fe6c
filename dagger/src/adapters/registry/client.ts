/**
 * A small OCI Distribution client over fetch: manifests (HEAD with GET fallback, GET, PUT), tags
 * with pagination, blob existence, cross-repository mounts, uploads and reads. Auth: anonymous,
 * basic, and the bearer-token challenge (WWW-Authenticate realm/service/scope). Plain HTTP for
 * localhost, 127.0.0.1 and configured insecure registries; HTTPS otherwise. Bounded retries with
 * backoff and jitter on 429, 5xx and dropped connections. Errors name registry, repository, ref
 * and HTTP status, never credentials.
 */
import { FailureError } from "../../core/errors.js";
import { digestOf, MANIFEST_ACCEPT } from "../../core/oci.js";
import type { Credentials } from "./credentials.js";

/** Options of a {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** `host[:port]`. */
  host: string;
  credentials?: Credentials;
  /** Extra hosts to reach over plain HTTP. */
  insecure?: readonly string[];
  /** Attempts per request on retryable failures (default: $REGISTRY_RETRIES or 4). */
  attempts?: number;
  /** First backoff delay in ms (doubles each attempt, plus jitter). */
  backoffMs?: number;
}

/** A manifest as stored: its exact bytes, media type and digest. */
export interface StoredManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

/** True when `host` is reached over plain HTTP. */
export function isPlainHttp(host: string, insecure: readonly string[] = []): boolean {
  const name = host.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  return (
    name === "localhost" ||
    name === "127.0.0.1" ||
    name === "::1" ||
    insecure.includes(host) ||
    insecure.includes(name)
  );
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

function challengeParams(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = header.split(" ")[0]!.toLowerCase();
  const params: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!] = m[2]!;
  return { scheme, params };
}

/** One registry, with its auth state. Not tied to a repository. */
export class RegistryClient {
  readonly host: string;
  readonly baseUrl: string;
  /** Requests sent so far (auth token requests included), for budgets and benchmarks. */
  requestCount = 0;
  private readonly credentials?: Credentials;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private basic = false;
  private readonly tokens = new Map<string, string>();

  constructor(options: RegistryClientOptions) {
    this.host = options.host;
    this.baseUrl = `${isPlainHttp(options.host, options.insecure) ? "http" : "https"}://${options.host}`;
    this.credentials = options.credentials;
    this.attempts = options.attempts ?? Number(process.env.REGISTRY_RETRIES ?? 4);
    this.backoffMs = options.backoffMs ?? 250;
  }

  private where(repository: string, ref?: string): string {
    return `registry ${this.host}, repository ${repository}${ref ? `, ref ${ref}` : ""}`;
  }

  private authHeader(repository: string): string | undefined {
    const token = this.tokens.get(repository);
    if (token) return `Bearer ${token}`;
    if (this.basic && this.credentials) {
      return `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString("base64")}`;
    }
    return undefined;
  }

  /** fetch with retries on 429/5xx and dropped connections. */
  private async send(url: string, init: RequestInit, what: string): Promise<Response> {
    let lastError = "";
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        this.requestCount++;
        const response = await fetch(url, { ...init, redirect: "follow" });
        if (!RETRYABLE_STATUS.has(response.status) || attempt === this.attempts) return response;
        lastError = `HTTP ${response.status}`;
        await response.arrayBuffer();
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        lastError = cause?.code ?? cause?.message ?? (error as Error).message;
        if (attempt === this.attempts) break;
      }
      const delay = this.backoffMs * 2 ** (attempt - 1);
      await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * delay));
    }
    throw new FailureError(
      `${what}: no answer after ${this.attempts} attempts (${lastError}); check that the registry is up and retry`,
    );
  }

  /** Sends a request for `repository`, answering one auth challenge if the registry sends it. */
  async request(
    method: string,
    repository: string,
    path: string,
    init: { headers?: Record<string, string>; body?: Buffer | string; ref?: string; expect?: number[] } = {},
  ): Promise<Response> {
    const what = `${method} ${this.where(repository, init.ref)}`;
    const url = path.startsWith("http") ? path : `${this.baseUrl}/v2/${repository}/${path}`;
    const go = (auth?: string) =>
      this.send(
        url,
        { method, headers: { ...init.headers, ...(auth ? { authorization: auth } : {}) }, body: init.body },
        what,
      );
    let response = await go(this.authHeader(repository));
    if (response.status === 401) {
      await response.arrayBuffer();
      const challenge = response.headers.get("www-authenticate") ?? "";
      const auth = await this.answerChallenge(challenge, repository, what);
      response = await go(auth);
    }
    if (init.expect && !init.expect.includes(response.status)) {
      throw await this.httpError(response, what);
    }
    return response;
  }

  private async answerChallenge(challenge: string, repository: string, what: string): Promise<string> {
    const { scheme, params } = challengeParams(challenge);
    if (scheme === "basic") {
      if (!this.credentials)
        throw new FailureError(
          `${what}: HTTP 401 Unauthorized: the registry wants credentials (set REGISTRY_USERNAME and REGISTRY_PASSWORD, or docker login)`,
        );
      this.basic = true;
      return this.authHeader(repository)!;
    }
    if (scheme === "bearer" && params.realm) {
      const query = new URLSearchParams();
      if (params.service) query.set("service", params.service);
      if (params.scope) query.set("scope", params.scope);
      const headers: Record<string, string> = {};
      if (this.credentials) {
        headers.authorization = `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString("base64")}`;
      }
      const response = await this.send(
        `${params.realm}?${query}`,
        { headers },
        `token for ${this.where(repository)}`,
      );
      if (!response.ok) {
        await response.arrayBuffer();
        throw new FailureError(
          `${what}: the token service at ${new URL(params.realm).host} answered HTTP ${response.status} (check the registry credentials)`,
        );
      }
      const body = (await response.json()) as { token?: string; access_token?: string };
      const token = body.token ?? body.access_token;
      if (!token)
        throw new FailureError(
          `${what}: the token service at ${new URL(params.realm).host} returned no token`,
        );
      this.tokens.set(repository, token);
      return `Bearer ${token}`;
    }
    throw new FailureError(
      `${what}: HTTP 401 Unauthorized with an auth scheme the pipeline does not know (${scheme || "none"})`,
    );
  }

  private async httpError(response: Response, what: string): Promise<FailureError> {
    let detail = "";
    try {
      const body = (await response.json()) as { errors?: { code?: string; message?: string }[] };
      detail = body.errors?.map((e) => e.code ?? e.message).join(", ") ?? "";
    } catch {
      // Not a JSON error body; the status says enough.
    }
    const hint =
      response.status === 401 || response.status === 403 ? " (check the registry credentials)" : "";
    return new FailureError(
      `${what}: HTTP ${response.status} ${response.statusText}${detail ? ` (${detail})` : ""}${hint}`,
    );
  }

  /** Digest, media type and size of a manifest, or null when it does not exist (HEAD, GET fallback). */
  async resolve(
    repository: string,
    ref: string,
  ): Promise<{ digest: string; mediaType: string; size: number } | null> {
    const head = await this.request("HEAD", repository, `manifests/${ref}`, {
      headers: { accept: MANIFEST_ACCEPT },
      ref,
    });
    if (head.status === 404) return null;
    const digest = head.headers.get("docker-content-digest");
    const mediaType = head.headers.get("content-type");
    if (head.ok && digest && mediaType)
      return { digest, mediaType, size: Number(head.headers.get("content-length") ?? 0) };
    // Some registries answer HEAD without a digest (or not at all): read the manifest instead.
    const manifest = await this.getManifest(repository, ref);
    return (
      manifest && { digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.bytes.length }
    );
  }

  /** The manifest's exact bytes, or null when it does not exist. */
  async getManifest(repository: string, ref: string): Promise<StoredManifest | null> {
    const response = await this.request("GET", repository, `manifests/${ref}`, {
      headers: { accept: MANIFEST_ACCEPT },
      ref,
      expect: [200, 404],
    });
    if (response.status === 404) {
      await response.arrayBuffer();
      return null;
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    const mediaType =
      response.headers.get("content-type") ??
      (JSON.parse(bytes.toString()) as { mediaType?: string }).mediaType ??
      "";
    return { bytes, mediaType, digest: response.headers.get("docker-content-digest") ?? digestOf(bytes) };
  }

  /** Puts manifest bytes under a tag or digest and returns the digest. */
  async putManifest(
    repository: string,
    ref: string,
    bytes: Buffer | string,
    mediaType: string,
  ): Promise<string> {
    const response = await this.request("PUT", repository, `manifests/${ref}`, {
      headers: { "content-type": mediaType },
      body: typeof bytes === "string" ? Buffer.from(bytes) : bytes,
      ref,
      expect: [201, 200],
    });
    await response.arrayBuffer();
    return response.headers.get("docker-content-digest") ?? digestOf(bytes);
  }

  /** Every tag of a repository, following `Link` pagination. */
  async listTags(repository: string, pageSize = 1000): Promise<string[]> {
    const tags: string[] = [];
    let path = `tags/list?n=${pageSize}`;
    for (;;) {
      const response = await this.request("GET", repository, path, { expect: [200, 404] });
      if (response.status === 404) {
        await response.arrayBuffer();
        return tags;
      }
      const body = (await response.json()) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("link") ?? "")?.[1];
      if (!next) return tags;
      path = next.startsWith("/v2/") ? `${this.baseUrl}${next}` : next;
    }
  }

  /** True when the blob is in the repository. */
  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const response = await this.request("HEAD", repository, `blobs/${digest}`, { ref: digest });
    await response.arrayBuffer();
    return response.ok;
  }

  /** A blob's bytes. */
  async getBlob(repository: string, digest: string): Promise<Buffer> {
    const response = await this.request("GET", repository, `blobs/${digest}`, { ref: digest, expect: [200] });
    return Buffer.from(await response.arrayBuffer());
  }

  /** Mounts a blob from another repository of the same registry; true when no bytes had to move. */
  async mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    const response = await this.request(
      "POST",
      repository,
      `blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      {
        ref: digest,
        expect: [201, 202],
      },
    );
    await response.arrayBuffer();
    if (response.status === 201) return true;
    // 202: the registry could not mount and opened an upload instead; close it unused.
    const location = response.headers.get("location");
    if (location)
      await (
        await this.request("DELETE", repository, new URL(location, this.baseUrl).href, { ref: digest })
      ).arrayBuffer();
    return false;
  }

  /** Uploads a blob in one request (monolithic upload) unless it is already there; returns its digest. */
  async pushBlob(repository: string, bytes: Buffer | string): Promise<string> {
    const digest = digestOf(bytes);
    if (await this.hasBlob(repository, digest)) return digest;
    const start = await this.request("POST", repository, "blobs/uploads/", { ref: digest, expect: [202] });
    await start.arrayBuffer();
    const location = new URL(start.headers.get("location") ?? "", this.baseUrl);
    location.searchParams.set("digest", digest);
    const put = await this.request("PUT", repository, location.href, {
      headers: { "content-type": "application/octet-stream" },
      body: typeof bytes === "string" ? Buffer.from(bytes) : bytes,
      ref: digest,
      expect: [201],
    });
    await put.arrayBuffer();
    return digest;
  }
}
