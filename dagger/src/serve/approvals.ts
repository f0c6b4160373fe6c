/**
 * POST /api/runs/:id/approve: a deployer lets a fork's pull request run its credentialed stages
 * (publish, preview, promote). Who and when are stored with the run and shown by the API and the
 * page; a run waiting for the approval is queued again and continues where it stopped.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Store } from "../adapters/serve/store.js";
import type { Role } from "../core/serve/roles.js";
import { callerOf } from "./auth.js";
import { HttpError, sendJson } from "./http-util.js";

/** Approves run `id` for the request's caller (the route has checked the deployer role). */
export async function approveRun(
  id: number,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: { store: Store; tokens: readonly { role: Role; token: string }[] },
): Promise<void> {
  const who = callerOf(req, ctx.tokens);
  if (!who) throw new HttpError(401, "a bearer token is required (Authorization: Bearer <token>)");
  const outcome = await ctx.store.approve(id, who);
  if (outcome === "missing") throw new HttpError(404, `run ${id} does not exist`);
  if (outcome === "not-fork")
    throw new HttpError(409, `run ${id} is not a fork's pull request: it needs no approval`);
  if (outcome === "already") throw new HttpError(409, `run ${id} is approved already`);
  if (outcome === "ended") throw new HttpError(409, `run ${id} has ended: a new push makes a new run`);
  const run = await ctx.store.getRun(id);
  sendJson(res, 202, { id, approvedBy: run?.approvedBy, approvedAt: run?.approvedAt, status: run?.status });
}
