/**
 * A small OCI Distribution client over node:http (http-transport.ts): manifests (GET, PUT), tags with pagination, blob
 * existence, cross-repository mounts, uploads and reads. Auth: anonymous, basic, and the
 * bearer-token challenge (WWW-Authenticate realm/service/scope). Plain HTTP for localhost,
 * 127.0.0.1 and configured insecure registries; HTTPS otherwise.
 *
 * Nothing the registry says is trusted blindly: every manifest and blob read is hashed and checked
 * against Docker-Content-Digest and the digest asked for; every pushed manifest is hashed and the
 * registry's digest checked against it; JSON is parsed defensively. Every attempt has a timeout
 * (headers and body together) and counts as retryable, like 429, 5xx and dropped connections;
 * `Retry-After` is honoured up to a cap (core/registry/retry-policy.ts). Errors are one line naming
 * registry, repository, ref and HTTP status, never credentials or the registry's own prose.
 */
import { FailureError, UsageError } from "../../core/errors.js";
import { registryErrorLine } from "../../core/registry/http-error.js";
import {
  checkedDigest,
  digestOf,
  isRepositoryName,
  isTagOrDigest,
  MANIFEST_ACCEPT,
  parseRegistryJson,
  requireWritableManifest,
} from "../../core/registry/oci.js";
import { isPlainHttp } from "../../core/registry/registries.js";
import {
  blobTimeoutMs,
  MAX_BLOB_BYTES,
  REGISTRY_DEFAULTS,
  registryTuning,
} from "../../core/registry/retry-policy.js";
import { safeEcho } from "../../core/validate.js";
import { RegistryAuth } from "./auth.js";
import type { Credentials } from "./credentials.js";
import {
  type Limits,
  MAX_BODY_BYTES,
  type RegistryResponse,
  type RetryOptions,
  sendWithRetries,
} from "./retrying-send.js";

export { MAX_BODY_BYTES, type RegistryResponse } from "./retrying-send.js";

/** Options of a {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** `host[:port]`. */
  host: string;
  credentials?: Credentials;
  /** Extra hosts to reach over plain HTTP. */
  insecure?: readonly string[];
  /** Attempts per request on retryable failures (default: $REGISTRY_RETRIES or 4). */
  attempts?: number;
  /** Per-attempt timeout in ms (default: $REGISTRY_TIMEOUT_MS or 30000). */
  timeoutMs?: number;
  /** First backoff delay in ms (doubles each attempt, plus jitter). */
  backoffMs?: number;
}

/** A manifest as stored: its exact bytes, media type and digest (the sha256 of the bytes, checked). */
export interface StoredManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

/**
 * One registry, with its auth state. Not tied to a repository. Safe to share between concurrent
 * operations: concurrent requests that meet the same auth challenge share one token fetch.
 */
export class RegistryClient {
  readonly host: string;
  readonly baseUrl: string;
  /** Requests sent so far (auth token requests included), for budgets and benchmarks. */
  requestCount = 0;
  /** Milliseconds spent hashing manifests and blobs, for the benchmark of what checking costs. */
  hashMs = 0;
  private readonly credentials?: Credentials;
  private readonly insecure: readonly string[];
  private readonly attempts: number;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;
  private readonly retry: RetryOptions;
  private readonly auth: RegistryAuth;
  constructor(options: RegistryClientOptions) {
    if (!/^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$/.test(options.host))
      throw new UsageError(
        `registry ${options.host.includes("@") ? "with user info" : safeEcho(options.host)} is not a host[:port] (no scheme, path, user info or spaces)`,
      );
    this.host = options.host;
    this.insecure = options.insecure ?? [];
    this.baseUrl = `${isPlainHttp(options.host, this.insecure) ? "http" : "https"}://${options.host}`;
    this.credentials = options.credentials;
    const tuning =
      options.attempts !== undefined && options.timeoutMs !== undefined
        ? { attempts: options.attempts, timeoutMs: options.timeoutMs }
        : registryTuning(process.env);
    this.attempts = options.attempts ?? tuning.attempts;
    this.timeoutMs = options.timeoutMs ?? tuning.timeoutMs;
    this.backoffMs = options.backoffMs ?? REGISTRY_DEFAULTS.backoffMs;
    this.retry = {
      attempts: this.attempts,
      timeoutMs: this.timeoutMs,
      backoffMs: this.backoffMs,
      onAttempt: () => {
        this.requestCount++;
      },
    };
    this.auth = new RegistryAuth({
      credentials: options.credentials,
      insecure: this.insecure,
      where: (repository) => this.where(repository),
      send: (url, init, what) => this.send(url, init, what),
    });
  }

