/**
 * The checkout's default branch when pipeline.yaml does not name one: origin/HEAD (what `git
 * clone` records), else GitLab's CI_DEFAULT_BRANCH. Read from the file git keeps, without
 * running git: config loads on every command and `plan` has a 300 ms budget.
 */
import { readFileSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";

/** Where origin/HEAD lives under a git directory (a symbolic ref is never packed). */
export const ORIGIN_HEAD = "refs/remotes/origin/HEAD";

/** The branch an origin/HEAD file points at (`ref: refs/remotes/origin/master` -> `master`). */
export function parseOriginHead(text: string): string | undefined {
  const m = /^ref: refs\/remotes\/origin\/(\S+)\s*$/.exec(text);
  return m && m[1] !== "HEAD" ? m[1] : undefined;
}

/** The git directory of a checkout at `root`: `.git`, or where a `.git` file (worktree, submodule) points. */
function gitDir(root: string): string | undefined {
  const dotGit = join(root, ".git");
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
    const m = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, "utf8"));
    if (!m) return undefined;
    const dir = m[1]!.trim();
    return isAbsolute(dir) ? dir : join(root, dir);
  } catch {
    return undefined;
  }
}

/** The default branch of the checkout at `root`, or undefined when neither git nor CI says. */
export function detectDefaultBranch(
  root: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const dir = gitDir(root);
  if (dir) {
    // A worktree's refs live in the common dir.
    for (const base of [dir, join(dir, "..", "..")]) {
      try {
        const branch = parseOriginHead(readFileSync(join(base, ORIGIN_HEAD), "utf8"));
        if (branch) return branch;
      } catch {
        // Not there: try the next place.
      }
    }
  }
  return env.CI_DEFAULT_BRANCH || undefined;
}
