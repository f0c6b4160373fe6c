/** Small HTTP helpers for serve: bounded body reads, JSON answers, headers. */
import type { IncomingMessage, ServerResponse } from "node:http";

/** The largest body serve reads (webhooks and API alike). */
export const MAX_BODY = 1024 * 1024;

/** An HTTP answer to send as JSON. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the raw body; rejects with 413 past `limit` bytes (the rest is drained, then the socket closed). */
export function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    const tooLarge = () => new HttpError(413, `the body is larger than ${limit} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = declared > limit;
    if (over) reject(tooLarge());
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (over) {
        // Drain a little so the client reads our 413 instead of a reset, then stop listening.
        if (size > 8 * limit) req.destroy();
        return;
      }
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on("error", (error) => {
      if (!over) reject(error);
    });
  });
}

/** Parses a JSON body; 400 when it is not JSON. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "the body is not valid JSON");
  }
}

/** Sends `value` as JSON with `status`. */
export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(body);
}

/** One header's value (the first, when repeated). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Parses a JSON body that must be an object (`null`, a list or a number is a 400, not a crash in
 * the handler that reads its fields); `example` goes in the message.
 */
export function parseJsonObject(body: Buffer, example: string): Record<string, unknown> {
  const value = parseJson(body);
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new HttpError(400, `the body must be a JSON object (example: ${example})`);
  return value as Record<string, unknown>;
}

/** Decodes one percent-encoded path segment; malformed encoding (`%E0%A4%A`) is a 400 naming `what`. */
export function decodePathSegment(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `${what} in the path is not valid percent-encoding`);
  }
}

/**
 * Headers on every answer: nothing may frame serve's pages (the status page's buttons act with
 * the user's token), no answer is sniffed into another type, an API answer runs nothing and
 * loads nothing, and no URL leaks through Referer. The status page replaces the CSP with its own.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** How long a client may take to send a request, and how many connections serve holds at once. */
export interface HttpLimits {
  /** Headers and body of one request, in ms (node:http `requestTimeout`); the answer is not limited. */
  requestTimeoutMs: number;
  /** Headers alone, in ms (node:http `headersTimeout`), at most `requestTimeoutMs`. */
  headersTimeoutMs: number;
  /** Open connections at most (node:http `maxConnections`); more are closed on arrival. */
  maxConnections: number;
}

/**
 * Defaults: 30 s for a request (a 1 MiB webhook body needs a fraction of that; node's own 300 s let
 * a trickling client hold a connection for five minutes), 10 s for its headers, 256 connections
 * (each open status page holds one or two, a followed log one).
 */
export const HTTP_DEFAULTS: HttpLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  maxConnections: 256,
};

/** The limits with defaults filled in; the headers' timeout never exceeds the request's (node refuses that). */
export function httpLimits(given: Partial<HttpLimits> = {}): HttpLimits {
  const requestTimeoutMs = given.requestTimeoutMs ?? HTTP_DEFAULTS.requestTimeoutMs;
  return {
    requestTimeoutMs,
    headersTimeoutMs: Math.min(given.headersTimeoutMs ?? HTTP_DEFAULTS.headersTimeoutMs, requestTimeoutMs),
    maxConnections: given.maxConnections ?? HTTP_DEFAULTS.maxConnections,
  };
}
