/**
 * One HTTP exchange for the registry client, on node:http and node:https. Not `fetch`: Node
 * loads and compiles undici on the first fetch, about 80 ms of CPU, which is most of what a
 * one-shot `pipeline manifest merge` costs over Node's own start; node:http costs about 10.
 * What the client relied on from fetch is kept: redirects followed (at most 20, 303 and a POST's
 * 301/302 become a bodiless GET, credentials dropped when the origin changes), one timeout over
 * headers and body, the body capped, the bytes exactly as sent (no Accept-Encoding asked for).
 */
import { Agent, type ClientRequest, request as httpRequest, type IncomingMessage } from "node:http";
import type { RequestOptions } from "node:https";

/**
 * Connections stay open between requests, so an operation's requests after the first skip the
 * TCP (and TLS) handshake. Said here rather than left to Node's global agents, whose default
 * changed across versions; the options are the global agent's since Node 19 (an idle socket is
 * closed after 5 s, so one a server is about to drop is seldom reused). An idle kept-alive socket
 * does not keep the process running.
 */
const AGENT_OPTIONS = { keepAlive: true, timeout: 5_000 };
const httpAgent = new Agent(AGENT_OPTIONS);

/** HTTPS, loaded on its first use: node:https loads TLS, a few ms a plain-HTTP registry never needs. */
let https: { request: (url: URL, options: RequestOptions) => ClientRequest; agent: Agent } | undefined;

async function loadHttps(): Promise<void> {
  if (https) return;
  const { Agent: HttpsAgent, request } = await import("node:https");
  https ??= { request, agent: new HttpsAgent(AGENT_OPTIONS) };
}

/** Response headers, read like fetch's: by lower-case name, repeated values joined with ", ". */
export interface ResponseHeaders {
  get(name: string): string | null;
}

/** What came back. */
export interface HttpAnswer {
  status: number;
  headers: ResponseHeaders;
  body: Buffer;
}

/** What to send. */
export interface HttpExchange {
  method: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Over the whole exchange, redirects and body included. */
  timeoutMs: number;
  /** The largest body of a 2xx answer read; a larger one fails with {@link BodyTooLargeError}. */
  maxBodyBytes: number;
  /** The same for any other answer (an auth challenge, an error); default `maxBodyBytes`. */
  maxErrorBodyBytes?: number;
}

/** The answer's body was larger than the cap. */
export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
}

const MAX_REDIRECTS = 20;
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];

/** Sends one request, following redirects; rejects with a TimeoutError, a socket error (its `code`) or BodyTooLargeError. */
export function send(url: string, exchange: HttpExchange): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    let current: ReturnType<typeof httpRequest> | undefined;
    let done = false;
    const finish = (error: Error | null, answer?: HttpAnswer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error) {
        current?.destroy();
        reject(error);
      } else resolve(answer!);
    };
    const timer = setTimeout(() => {
      const error = new Error(`timed out after ${exchange.timeoutMs} ms`);
      error.name = "TimeoutError";
      finish(error);
    }, exchange.timeoutMs);

    const go = (
      target: URL,
      method: string,
      headers: Record<string, string>,
      body: Buffer | undefined,
      hops: number,
    ): void => {
      if (target.protocol === "https:" && !https) {
        loadHttps().then(
          () => go(target, method, headers, body, hops),
          (error: Error) => finish(error),
        );
        return;
      }
      if (done) return;
      const options = {
        method,
        headers: {
          accept: "*/*",
          "user-agent": "node",
          ...headers,
          ...(body ? { "content-length": String(body.length) } : {}),
        },
      };
      const request =
        target.protocol === "https:" && https
          ? https.request(target, { ...options, agent: https.agent })
          : httpRequest(target, { ...options, agent: httpAgent });
      current = request;
      request.on("error", (error) => finish(error));
      request.on("response", (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if ([301, 302, 303, 307, 308].includes(status) && location) {
          response.resume();
          if (hops >= MAX_REDIRECTS) return finish(new Error(`more than ${MAX_REDIRECTS} redirects`));
          let next: URL;
          try {
            next = new URL(location, target);
          } catch (error) {
            return finish(error as Error);
          }
          if (next.protocol !== "http:" && next.protocol !== "https:")
            return finish(new Error("redirect to a scheme other than http(s)"));
          const asGet = status === 303 || ((status === 301 || status === 302) && method === "POST");
          const nextHeaders = { ...headers };
          if (asGet)
            for (const name of Object.keys(nextHeaders))
              if (/^content-/i.test(name)) delete nextHeaders[name];
          if (next.origin !== target.origin)
            for (const name of Object.keys(nextHeaders))
              if (CREDENTIAL_HEADERS.includes(name.toLowerCase())) delete nextHeaders[name];
          return go(
            next,
            asGet && method !== "HEAD" ? "GET" : method,
            nextHeaders,
            asGet ? undefined : body,
            hops + 1,
          );
        }
        const chunks: Buffer[] = [];
        let size = 0;
        const cap =
          status >= 200 && status < 300
            ? exchange.maxBodyBytes
            : (exchange.maxErrorBodyBytes ?? exchange.maxBodyBytes);
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > cap) return finish(new BodyTooLargeError("body too large"));
          chunks.push(chunk);
        });
        response.on("error", (error) => finish(error));
        response.on("aborted", () =>
          finish(Object.assign(new Error("connection reset"), { code: "ECONNRESET" })),
        );
        response.on("end", () =>
          finish(null, { status, headers: headersOf(response), body: Buffer.concat(chunks) }),
        );
      });
      request.end(body);
    };
    const body = exchange.body === undefined ? undefined : Buffer.from(exchange.body);
    try {
      go(new URL(url), exchange.method, { ...exchange.headers }, body, 0);
    } catch (error) {
      finish(error as Error);
    }
  });
}

function headersOf(response: IncomingMessage): ResponseHeaders {
  const values = new Map<string, string>();
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const previous = values.get(name);
    values.set(name, previous === undefined ? raw[i + 1]! : `${previous}, ${raw[i + 1]}`);
  }
  return { get: (name) => values.get(name.toLowerCase()) ?? null };
}
