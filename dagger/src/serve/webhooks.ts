/**
 * POST /hooks/github and /hooks/gitlab: size, then signature, then JSON, then replay, then the
 * plan's rules. A run is stored (with its delivery id) before the 202 is sent.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Store } from "../adapters/serve/store.js";
import type { PipelineConfig } from "../core/config/config.js";
import { githubDecision, gitlabDecision } from "../core/serve/webhook-events.js";
import { HttpError, header, parseJson, readBody, sendJson } from "./http-util.js";
import { githubSignatureValid, sameSecret } from "./webhook-signature.js";

/** Webhook secrets (from the environment only). */
export interface HookSecrets {
  github?: string;
  gitlab?: string;
}

/** Handles one webhook delivery from `provider`. */
export async function handleHook(
  provider: "github" | "gitlab",
  req: IncomingMessage,
  res: ServerResponse,
  ctx: { store: Store; config: PipelineConfig; secrets: HookSecrets },
): Promise<void> {
  const body = await readBody(req);
  if (provider === "github") {
    if (!ctx.secrets.github)
      throw new HttpError(401, "webhooks from GitHub are off: PIPELINE_GITHUB_SECRET is not set");
    if (!githubSignatureValid(ctx.secrets.github, body, header(req, "x-hub-signature-256")))
      throw new HttpError(401, "X-Hub-Signature-256 is missing or does not match the body");
  } else {
    if (!ctx.secrets.gitlab)
      throw new HttpError(401, "webhooks from GitLab are off: PIPELINE_GITLAB_TOKEN is not set");
    if (!sameSecret(header(req, "x-gitlab-token"), ctx.secrets.gitlab))
      throw new HttpError(401, "X-Gitlab-Token is missing or wrong");
  }
  const payload = parseJson(body);
  const deliveryHeader = provider === "github" ? "x-github-delivery" : "x-gitlab-event-uuid";
  const delivery = header(req, deliveryHeader);
  if (!delivery || delivery.length > 200) throw new HttpError(400, `${deliveryHeader} is missing`);
  const decision =
    provider === "github"
      ? githubDecision(header(req, "x-github-event") ?? "", payload, ctx.config.rules)
      : gitlabDecision(payload, ctx.config.rules);
  if (decision.action === "ignore") return sendJson(res, 200, { ignored: true, reason: decision.reason });
  const queued =
    decision.action === "cleanup"
      ? await ctx.store.enqueue(
          { kind: "cleanup", source: provider, pr: decision.pr },
          `${provider}:${delivery}`,
        )
      : await ctx.store.enqueue(
          {
            kind: "build",
            source: provider,
            ref: decision.ref,
            sha: decision.sha,
            fetchRef: decision.fetchRef,
            pr: decision.pr ?? null,
            rule: decision.rule,
            // A fork's pull request: its credentialed stages wait for a deployer's approval.
            fork: decision.fork === true,
          },
          `${provider}:${delivery}`,
        );
  if (queued.duplicate)
    return sendJson(res, 200, {
      ignored: true,
      reason: `delivery ${delivery} was already received`,
      id: queued.id,
    });
  sendJson(res, 202, { id: queued.id, status: "queued", cancelled: queued.cancelled });
}
