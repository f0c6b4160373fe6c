/**
 * serve's HTTP server on node:http: no framework, because the webhooks need the raw body for
 * their HMAC, the routes are a dozen, and Server-Sent Events are a loop of writes; a framework
 * would add dependencies (and its own body parsing to work around) for a switch statement.
 * Each request is logged as method, path (without query) and status: never headers, so never a token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { environmentsView } from "../adapters/gitops/environments-view.js";
import { allows, type Role, requiredRole } from "../core/serve/roles.js";
import {
  type ApiContext,
  cancelRun,
  changeEnvironment,
  createRun,
  deployments,
  environments,
  getRun,
  listRuns,
  runLogs,
} from "./api.js";
import { approveRun } from "./approvals.js";
import { roleOf } from "./auth.js";
import {
  decodePathSegment,
  HttpError,
  type HttpLimits,
  httpLimits,
  SECURITY_HEADERS,
  sendJson,
} from "./http-util.js";
import { renderMetrics } from "./metrics.js";
import { OPENAPI } from "./openapi.js";
import { STATUS_PAGE, statusPageCsp } from "./page.js";
import { type HookSecrets, handleHook } from "./webhooks.js";

/** What the server needs. */
export interface ServerContext extends ApiContext {
  secrets: HookSecrets;
  tokens: readonly { role: Role; token: string }[];
  workers: { count: number; busy(): number };
  /** Where request lines go. */
  log: (line: string) => void;
  /** Request timeouts and the connection cap (defaults: http-util.ts `HTTP_DEFAULTS`). */
  limits?: Partial<HttpLimits>;
  /** How old the environments view may be before a request fetches the gitops repo (ms). */
  gitopsRefreshMs?: number;
}

/**
 * Creates the server (not yet listening). A client must send its request's headers and body within
 * the limits' timeouts (a trickling client is cut off with 408), and connections past the cap are
 * closed at once; every answer carries the security headers (no framing, no sniffing, no content).
 */
export function createServeServer(given: ServerContext): Server {
  const limits = httpLimits(given.limits);
  // One view of the gitops repo for every request, fetched at most once per interval.
  const ctx: ServerContext = {
    ...given,
    environmentsView:
      given.environmentsView ??
      environmentsView({ config: given.config, auth: given.gitopsAuth }, { maxAgeMs: given.gitopsRefreshMs }),
  };
  const options = {
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    // Node checks both timeouts on this tick (default 30 s): check often enough to honour them.
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
  };
  const server = createServer(options, (req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const started = Date.now();
    const path = (req.url ?? "/").split("?")[0]!;
    res.on("finish", () =>
      ctx.log(`${req.method} ${path.slice(0, 200)} ${res.statusCode} ${Date.now() - started}ms`),
    );
    route(req, res, ctx).catch((error: unknown) => {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (error instanceof HttpError) {
        const close: Record<string, string> = error.status === 413 ? { connection: "close" } : {};
        return sendJson(res, error.status, { error: error.message }, close);
      }
      ctx.log(`error on ${req.method} ${path.slice(0, 200)}: ${(error as Error).message?.split("\n")[0]}`);
      sendJson(res, 500, { error: "internal error (see the server's log)" });
    });
  });
  server.maxConnections = limits.maxConnections;
  server.on("close", () => ctx.environmentsView?.close());
  return server;
}

async function route(req: IncomingMessage, res: ServerResponse, ctx: ServerContext): Promise<void> {
  const url = new URL(req.url ?? "/", "http://serve.invalid");
  const path = url.pathname;
  const method = req.method ?? "GET";
  const needed = requiredRole(method, path);
  let role: Role | null = null;
  if (needed) {
    role = roleOf(req, ctx.tokens);
    if (!role) throw new HttpError(401, "a bearer token is required (Authorization: Bearer <token>)");
    if (!allows(role, needed))
      throw new HttpError(403, `this needs the ${needed} role; the token has ${role}`);
  }
  if (method === "POST" && path === "/hooks/github") return handleHook("github", req, res, ctx);
  if (method === "POST" && path === "/hooks/gitlab") return handleHook("gitlab", req, res, ctx);
  if (method === "GET" && path === "/healthz") return sendJson(res, 200, { ok: true });
  if (method === "GET" && path === "/readyz") {
    try {
      await ctx.store.db.all("SELECT 1 AS ok");
      return sendJson(res, 200, { ready: true });
    } catch {
      return sendJson(res, 503, { ready: false, reason: "the database does not answer" });
    }
  }
  if (method === "GET" && path === "/metrics") {
    const text = await renderMetrics(ctx.store, ctx.workers.busy(), ctx.workers.count);
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
    return void res.end(text);
  }
  if (method === "GET" && (path === "/" || path === "/index.html")) {
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      // Only the page's own script and style run; it talks to this server only.
      "content-security-policy": statusPageCsp(),
    });
    return void res.end(STATUS_PAGE);
  }
  if (method === "GET" && path === "/api/openapi.json") return sendJson(res, 200, OPENAPI);
  if (method === "GET" && path === "/api/whoami") return sendJson(res, 200, { role });
  if (method === "GET" && path === "/api/runs") return listRuns(url, res, ctx);
  if (method === "POST" && path === "/api/runs") return createRun(req, res, ctx);
  if (method === "GET" && path === "/api/environments") return environments(res, ctx);
  if (method === "GET" && path === "/api/deployments") return deployments(url, res, ctx);
  const run = /^\/api\/runs\/(\d{1,15})(\/logs|\/cancel|\/approve)?$/.exec(path);
  if (run) {
    const id = Number(run[1]);
    if (method === "GET" && !run[2]) return getRun(id, res, ctx);
    if (method === "GET" && run[2] === "/logs") return runLogs(id, url, req, res, ctx);
    if (method === "POST" && run[2] === "/cancel") return cancelRun(id, res, ctx);
    if (method === "POST" && run[2] === "/approve") return approveRun(id, req, res, ctx);
  }
  const env = /^\/api\/environments\/([^/]{1,100})\/(rollback|promote)$/.exec(path);
  if (env && method === "POST")
    return changeEnvironment(
      decodePathSegment(env[1]!, "the environment"),
      env[2] as "rollback" | "promote",
      req,
      res,
      ctx,
    );
  throw new HttpError(404, `no route for ${method} ${path.slice(0, 100)}`);
}
