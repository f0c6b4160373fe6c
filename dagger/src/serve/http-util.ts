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
