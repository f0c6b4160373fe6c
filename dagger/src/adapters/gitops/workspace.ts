/**
 * The one way the pipeline changes the gitops repo: shallow-clone, change files, commit, push; on
 * a non-fast-forward rejection (someone pushed first), start again from the new head and re-apply
 * the change from scratch, with jittered backoff, a bounded number of times. A change that fails
 * validation throws before anything is committed, so nothing half done is ever pushed.
 */
import { writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { PipelineConfig } from "../../core/config/config.js";
import { FailureError, UsageError } from "../../core/errors.js";
import { escapeControl, requireNoUserInfo } from "../../core/validate.js";
import { keepTempDir, makeTempDir, removeTempDir } from "../process-lifecycle.js";
import { type GitAuth, git, isNonFastForward } from "./git.js";

/** Where the gitops repo is and how to reach it. */
export interface GitopsTarget {
  config: PipelineConfig;
  /** Clone URL or local path; default gitops.repo. */
  repo?: string;
  auth?: GitAuth;
  /** Attempts on non-fast-forward (default 10). */
  attempts?: number;
}

/** What a change callback decided. */
export interface ChangeOutcome<T> {
  /** Commit message; null when there is nothing to change. */
  message: string | null;
  result: T;
}

/** The result of one commit-and-push. */
export interface CommitResult<T> {
  commit: string | null;
  attempts: number;
  result: T;
}

/** The clone URL: local paths become file:// URLs (shallow clones need a URL). */
export function remoteUrl(target: GitopsTarget): string {
  const repo = target.repo ?? target.config.gitops.repo;
  if (!repo)
    throw new UsageError(`${target.config.file}: gitops.repo is empty; set it or pass --repo <url or path>`);
  // Also scp-like `user:password@host:path`, which git would hand to ssh's argv.
  requireNoUserInfo(repo, target.repo ? "--repo" : `${target.config.file}: gitops.repo`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/]+@[^:]+:/.test(repo)) return repo;
  return pathToFileURL(isAbsolute(repo) ? repo : resolve(repo)).href;
}

/** Clones the branch shallowly into a fresh temp dir, which is removed again when the clone fails. */
export async function cloneShallow(
  target: GitopsTarget,
  branch = target.config.gitops.branch,
): Promise<string> {
  const url = remoteUrl(target);
  const dir = makeTempDir("pipeline-gitops-");
  try {
    await git(["clone", "--quiet", "--depth", "1", "--single-branch", "--branch", branch, "--", url, dir], {
      auth: target.auth,
    });
  } catch (error) {
    removeTempDir(dir);
    throw error;
  }
  return dir;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Clones, runs `change` on the work tree, commits and pushes to `branch` (default gitops.branch),
 * retrying from a fresh clone when the push is rejected as non-fast-forward.
 */
export async function commitWithRetry<T>(
  target: GitopsTarget,
  change: (dir: string) => Promise<ChangeOutcome<T>> | ChangeOutcome<T>,
  options: { branch?: string; pushBranch?: string; force?: boolean } = {},
): Promise<CommitResult<T>> {
  const attempts = target.attempts ?? 10;
  const { authorName, authorEmail } = target.config.gitops;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const dir = await cloneShallow(target, options.branch);
    try {
      const outcome = await change(dir);
      if (!outcome.message) return { commit: null, attempts: attempt, result: outcome.result };
      await git(["add", "-A"], { cwd: dir });
      const commit = await commitFromMessage(dir, outcome.message, authorName, authorEmail);
      const push = await git(
        [
          "push",
          "--porcelain",
          ...(options.force ? ["--force"] : []),
          "origin",
          `HEAD:refs/heads/${options.pushBranch ?? options.branch ?? target.config.gitops.branch}`,
        ],
        { cwd: dir, auth: target.auth, remote: remoteUrl(target), allowFail: true },
      );
      if (push.code === 0) return { commit, attempts: attempt, result: outcome.result };
      if (!isNonFastForward(push.stderr + push.stdout))
        throw pushFailure(push.code, push.stdout, push.stderr);
      // Someone pushed first: back off a little (jittered, so racers spread out) and redo on their head.
      await sleep(Math.random() * 100 * attempt);
    } finally {
      // PIPELINE_KEEP_WORKTREE=1 keeps the clone for debugging (and lets tests inspect .git/config).
      if (process.env.PIPELINE_KEEP_WORKTREE) keepTempDir(dir);
      else removeTempDir(dir);
    }
  }
  throw new FailureError(
    `gave up after ${attempts} attempts: the gitops branch kept moving (retry the command)`,
  );
}

/**
 * Why a push was refused, from git's porcelain status line (`! HEAD:refs/heads/main [remote
 * rejected] (pre-receive hook declined)`), control characters escaped and cut short.
 */
function pushFailure(code: number, stdout: string, stderr: string): FailureError {
  const status = stdout.split("\n").find((l) => l.startsWith("!"));
  const lines = stderr.split("\n").map((l) => l.trim());
  // What a hook said (its last line), after git's own reason: both help whoever reads the log.
  const said = lines
    .filter((l) => l.startsWith("remote: ") && l.length > 8)
    .slice(-1)[0]
    ?.slice(8);
  const reason = [
    status?.split("\t").slice(2).join(" ") ?? lines.filter(Boolean).slice(-1)[0],
    said && `remote said: ${said}`,
  ]
    .filter(Boolean)
    .join("; ");
  const printable = escapeControl(reason.trim()).slice(0, 240);
  return new FailureError(
    `git push to the gitops repo failed (exit ${code})${printable ? `: ${printable}` : ""}; nothing was changed there`,
  );
}

/** Commits the staged change with the message from a file (it has newlines) and returns the sha. */
async function commitFromMessage(dir: string, message: string, name: string, email: string): Promise<string> {
  const file = join(dir, ".git", "PIPELINE_MSG");
  writeFileSync(file, message);
  await git(
    ["-c", `user.name=${name}`, "-c", `user.email=${email}`, "commit", "--quiet", "--no-verify", "-F", file],
    { cwd: dir },
  );
  return (await git(["rev-parse", "HEAD"], { cwd: dir })).stdout.trim();
}
