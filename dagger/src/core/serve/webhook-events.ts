/**
 * `pipeline serve`'s webhook decisions: a GitHub or GitLab delivery becomes a run, a preview
 * cleanup, or an ignored event with a reason. Whether a run is wanted is the plan's own rule
 * match (core/release/stages.ts), so a webhook and `pipeline plan` never disagree. Pure: JSON in, a
 * decision out.
 */
import type { BranchRule } from "../config/config.js";
import { PipelineError } from "../errors.js";
import { classifyEvent } from "../release/event.js";
import { selectStages } from "../release/stages.js";
import { isHexSha, isPrNumber } from "../validate.js";

/** What a delivery asks for. */
export type WebhookDecision =
  | {
      action: "run";
      /** The event's ref as the plan sees it (`refs/pull/N/merge` for a pull request). */
      ref: string;
      /** The pushed object: a commit, or for an annotated tag the tag object (the worker peels it). */
      sha: string;
      /** The ref the worker fetches from the repo. */
      fetchRef: string;
      pr?: number;
      rule: string;
      /**
       * A pull request from another repository (a fork), or one that does not say where it comes
       * from: its credentialed stages wait for a deployer's approval.
       */
      fork?: boolean;
    }
  | { action: "cleanup"; pr: number }
  | { action: "ignore"; reason: string };

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

const PR_RUN = new Set(["opened", "synchronize", "reopened"]);
const MR_RUN = new Set(["open", "update", "reopen"]);
const MR_CLEANUP = new Set(["close", "merge"]);

/** Decides what a GitHub delivery (`X-GitHub-Event` header and parsed body) asks for. */
export function githubDecision(event: string, body: unknown, rules: readonly BranchRule[]): WebhookDecision {
  const payload = obj(body);
  if (event === "ping") return { action: "ignore", reason: "ping" };
  if (event === "push") {
    if (payload.deleted === true) return { action: "ignore", reason: "a deleted branch or tag" };
    const ref = str(payload.ref);
    const sha = str(payload.after);
    if (!ref || !sha) return { action: "ignore", reason: "a push without ref or after" };
    return pushDecision(ref, sha, rules);
  }
  if (event === "pull_request") {
    const action = str(payload.action) ?? "";
    const pr = payload.number;
    if (!isPrNumber(pr)) return { action: "ignore", reason: "a pull_request without a number" };
    if (action === "closed") return { action: "cleanup", pr };
    if (!PR_RUN.has(action))
      return { action: "ignore", reason: `pull_request action ${action} runs nothing` };
    const pull = obj(payload.pull_request);
    const sha = str(obj(pull.head).sha);
    if (!sha) return { action: "ignore", reason: "a pull_request without head.sha" };
    const head = str(obj(obj(pull.head).repo).full_name);
    const base = str(obj(obj(pull.base).repo).full_name);
    return prDecision(pr, sha, `refs/pull/${pr}/head`, rules, !head || head !== base);
  }
  return { action: "ignore", reason: `GitHub event ${event.slice(0, 40) || "(none)"} is not handled` };
}

/** Decides what a GitLab delivery (parsed body; `object_kind` says which event) asks for. */
export function gitlabDecision(body: unknown, rules: readonly BranchRule[]): WebhookDecision {
  const payload = obj(body);
  const kind = str(payload.object_kind) ?? "";
  if (kind === "push" || kind === "tag_push") {
    const ref = str(payload.ref);
    // GitLab sends 40 zeros as `after` (and no checkout_sha) when a ref is deleted.
    const sha = str(payload.checkout_sha) ?? str(payload.after);
    if (!ref) return { action: "ignore", reason: `a ${kind} without ref` };
    if (!sha || /^0+$/.test(sha)) return { action: "ignore", reason: "a deleted branch or tag" };
    return pushDecision(ref, sha, rules);
  }
  if (kind === "merge_request") {
    const attributes = obj(payload.object_attributes);
    const iid = attributes.iid;
    const action = str(attributes.action) ?? "";
    if (!isPrNumber(iid)) return { action: "ignore", reason: "a merge_request without iid" };
    if (MR_CLEANUP.has(action)) return { action: "cleanup", pr: iid };
    if (!MR_RUN.has(action))
      return { action: "ignore", reason: `merge_request action ${action} runs nothing` };
    const sha = str(obj(attributes.last_commit).id);
    if (!sha) return { action: "ignore", reason: "a merge_request without last_commit.id" };
    const source = attributes.source_project_id;
    const fork = typeof source !== "number" || source !== attributes.target_project_id;
    return prDecision(iid, sha, `refs/merge-requests/${iid}/head`, rules, fork);
  }
  return { action: "ignore", reason: `GitLab event ${kind.slice(0, 40) || "(none)"} is not handled` };
}

/**
 * A manual run for a ref (`POST /api/runs`): the same rule match as a webhook's. A deployer asked
 * for it by name, so a pull request's run is not held for approval.
 */
export function manualDecision(ref: string, sha: string, rules: readonly BranchRule[]): WebhookDecision {
  const pr = /^refs\/pull\/(\d+)\/(?:merge|head)$/.exec(ref)?.[1];
  if (pr !== undefined) return prDecision(Number(pr), sha, `refs/pull/${pr}/head`, rules, false);
  return pushDecision(ref, sha, rules);
}

function pushDecision(ref: string, sha: string, rules: readonly BranchRule[]): WebhookDecision {
  return matched(ref, sha, ref, undefined, rules);
}

function prDecision(
  pr: number,
  sha: string,
  fetchRef: string,
  rules: readonly BranchRule[],
  fork: boolean,
): WebhookDecision {
  const decision = matched(`refs/pull/${pr}/merge`, sha, fetchRef, pr, rules);
  return decision.action === "run" ? { ...decision, fork } : decision;
}

function matched(
  ref: string,
  sha: string,
  fetchRef: string,
  pr: number | undefined,
  rules: readonly BranchRule[],
): WebhookDecision {
  if (!isHexSha(sha)) return { action: "ignore", reason: "the commit is not a hex sha" };
  try {
    const event = classifyEvent({ ref, sha, ...(pr !== undefined ? { pr } : {}) }, {}, { sha, branch: "" });
    const selection = selectStages(rules, event);
    if (!selection.rule)
      return { action: "ignore", reason: `no rule in pipeline.yaml matches ${event.kind} ${ref}` };
    return { action: "run", ref, sha, fetchRef, ...(pr !== undefined ? { pr } : {}), rule: selection.rule };
  } catch (error) {
    // A tag that is not a version, or a ref git would refuse: nothing to run, say why.
    if (error instanceof PipelineError) return { action: "ignore", reason: error.message };
    throw error;
  }
}
