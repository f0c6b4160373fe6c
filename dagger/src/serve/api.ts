/** serve's REST API: runs, their logs (Server-Sent Events while running), environments and deployments. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { EnvironmentsView } from "../adapters/gitops/environments-view.js";
import { type GitAuth, git } from "../adapters/gitops/git.js";
import type { Store } from "../adapters/serve/store.js";
import type { PipelineConfig } from "../core/config/config.js";
import { isSettled, RUN_STATUSES } from "../core/serve/queue.js";
import { manualDecision } from "../core/serve/webhook-events.js";
import { hasOwnKey, isHexSha, isOciTag } from "../core/validate.js";
import { HttpError, parseJsonObject, readBody, sendJson } from "./http-util.js";

/** What the API handlers share. */
export interface ApiContext {
  store: Store;
  config: PipelineConfig;
  repoUrl?: string;
  repoAuth?: GitAuth;
  gitopsAuth?: GitAuth;
  /** The gitops repo's environments, fetched at most once per interval (server.ts makes it). */
  environmentsView?: EnvironmentsView;
}

const positive = (text: string | null): number | undefined => {
  if (text === null || text === "") return undefined;
  if (!/^\d{1,15}$/.test(text)) throw new HttpError(400, "a paging value is not a positive whole number");
  return Number(text);
};

/** GET /api/runs?status=&kind=&ref=&env=&before=&limit= */
export async function listRuns(url: URL, res: ServerResponse, ctx: ApiContext): Promise<void> {
  const status = url.searchParams.get("status") ?? undefined;
  if (status !== undefined && !(RUN_STATUSES as readonly string[]).includes(status))
    throw new HttpError(400, `status must be one of ${RUN_STATUSES.join(", ")}`);
  const limit = positive(url.searchParams.get("limit")) ?? 50;
  const runs = await ctx.store.listRuns({
    status,
    kind: url.searchParams.get("kind") ?? undefined,
    ref: url.searchParams.get("ref") ?? undefined,
    env: url.searchParams.get("env") ?? undefined,
    before: positive(url.searchParams.get("before")),
    limit,
  });
  const withStages = await Promise.all(
    runs.map(async (run) => ({ ...run, stages: await ctx.store.stages(run.id) })),
  );
  sendJson(res, 200, { runs: withStages, next: runs.length === limit ? runs[runs.length - 1]!.id : null });
}

/** GET /api/runs/:id */
export async function getRun(id: number, res: ServerResponse, ctx: ApiContext): Promise<void> {
  const run = await ctx.store.getRun(id);
  if (!run) throw new HttpError(404, `run ${id} does not exist`);
  sendJson(res, 200, { ...run, stages: await ctx.store.stages(id) });
}

/** GET /api/runs/:id/logs: JSON lines, or an event stream that follows the run until it ends. */
export async function runLogs(
  id: number,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
): Promise<void> {
  if (!(await ctx.store.getRun(id))) throw new HttpError(404, `run ${id} does not exist`);
  let after =
    positive(url.searchParams.get("after") ?? (req.headers["last-event-id"] as string | undefined) ?? null) ??
    0;
  if (!String(req.headers.accept ?? "").includes("text/event-stream")) {
    return sendJson(res, 200, { lines: await ctx.store.logs(id, after, 5000) });
  }
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
  });
  let open = true;
  req.on("close", () => {
    open = false;
  });
  while (open) {
    const run = await ctx.store.getRun(id);
    const lines = await ctx.store.logs(id, after);
    for (const line of lines) {
      res.write(`id: ${line.id}\ndata: ${JSON.stringify(line)}\n\n`);
      after = line.id;
    }
    // Ended, or waiting for an approval: nothing more comes until someone acts.
    if (lines.length === 0 && run && isSettled(run.status)) {
      res.write(`event: end\ndata: ${JSON.stringify({ status: run.status })}\n\n`);
      break;
    }
    if (lines.length === 0) await new Promise((r) => setTimeout(r, 200));
  }
  res.end();
}

