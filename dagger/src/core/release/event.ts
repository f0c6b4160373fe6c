/**
 * What kind of run this is — branch push, pull request, release tag, release-candidate tag, other
 * prerelease tag, or manual promotion — from explicit flags, GitHub Actions variables, GitLab CI
 * variables, or the local git checkout, in that order of precedence: flags win.
 */
import type { EventKind } from "../config/config.js";
import { UsageError } from "../errors.js";
import { isGitBranchName, isHexSha, isPrNumber, parsePrNumber, safeEcho } from "../validate.js";
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

/** What the local checkout says (read by adapters/release/git-context.ts). */
export interface GitHead {
  sha: string;
  /** Current branch; empty when detached. */
  branch: string;
  /** A tag pointing at HEAD, if any (the newest by semver when several). */
  tagAtHead?: string;
}

const REF = /^refs\/(heads\/(.+)|tags\/(.+)|pull\/(\d+)\/(merge|head))$/s;

/**
 * Validates a full ref, throwing a UsageError that shows the accepted forms. Branch and tag names
 * must be names git accepts, and a pull request number a safe positive integer. `label` names
 * where the ref came from (`--ref`, `GITHUB_REF`, `CI_COMMIT_TAG`).
 */
export function parseRef(ref: string, label = "--ref"): { branch?: string; tag?: string; pr?: number } {
  const m = REF.exec(ref);
  if (!m) {
    throw new UsageError(
      `${label} ${safeEcho(ref)} is not a full git ref (examples: refs/heads/main, refs/tags/v1.2.3, refs/pull/42/merge)`,
    );
  }
  const name = m[2] ?? m[3];
  if (name !== undefined) {
    if (!isGitBranchName(name)) {
      throw new UsageError(
        `${label} ${safeEcho(ref)} names a ${m[2] ? "branch" : "tag"} git would refuse (no spaces, control characters, "..", or leading "-")`,
      );
    }
    return m[2] ? { branch: name } : { tag: name };
  }
  const pr = parsePrNumber(m[4]);
  if (pr === null) {
    throw new UsageError(
      `${label} ${safeEcho(ref)}: the pull request number is not a positive whole number below 2^53 (example: refs/pull/42/merge)`,
    );
  }
  return { pr };
}

/**
 * Validates a commit sha: 7 to 40 lowercase hex digits, or 64 in a SHA-256 repository. `label`
 * names its source (`--sha`, `GITHUB_SHA`, `CI_COMMIT_SHA`, the event file).
 */
export function parseSha(sha: string, label = "--sha"): string {
  if (!isHexSha(sha)) {
    throw new UsageError(
      `${label} ${safeEcho(sha)} is not a commit sha (7 to 40 lowercase hex digits, or 64, e.g. 3f2a9c1)`,
    );
  }
  return sha;
}

function kindOfTag(tag: string): EventKind {
  const version = parseTagVersion(tag);
  if (!version) {
    throw new UsageError(`tag ${safeEcho(tag)} is not a version (examples: v1.2.3, 1.2.3, v1.2.0-rc.1)`);
  }
  if (isReleaseCandidate(tag)) return "rc-tag";
  return version.prerelease ? "prerelease-tag" : "release-tag";
}

function fromRef(
  ref: string,
  sha: string,
  source: PipelineEvent["source"],
  pr?: number,
  label = "--ref",
): PipelineEvent {
  const parsed = parseRef(ref, label);
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
    throw new UsageError(
      `--event ${safeEcho(flags.event)} is not known (the only explicit event is: promotion)`,
    );
  }
  if (flags.sha !== undefined) parseSha(flags.sha);
  if (flags.ref !== undefined) parseRef(flags.ref);
  if (flags.pr !== undefined && !isPrNumber(flags.pr)) {
    throw new UsageError(`--pr ${safeEcho(flags.pr)} is not a pull request number (example: --pr 42)`);
  }
  // Every sha is checked where it comes from: it ends up in tags (`sha-<7>`), commits and argv.
  const gitSha = (): string => parseSha(git.sha, "the checkout's HEAD");
  let event: PipelineEvent;
  if (flags.ref !== undefined || flags.pr !== undefined) {
    const ref = flags.ref ?? (flags.pr !== undefined ? `refs/pull/${flags.pr}/merge` : "");
    event = fromRef(ref, flags.sha ?? gitSha(), "flags", flags.pr);
  } else if (env.GITHUB_ACTIONS === "true" && env.GITHUB_REF) {
    const pr = github.prNumber;
    if (pr !== undefined && !isPrNumber(pr)) {
      throw new UsageError(
        `GITHUB_EVENT_PATH: pull_request.number ${safeEcho(pr)} is not a pull request number`,
      );
    }
    const sha =
      flags.sha ??
      (github.prHeadSha !== undefined
        ? parseSha(github.prHeadSha, "GITHUB_EVENT_PATH pull_request.head.sha")
        : env.GITHUB_SHA !== undefined
          ? parseSha(env.GITHUB_SHA, "GITHUB_SHA")
          : gitSha());
    event = fromRef(env.GITHUB_REF, sha, "github", pr, "GITHUB_REF");
  } else if (env.GITLAB_CI === "true") {
    const sha =
      flags.sha ??
      (env.CI_COMMIT_SHA !== undefined ? parseSha(env.CI_COMMIT_SHA, "CI_COMMIT_SHA") : gitSha());
    if (env.CI_MERGE_REQUEST_IID) {
      if (parsePrNumber(env.CI_MERGE_REQUEST_IID) === null) {
        throw new UsageError(
          `CI_MERGE_REQUEST_IID ${safeEcho(env.CI_MERGE_REQUEST_IID)} is not a merge request number (a positive whole number)`,
        );
      }
      event = fromRef(
        `refs/pull/${env.CI_MERGE_REQUEST_IID}/merge`,
        sha,
        "gitlab",
        undefined,
        "CI_MERGE_REQUEST_IID",
      );
    } else if (env.CI_COMMIT_TAG) {
      event = fromRef(`refs/tags/${env.CI_COMMIT_TAG}`, sha, "gitlab", undefined, "CI_COMMIT_TAG");
    } else {
      event = fromRef(
        `refs/heads/${env.CI_COMMIT_BRANCH ?? git.branch}`,
        sha,
        "gitlab",
        undefined,
        "CI_COMMIT_BRANCH",
      );
    }
  } else if (git.tagAtHead) {
    event = fromRef(`refs/tags/${git.tagAtHead}`, flags.sha ?? gitSha(), "git", undefined, "the tag at HEAD");
  } else {
    event = fromRef(
      `refs/heads/${git.branch || "HEAD"}`,
      flags.sha ?? gitSha(),
      "git",
      undefined,
      "the checkout's branch",
    );
  }
  if (flags.sha !== undefined) event.sha = flags.sha;
  if (flags.event === "promotion") event.kind = "promotion";
  return event;
}
