/**
 * What kind of run this is — branch push, pull request, release tag, release-candidate tag, other
 * prerelease tag, or manual promotion — from explicit flags, GitHub Actions variables, GitLab CI
 * variables, or the local git checkout, in that order of precedence: flags win.
 */
import type { EventKind } from "./config.js";
import { UsageError } from "./errors.js";
import { isReleaseCandidate, parseTagVersion } from "./version.js";

/** A classified run context. */
export interface PipelineEvent {
  kind: EventKind;
  /** Full git ref (`refs/heads/main`, `refs/tags/v1.2.3`, `refs/pull/42/merge`). */
  ref: string;
  /** The commit being built (for pull requests: the head commit). */
  sha: string;
  branch?: string;
  tag?: string;
  pr?: number;
  /** Where the context came from. */
  source: "flags" | "github" | "gitlab" | "git";
}

/** Explicit overrides from the command line. */
export interface EventFlags {
  ref?: string;
  sha?: string;
  pr?: number;
  /** `promotion` marks a manual promotion run. */
  event?: string;
}

/** What the local checkout says (read by adapters/git-context.ts). */
export interface GitHead {
  sha: string;
  /** Current branch; empty when detached. */
  branch: string;
  /** A tag pointing at HEAD, if any (the newest by semver when several). */
  tagAtHead?: string;
}

const REF = /^refs\/(heads\/(.+)|tags\/(.+)|pull\/(\d+)\/(merge|head))$/;
const SHA = /^[0-9a-f]{7,40}$/;

/** Validates a full ref, throwing a UsageError that shows the accepted forms. */
export function parseRef(ref: string): { branch?: string; tag?: string; pr?: number } {
  const m = REF.exec(ref);
  if (!m) {
    throw new UsageError(
      `--ref "${ref}" is not a full git ref (examples: refs/heads/main, refs/tags/v1.2.3, refs/pull/42/merge)`,
    );
  }
  if (m[2]) return { branch: m[2] };
  if (m[3]) return { tag: m[3] };
  return { pr: Number(m[4]) };
}

/** Validates a commit sha (7 to 40 lowercase hex digits). */
export function parseSha(sha: string): string {
  if (!SHA.test(sha))
    throw new UsageError(`--sha "${sha}" is not a commit sha (7 to 40 hex digits, e.g. 3f2a9c1)`);
  return sha;
}

function kindOfTag(tag: string): EventKind {
  const version = parseTagVersion(tag);
  if (!version) {
    throw new UsageError(`tag "${tag}" is not a version (examples: v1.2.3, 1.2.3, v1.2.0-rc.1)`);
  }
  if (isReleaseCandidate(tag)) return "rc-tag";
  return version.prerelease ? "prerelease-tag" : "release-tag";
}

function fromRef(ref: string, sha: string, source: PipelineEvent["source"], pr?: number): PipelineEvent {
  const parsed = parseRef(ref);
  if (parsed.pr !== undefined || pr !== undefined)
    return { kind: "pull-request", ref, sha, pr: parsed.pr ?? pr, source };
  if (parsed.tag) return { kind: kindOfTag(parsed.tag), ref, sha, tag: parsed.tag, source };
  return { kind: "branch", ref, sha, branch: parsed.branch, source };
}

/**
 * Classifies the run. `env` is the process environment (GitHub: GITHUB_ACTIONS, GITHUB_REF,
 * GITHUB_SHA, GITHUB_EVENT_NAME, plus the pull request number and head sha the adapter read from
 * GITHUB_EVENT_PATH; GitLab: GITLAB_CI, CI_COMMIT_TAG, CI_COMMIT_BRANCH, CI_MERGE_REQUEST_IID,
 * CI_COMMIT_SHA). Flags override everything; `--event promotion` makes a manual promotion.
 */
export function classifyEvent(
  flags: EventFlags,
  env: Readonly<Record<string, string | undefined>>,
  git: GitHead,
  github: { prNumber?: number; prHeadSha?: string } = {},
): PipelineEvent {
  if (flags.event !== undefined && flags.event !== "promotion") {
    throw new UsageError(`--event "${flags.event}" is not known (the only explicit event is: promotion)`);
  }
  if (flags.sha !== undefined) parseSha(flags.sha);
  if (flags.ref !== undefined) parseRef(flags.ref);
  let event: PipelineEvent;
  if (flags.ref !== undefined || flags.pr !== undefined) {
    const ref = flags.ref ?? (flags.pr !== undefined ? `refs/pull/${flags.pr}/merge` : "");
    event = fromRef(ref, flags.sha ?? git.sha, "flags", flags.pr);
  } else if (env.GITHUB_ACTIONS === "true" && env.GITHUB_REF) {
    const pr = github.prNumber;
    const sha = flags.sha ?? github.prHeadSha ?? env.GITHUB_SHA ?? git.sha;
    event = fromRef(env.GITHUB_REF, sha, "github", pr);
  } else if (env.GITLAB_CI === "true") {
    const sha = flags.sha ?? env.CI_COMMIT_SHA ?? git.sha;
    if (env.CI_MERGE_REQUEST_IID) {
      event = fromRef(`refs/pull/${env.CI_MERGE_REQUEST_IID}/merge`, sha, "gitlab");
    } else if (env.CI_COMMIT_TAG) {
      event = fromRef(`refs/tags/${env.CI_COMMIT_TAG}`, sha, "gitlab");
    } else {
      event = fromRef(`refs/heads/${env.CI_COMMIT_BRANCH ?? git.branch}`, sha, "gitlab");
    }
  } else if (git.tagAtHead) {
    event = fromRef(`refs/tags/${git.tagAtHead}`, flags.sha ?? git.sha, "git");
  } else {
    event = fromRef(`refs/heads/${git.branch || "HEAD"}`, flags.sha ?? git.sha, "git");
  }
  if (flags.sha !== undefined) event.sha = flags.sha;
  if (flags.event === "promotion") event.kind = "promotion";
  return event;
}