/** POST /api/runs {ref, sha?}: a manual run; without sha, the ref's commit on --repo-url. */
export async function createRun(req: IncomingMessage, res: ServerResponse, ctx: ApiContext): Promise<void> {
  const body = parseJsonObject(await readBody(req), '{"ref": "refs/heads/main"}');
  if (typeof body.ref !== "string")
    throw new HttpError(400, 'ref is required (example: {"ref": "refs/heads/main"})');
  let sha = body.sha;
  if (sha === undefined) {
    if (!ctx.repoUrl) throw new HttpError(400, "sha is required when serve has no --repo-url");
    const listed = await git(["ls-remote", "--", ctx.repoUrl, body.ref], {
      auth: ctx.repoAuth,
      allowFail: true,
    });
    sha = listed.stdout.split(/\s/)[0];
    if (!sha) throw new HttpError(404, `${body.ref.slice(0, 100)} is not on the repository`);
  }
  if (!isHexSha(sha)) throw new HttpError(400, "sha is not a commit sha");
  const decision = manualDecision(body.ref, sha, ctx.config.rules);
  if (decision.action !== "run")
    return sendJson(res, 200, { ignored: true, reason: (decision as { reason?: string }).reason });
  const queued = await ctx.store.enqueue({
    kind: "build",
    source: "api",
    ref: decision.ref,
    sha: decision.sha,
    fetchRef: decision.fetchRef,
    pr: decision.pr ?? null,
    rule: decision.rule,
  });
  sendJson(res, 202, { id: queued.id, status: "queued", cancelled: queued.cancelled });
}

/** POST /api/runs/:id/cancel */
export async function cancelRun(id: number, res: ServerResponse, ctx: ApiContext): Promise<void> {
  if (!(await ctx.store.getRun(id))) throw new HttpError(404, `run ${id} does not exist`);
  if (!(await ctx.store.cancel(id))) throw new HttpError(409, `run ${id} has already ended`);
  sendJson(res, 202, { id, cancelling: true });
}

function requireEnv(env: string, config: PipelineConfig): void {
  if (!hasOwnKey(config.environments, env))
    throw new HttpError(
      404,
      `${env.slice(0, 60)} is not an environment; known: ${Object.keys(config.environments).join(", ")}`,
    );
}

/**
 * GET /api/environments: the current version and recent history of each, read from the gitops log
 * of one clone that is fetched at most once per interval, however many pages poll.
 */
export async function environments(res: ServerResponse, ctx: ApiContext): Promise<void> {
  if (!ctx.environmentsView) {
    const { environmentsView } = await import("../adapters/gitops/environments-view.js");
    ctx.environmentsView = environmentsView({ config: ctx.config, auth: ctx.gitopsAuth });
  }
  sendJson(res, 200, { environments: await ctx.environmentsView.environments(20) });
}

/** GET /api/deployments?env= */
export async function deployments(url: URL, res: ServerResponse, ctx: ApiContext): Promise<void> {
  sendJson(res, 200, { deployments: await ctx.store.deployments(url.searchParams.get("env") ?? undefined) });
}

/** POST /api/environments/:env/rollback {to?} and /promote {version}: queued behind that environment's other changes. */
export async function changeEnvironment(
  env: string,
  action: "rollback" | "promote",
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
): Promise<void> {
  requireEnv(env, ctx.config);
  const raw = await readBody(req);
  const body = raw.length
    ? parseJsonObject(raw, action === "promote" ? '{"version": "1.2.3"}' : '{"to": "1.2.3"} or no body')
    : {};
  const version = action === "promote" ? body.version : body.to;
  if (action === "promote" && version === undefined)
    throw new HttpError(400, 'version is required (example: {"version": "1.2.3"})');
  if (version !== undefined && !isOciTag(version))
    throw new HttpError(400, "the version is not a tag (example: 1.2.3)");
  const queued = await ctx.store.enqueue({
    kind: action,
    source: "api",
    env,
    version: (version as string | undefined) ?? null,
  });
  sendJson(res, 202, { id: queued.id, status: "queued" });
}
