/**
 * Reads what the plan needs from a checkout and the CI environment, in three git calls whatever
 * the number of tags: HEAD and branch, the tags merged into HEAD with their object type, and the
 * distance from the newest release tag. Git runs through a {@link GitRunner}: a local process
 * for the CLI, a container for the Dagger module — the same reads either way.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { UsageError } from "../core/errors.js";
import type { GitHead } from "../core/event.js";
import { newestRelease } from "../core/version.js";

/** A tag reachable from HEAD. */
export interface ReachableTag {
  name: string;
  /** "tag" for annotated tags, "commit" for lightweight ones. */
  objectType: "tag" | "commit";
  /** The commit it points to. */
  commit: string;
}

/** The checkout, as the plan sees it. */
export interface GitContext extends GitHead {
  tags: ReachableTag[];
}

/** Runs `git <args>` in the checkout and resolves to stdout. */
export type GitRunner = (args: string[]) => Promise<string>;

/** A runner for a local checkout at `root`. */
export function localGit(root: string): GitRunner {
  return async (args) => {
    try {
      return execFileSync("git", args, {
        cwd: root,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim().split("\n")[0] ?? "";
      throw new UsageError(
        `git ${args[0]} failed in ${root}: ${stderr || String(error)} (run inside a git checkout, or pass --ref and --sha)`,
      );
    }
  };
}

/** Reads HEAD, the branch and the tags merged into HEAD. */
export async function readGitContext(git: GitRunner): Promise<GitContext> {
  const [sha = "", branch = ""] = (await git(["rev-parse", "HEAD", "--abbrev-ref", "HEAD"]))
    .trim()
    .split("\n");
  const tags: ReachableTag[] = [];
  const refs = await git([
    "for-each-ref",
    "--merged",
    "HEAD",
    "--format=%(refname:strip=2)%09%(objecttype)%09%(objectname)%09%(*objectname)",
    "refs/tags",
  ]);
  for (const line of refs.split("\n")) {
    if (!line) continue;
    const [name = "", type = "", object = "", peeled = ""] = line.split("\t");
    tags.push({ name, objectType: type === "tag" ? "tag" : "commit", commit: peeled || object });
  }
  const atHead = tags.filter((t) => t.commit === sha).map((t) => t.name);
  return {
    sha,
    branch: branch === "HEAD" ? "" : branch,
    tags,
    ...(atHead.length ? { tagAtHead: pickTag(atHead) } : {}),
  };
}

// Several tags on one commit: prefer the release (newest by semver), then any other.
function pickTag(names: string[]): string {
  return newestRelease(names)?.tag ?? [...names].sort().at(-1)!;
}

/** Commits from `base` (a tag) to HEAD, or from the root when `base` is null. */
export async function distanceFrom(git: GitRunner, base: string | null): Promise<number> {
  return Number((await git(["rev-list", "--count", base ? `refs/tags/${base}..HEAD` : "HEAD"])).trim());
}

/** The pull request number and head sha from GitHub's event payload, when running in Actions. */
export function readGithubEvent(env: Readonly<Record<string, string | undefined>>): {
  prNumber?: number;
  prHeadSha?: string;
} {
  const path = env.GITHUB_EVENT_PATH;
  if (!path || !existsSync(path)) {
    const m = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? "");
    return m ? { prNumber: Number(m[1]) } : {};
  }
  const payload = JSON.parse(readFileSync(path, "utf8")) as {
    pull_request?: { number?: number; head?: { sha?: string } };
  };
  return payload.pull_request
    ? { prNumber: payload.pull_request.number, prHeadSha: payload.pull_request.head?.sha }
    : {};
}

/** The URL of the current CI run, when known (GitHub Actions or GitLab CI). */
export function runUrl(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  }
  return env.CI_PIPELINE_URL;
}
