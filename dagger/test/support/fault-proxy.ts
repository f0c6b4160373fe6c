/**
 * A fault-injecting HTTP proxy on loopback in front of a real registry: every request is forwarded
 * unless a rule matches it, and then the rule's fault happens instead — a stall, a dropped
 * connection, a status (500, 429 with Retry-After, a 401 challenge), manifest bytes rewritten
 * while the digest header is kept, a false digest header, malformed JSON, a body that never ends.
 * The registry behind it does all the real work, so what passes through is real.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { freePort } from "./ports.js";

/** What a matching request gets instead of the registry's answer. */
export type Fault =
  /** Accept the request, never answer. */
  | { kind: "stall" }
  /** Send the registry's status and headers, then a few body bytes, then nothing more. */
  | { kind: "stall-body" }
  /** Close the connection without an answer. */
  | { kind: "drop" }
  /** Answer this status, headers and body without asking the registry. */
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: string }
  /** Forward, then change the body's bytes (a manifest gets an extra annotation), keeping every header. */
  | { kind: "rewrite-body" }
  /** Forward, then replace Docker-Content-Digest (default: a digest of nothing in particular). */
  | { kind: "false-digest"; digest?: string }
  /** Forward status and headers, replace the body with this text (default: malformed JSON). */
  | { kind: "body"; body?: string | Buffer; dropDigest?: boolean; digest?: string }
  /** Forward, then set (or add) these response headers. */
  | { kind: "headers"; set: Record<string, string> };

/** A fault and the requests it applies to. */
export interface FaultRule {
  method?: string;
  /** Matched against the request path with its query. */
  path?: RegExp;
  fault: Fault;
  /** Apply to this many matching requests, then let them through (default: every one). */
  times?: number;
}

/** A running proxy. */
export interface FaultProxy {
  /** `127.0.0.1:<port>`: the registry host clients use. */
  host: string;
  /** Requests seen, as "METHOD path", faulted or not. */
  requests: string[];
  /** Replaces the rules (first match wins). */
  set(...rules: FaultRule[]): void;
  /** Removes every rule: pure pass-through. */
  clear(): void;
  close(): Promise<void>;
}

/** The false digest a `false-digest` fault sends by default. */
export const FALSE_DIGEST = `sha256:${"0badc0de".repeat(8)}`;

function rewrite(body: Buffer): Buffer {
  try {
    const json = JSON.parse(body.toString("utf8")) as { annotations?: Record<string, string> };
    json.annotations = { ...json.annotations, "org.example.tampered": "yes" };
    return Buffer.from(JSON.stringify(json));
  } catch {
    return Buffer.concat([body, Buffer.from(" ")]);
  }
}

/** Starts a proxy in front of `upstream` (`127.0.0.1:<port>` of a real registry). */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const port = await freePort();
  const self = `127.0.0.1:${port}`;
  let rules: (FaultRule & { used: number })[] = [];
  const requests: string[] = [];
  const sockets = new Set<Socket>();

  const pick = (req: IncomingMessage): Fault | undefined => {
    for (const rule of rules) {
      if (rule.method && rule.method !== req.method) continue;
      if (rule.path && !rule.path.test(req.url ?? "")) continue;
      if (rule.times !== undefined && rule.used >= rule.times) continue;
      rule.used++;
      return rule.fault;
    }
    return undefined;
  };

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    fault: Fault | undefined,
  ): void => {
    const [host, targetPort] = upstream.split(":");
    const upstreamReq = request(
      {
        host,
        port: Number(targetPort),
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream },
      },
      (reply) => {
        const headers = { ...reply.headers };
        // Upload locations point at the registry; keep clients on the proxy.
        if (typeof headers.location === "string") headers.location = headers.location.replace(upstream, self);
        const chunks: Buffer[] = [];
        reply.on("data", (c: Buffer) => chunks.push(c));
        reply.on("end", () => {
          let out: Buffer = Buffer.concat(chunks);
          if (fault?.kind === "rewrite-body" && out.length > 0) out = rewrite(out);
          if (fault?.kind === "false-digest") headers["docker-content-digest"] = fault.digest ?? FALSE_DIGEST;
          if (fault?.kind === "body") {
            out = Buffer.from(fault.body ?? '{"schemaVersion": 2, "manifests": [');
            if (fault.dropDigest) delete headers["docker-content-digest"];
            if (fault.digest) headers["docker-content-digest"] = fault.digest;
          }
          if (fault?.kind === "headers") Object.assign(headers, fault.set);
          if (fault?.kind === "stall-body") {
            delete headers["content-length"];
            headers["transfer-encoding"] = "chunked";
            res.writeHead(reply.statusCode ?? 502, headers);
            res.write(out.subarray(0, Math.min(4, out.length)));
            return; // and never end
          }
          if (req.method !== "HEAD") headers["content-length"] = String(out.length);
          res.writeHead(reply.statusCode ?? 502, headers);
          res.end(req.method === "HEAD" ? undefined : out);
        });
      },
    );
    upstreamReq.on("error", () => res.destroy());
    upstreamReq.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push(`${req.method} ${req.url}`);
      const fault = pick(req);
      if (fault?.kind === "stall") return;
      if (fault?.kind === "drop") {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === "status") {
        const body = fault.body ?? "";
        res.writeHead(fault.status, { "content-length": String(Buffer.byteLength(body)), ...fault.headers });
        res.end(req.method === "HEAD" ? undefined : body);
        return;
      }
      forward(req, res, Buffer.concat(chunks), fault);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    host: self,
    requests,
    set: (...next) => {
      rules = next.map((rule) => ({ ...rule, used: 0 }));
    },
    clear: () => {
      rules = [];
    },
    close: () =>
      new Promise((r) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => r());
      }),
  };
}