  private send(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: Buffer | string },
    what: string,
    limits?: Limits,
  ): Promise<RegistryResponse> {
    return sendWithRetries(url, init, what, this.retry, limits);
  }

  private where(repository: string, ref?: string): string {
    return `registry ${this.host}, repository ${repository}${ref ? `, ref ${ref}` : ""}`;
  }

  /** Hashes `bytes` against the claimed digests (see {@link checkedDigest}), timing it. */
  private checked(
    bytes: Buffer | string,
    claims: readonly { what: string; digest: string | null | undefined }[],
    where: string,
  ): string {
    // process.hrtime, not performance.now: the `performance` global loads perf_hooks on first use.
    const start = process.hrtime.bigint();
    try {
      return checkedDigest(bytes, claims, where);
    } finally {
      this.hashMs += Number(process.hrtime.bigint() - start) / 1e6;
    }
  }

  /** An absolute URL the registry handed out (upload Location, tag-list Link), kept on this registry. */
  private sameRegistry(link: string, what: string): string {
    let url: URL;
    try {
      url = new URL(link, this.baseUrl);
    } catch {
      throw new FailureError(`${what}: the registry sent an unreadable link; check the registry`);
    }
    if (url.origin !== new URL(this.baseUrl).origin || url.username || url.password)
      throw new FailureError(
        `${what}: the registry sent a link to another host (${url.host}); refusing to follow it`,
      );
    if (!url.pathname.startsWith("/v2/"))
      throw new FailureError(`${what}: the registry sent a link outside /v2/; refusing to follow it`);
    return url.href;
  }

  /** Sends a request for `repository`, answering one auth challenge if the registry sends it. */
  async request(
    method: string,
    repository: string,
    path: string,
    init: {
      headers?: Record<string, string>;
      body?: Buffer | string;
      ref?: string;
      expect?: number[];
      limits?: Limits;
    } = {},
  ): Promise<RegistryResponse> {
    if (!isRepositoryName(repository))
      throw new UsageError(
        `registry ${this.host}: repository ${safeEcho(repository)} is not valid (lowercase letters, digits, . _ - and /, no ..)`,
      );
    const what = `${method} ${this.where(repository, init.ref)}`;
    const url = /^https?:\/\//.test(path)
      ? this.sameRegistry(path, what)
      : `${this.baseUrl}/v2/${repository}/${path}`;
    const go = (auth?: string) =>
      this.send(
        url,
        { method, headers: { ...init.headers, ...(auth ? { authorization: auth } : {}) }, body: init.body },
        what,
        init.limits,
      );
    const sent = this.auth.header(repository);
    let response = await go(sent);
    if (response.status === 401) {
      const challenge = response.headers.get("www-authenticate") ?? "";
      const auth = await this.auth.answer(challenge, repository, what, sent);
      response = await go(auth);
    }
    if (init.expect && !init.expect.includes(response.status)) throw this.httpError(response, what);
    return response;
  }

  /** One line from an unexpected status (core/registry/http-error.ts). */
  private httpError(response: RegistryResponse, what: string): FailureError {
    return new FailureError(registryErrorLine(what, response.status, response.body));
  }

  private requireRef(repository: string, ref: string): void {
    if (!isTagOrDigest(ref))
      throw new UsageError(
        `registry ${this.host}, repository ${repository}: ${safeEcho(ref)} is neither a tag (letters, digits, _ . -, at most 128) nor a digest`,
      );
  }

  /**
   * Digest, media type and size of a manifest, or null when it does not exist. Reads the manifest
   * (a GET, not a HEAD): a header alone cannot be checked, and decisions rest on this digest.
   */
  async resolve(
    repository: string,
    ref: string,
  ): Promise<{ digest: string; mediaType: string; size: number } | null> {
    const manifest = await this.getManifest(repository, ref);
    return (
      manifest && { digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.bytes.length }
    );
  }

  /** The manifest's exact bytes, hashed and checked, or null when it does not exist. */
  async getManifest(repository: string, ref: string): Promise<StoredManifest | null> {
    this.requireRef(repository, ref);
    const response = await this.request("GET", repository, `manifests/${ref}`, {
      headers: { accept: MANIFEST_ACCEPT },
      ref,
      expect: [200, 404],
    });
    if (response.status === 404) return null;
    const bytes = response.body;
    const where = `GET ${this.where(repository, ref)}`;
    const digest = this.checked(
      bytes,
      [
        { what: "Docker-Content-Digest header", digest: response.headers.get("docker-content-digest") },
        { what: "requested digest", digest: ref.includes(":") ? ref : null },
      ],
      where,
    );
    const header = response.headers.get("content-type")?.split(";")[0]?.trim();
    const mediaType =
      header && header !== "application/json"
        ? header
        : ((parseRegistryJson(bytes, where) as { mediaType?: unknown } | null)?.mediaType ?? "");
    return { bytes, mediaType: typeof mediaType === "string" ? mediaType : "", digest };
  }

  /**
   * Puts manifest bytes under a tag or digest and returns their digest, checked against the
   * registry's. Bytes that are no manifest of a known media type are refused before the request
   * (core/registry/oci.ts `requireWritableManifest`): every write goes through here.
   */
  async putManifest(
    repository: string,
    ref: string,
    bytes: Buffer | string,
    mediaType: string,
  ): Promise<string> {
    this.requireRef(repository, ref);
    const where = `PUT ${this.where(repository, ref)}`;
    requireWritableManifest(bytes, mediaType, where);
    const digest = this.checked(
      bytes,
      [{ what: "digest it is pushed under", digest: ref.includes(":") ? ref : null }],
      where,
    );
    const response = await this.request("PUT", repository, `manifests/${ref}`, {
      headers: { "content-type": mediaType },
      body: typeof bytes === "string" ? Buffer.from(bytes) : bytes,
      ref,
      expect: [201, 200],
    });
    const stored = response.headers.get("docker-content-digest");
    if (stored && stored !== digest)
      throw new FailureError(
        `${where}: the registry says it stored ${safeEcho(stored)}, but the bytes pushed are ${digest}; check the registry or a proxy in front of it`,
      );
    return digest;
  }

  /** Every tag of a repository, following `Link` pagination (on this registry only). */
  async listTags(repository: string, pageSize = 1000): Promise<string[]> {
    const tags: string[] = [];
    let path = `tags/list?n=${pageSize}`;
    for (let page = 1; ; page++) {
      const response = await this.request("GET", repository, path, { expect: [200, 404] });
      if (response.status === 404) return tags;
      const where = `GET ${this.where(repository)} tags`;
      const body = parseRegistryJson(response.body, where) as { tags?: unknown } | null;
      const list = body?.tags ?? [];
      if (!Array.isArray(list) || !list.every((t) => typeof t === "string"))
        throw new FailureError(`${where}: the registry answered a tag list that is not a list of strings`);
      tags.push(...list);
      const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("link") ?? "")?.[1];
      if (!next) return tags;
      if (page >= 10_000)
        throw new FailureError(`${where}: more than 10000 pages of tags; check the registry`);
      path = this.sameRegistry(next, where);
    }
  }

  /** True when the blob is in the repository. */
  async hasBlob(repository: string, digest: string): Promise<boolean> {
    this.requireRef(repository, digest);
    const response = await this.request("HEAD", repository, `blobs/${digest}`, { ref: digest });
    return response.ok;
  }

  /**
   * A blob's bytes, hashed and checked against `digest`. With `size` (its descriptor's), the body
   * may be exactly that long (up to MAX_BLOB_BYTES) and the timeout grows with it
   * ({@link blobTimeoutMs}); without, the body is capped at MAX_BODY_BYTES like any answer.
   */
  async getBlob(repository: string, digest: string, size?: number): Promise<Buffer> {
    this.requireRef(repository, digest);
    const where = `GET ${this.where(repository, digest)}`;
    if (size !== undefined && (!Number.isSafeInteger(size) || size < 0 || size > MAX_BLOB_BYTES))
      throw new FailureError(
        `${where}: the descriptor announces ${Number.isSafeInteger(size) && size > 0 ? `${size} bytes, more than the ${MAX_BLOB_BYTES} the pipeline reads` : "an invalid size"}; refusing the blob (check the image)`,
      );
    const limits =
      size === undefined
        ? undefined
        : {
            timeoutMs: blobTimeoutMs(this.timeoutMs, size),
            maxBodyBytes: size,
            tooLarge: `longer than the ${size} bytes its descriptor announces (blob digest and size must both match)`,
          };
    const response = await this.request("GET", repository, `blobs/${digest}`, {
      ref: digest,
      expect: [200],
      limits,
    });
    this.checked(response.body, [{ what: "blob digest", digest }], where);
    // The bytes are the blob, so a shorter one means the descriptor's size is wrong.
    if (size !== undefined && response.body.length !== size)
      throw new FailureError(
        `${where}: the blob is ${response.body.length} bytes, not the ${size} its descriptor announces; refusing it (check the image)`,
      );
    return response.body;
  }

  /** Mounts a blob from another repository of the same registry; true when no bytes had to move. */
  async mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    this.requireRef(repository, digest);
    if (!isRepositoryName(from))
      throw new UsageError(`registry ${this.host}: repository ${safeEcho(from)} is not valid`);
    const response = await this.request(
      "POST",
      repository,
      `blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      {
        ref: digest,
        expect: [201, 202],
      },
    );
    if (response.status === 201) return true;
    // 202: the registry could not mount and opened an upload instead; close it unused.
    const location = response.headers.get("location");
    if (location)
      await this.request("DELETE", repository, this.sameRegistry(location, "upload"), { ref: digest });
    return false;
  }

  /** Uploads a blob in one request (monolithic upload) unless it is already there; returns its digest. */
  async pushBlob(repository: string, bytes: Buffer | string): Promise<string> {
    const digest = digestOf(bytes);
    if (await this.hasBlob(repository, digest)) return digest;
    const where = `POST ${this.where(repository, digest)}`;
    const start = await this.request("POST", repository, "blobs/uploads/", { ref: digest, expect: [202] });
    const location = new URL(this.sameRegistry(start.headers.get("location") ?? "", where));
    location.searchParams.set("digest", digest);
    const body = typeof bytes === "string" ? Buffer.from(bytes) : bytes;
    const put = await this.request("PUT", repository, location.href, {
      headers: { "content-type": "application/octet-stream" },
      body,
      ref: digest,
      expect: [201],
      // The answer to a PUT is small: only the timeout grows with what is sent.
      limits: {
        timeoutMs: blobTimeoutMs(this.timeoutMs, body.length),
        maxBodyBytes: MAX_BODY_BYTES,
        tooLarge: `larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`,
      },
    });
    const stored = put.headers.get("docker-content-digest");
    if (stored && stored !== digest)
      throw new FailureError(
        `PUT ${this.where(repository, digest)}: the registry says it stored ${safeEcho(stored)}; check the registry or a proxy in front of it`,
      );
    return digest;
  }
}
