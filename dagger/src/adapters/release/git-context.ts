/**
 * Reads what the plan needs from a checkout and the CI environment, in three git calls whatever
 * the number of tags: HEAD with its branch and committer time and every tag's name, the tags
 * merged into HEAD with their object type and their commits' times, and either the distance from
 * the newest release tag (a branch) or the chart's diff since the previous release (a tag with
 * `chart.version: chart`; core/release/chart-version.ts). Git
 * runs through a {@link GitRunner}: a local process for the CLI, a container for the Dagger
 * module — the same reads either way.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { UsageError } from "../../core/errors.js";
import type { GitHead } from "../../core/release/event.js";
import { newestRelease } from "../../core/release/version.js";
import { escapeControl, isHexSha, isPrNumber, parsePrNumber, safeEcho } from "../../core/validate.js";
import { readInputFile } from "../input-file.js";

/** The largest GitHub event payload read (GitHub caps webhook payloads at 25 MB). */
export const MAX_EVENT_BYTES = 25 * 1024 * 1024;

/** A tag reachable from HEAD. */
export interface ReachableTag {
  name: string;
  /** "tag" for annotated tags, "commit" for lightweight ones. */
  objectType: "tag" | "commit";
  /** The commit it points to. */
  commit: string;
  /** That commit's committer time, seconds since the epoch. */
  time: number;
}

/** The checkout, as the plan sees it. */
export interface GitContext extends GitHead {
  /** HEAD's committer time, seconds since the epoch (the source date of what is built). */
  time: number;
  tags: ReachableTag[];
  /** Every tag of the checkout, reachable or not (releases cut on release branches are not). */
  allTags: string[];
}

/** `for-each-ref` fields of a tag: type, object, peeled commit, and the commit's time either way. */
const TAG_FIELDS =
  "%(objecttype)%09%(objectname)%09%(*objectname)%09%(committerdate:unix)%09%(*committerdate:unix)";

/** A tag from the {@link TAG_FIELDS} columns after its name. */
function tagOf(name: string, [type = "", object = "", peeled = "", time = "", peeledTime = ""]: string[]) {
  return {
    name,
    objectType: type === "tag" ? ("tag" as const) : ("commit" as const),
    commit: peeled || object,
    time: Number(peeledTime || time) || 0,
  };
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
        // Local reads take milliseconds; a hung git (a lock, a prompt) must not hang the CLI.
        timeout: 60_000,
      });
    } catch (error) {
      // Never the whole command line or String(error): both repeat argv; stderr's first line, cut.
      const failure = error as {
        stderr?: string;
        status?: number | null;
        signal?: string | null;
        code?: string;
      };
      const stderr = escapeControl(failure.stderr?.trim().split("\n")[0] ?? "").slice(0, 200);
      const why =
        stderr ||
        (failure.code
          ? `${failure.code}`
          : failure.signal
            ? `killed by ${failure.signal}`
            : `exit ${failure.status}`);
      throw new UsageError(
        `git ${args[0]} failed in ${safeEcho(root, 200)}: ${why} (run inside a git checkout, or pass --ref and --sha)`,
        { cause: error },
      );
    }
  };
}

/**
 * HEAD's sha, committer time and branch, then one line per tagged commit with its tags, in one
 * call: `--no-walk` lists only the commits named (HEAD first, then every tag's), without walking
 * history. The branch is read from HEAD's decoration (`HEAD -> main`; a detached HEAD shows
 * `HEAD`), the tags from `tag: <name>`; --decorate-refs overrides any log.excludeDecoration, and
 * signatures and colours are off whatever the user's config says.
 */
export const HEAD_ARGS = [
  "log",
  "--no-walk=unsorted",
  "--no-show-signature",
  "--no-color",
  "--format=%H%x09%ct%x09%D",
  "--decorate-refs=HEAD",
  "--decorate-refs=refs/heads/",
  "--decorate-refs=refs/tags/",
  "HEAD",
  "--tags",
] as const;

/** The tag names of `git log --format=%D` decorations (`HEAD -> main, tag: v1.0.0`). */
function decoratedTags(decoration: string): string[] {
  return decoration
    .split(", ")
    .filter((ref) => ref.startsWith("tag: "))
    .map((ref) => ref.slice("tag: ".length));
}

/** Reads HEAD (sha, time, branch), every tag's name, and the tags merged into HEAD. */
export async function readGitContext(git: GitRunner): Promise<GitContext> {
  const lines = (await git([...HEAD_ARGS])).split("\n").filter(Boolean);
  const [sha = "", time = "", decoration = ""] = (lines[0] ?? "").split("\t");
  const allTags = lines.flatMap((line) => decoratedTags(line.split("\t")[2] ?? ""));
  // Branch names hold no spaces, so ", " separates refs and " -> " follows HEAD only.
  const head = decoration.split(", ").find((ref) => ref.startsWith("HEAD -> "));
  const tags: ReachableTag[] = [];
  const refs = await git([
    "for-each-ref",
    "--merged",
    "HEAD",
    `--format=%(refname:strip=2)%09${TAG_FIELDS}`,
    "refs/tags",
  ]);
  for (const line of refs.split("\n")) {
    if (!line) continue;
    const [name = "", ...fields] = line.split("\t");
    tags.push(tagOf(name, fields));
  }
  const atHead = tags.filter((t) => t.commit === sha).map((t) => t.name);
  return {
    sha,
    branch: head ? head.slice("HEAD -> ".length) : "",
    time: Number(time) || 0,
    tags,
    allTags: [...new Set([...allTags, ...tags.map((t) => t.name)])],
    ...(atHead.length ? { tagAtHead: pickTag(atHead) } : {}),
  };
}

/**
 * One tag of the checkout, whether or not HEAD contains it, with the commit it peels to (an
 * annotated tag's own object is not a commit); null when the checkout has no such tag.
 */
export async function readTag(git: GitRunner, name: string): Promise<ReachableTag | null> {
  const line = (await git(["for-each-ref", `--format=${TAG_FIELDS}`, `refs/tags/${name}`]))
    .split("\n")
    .find(Boolean);
  return line ? tagOf(name, line.split("\t")) : null;
}

// Several tags on one commit: prefer the release (newest by semver), then any other.
function pickTag(names: string[]): string {
  return newestRelease(names)?.tag ?? [...names].sort().at(-1)!;
}

/** Commits from `base` (a tag) to HEAD, or from the root when `base` is null. */
export async function distanceFrom(git: GitRunner, base: string | null): Promise<number> {
  return Number((await git(["rev-list", "--count", base ? `refs/tags/${base}..HEAD` : "HEAD"])).trim());
}

/**
 * The changes to the chart folder `path` from the tag `base` to `head` (a tag, else HEAD), as a
 * zero-context diff: empty when the chart did not change; its Chart.yaml hunk shows the version
 * the chart had at `base` (core/release/chart-version.ts reads it). External diff drivers and
 * text conversion are off whatever the user's config says.
 */
export async function chartDiff(
  git: GitRunner,
  base: string,
  head: { tag?: string },
  path: string,
): Promise<string> {
  return git([
    "diff",
    "-U0",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-renames",
    `refs/tags/${base}`,
    head.tag ? `refs/tags/${head.tag}` : "HEAD",
    "--",
    path,
  ]);
}

/**
 * The pull request number and head sha from GitHub's event payload, when running in Actions.
 * The payload is read as a capped regular file; malformed JSON, a number that is not a safe
 * positive integer or a sha that is not hex is a one-line usage error that never repeats the file.
 */
export function readGithubEvent(env: Readonly<Record<string, string | undefined>>): {
  prNumber?: number;
  prHeadSha?: string;
} {
  const path = env.GITHUB_EVENT_PATH;
  if (!path || !existsSync(path)) {
    const m = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? "");
    const pr = m ? parsePrNumber(m[1]) : null;
    return pr !== null ? { prNumber: pr } : {};
  }
  const text = readInputFile(path, {
    root: dirname(path),
    maxBytes: MAX_EVENT_BYTES,
    label: "GITHUB_EVENT_PATH",
    hint: "point it at the JSON event payload GitHub Actions writes",
  });
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    // No cause and no message from JSON.parse: it quotes the text, and a link to a secrets file
    // would be printed (with PIPELINE_DEBUG, through the cause).
    throw new UsageError(
      "GITHUB_EVENT_PATH: the event file is not valid JSON (point it at GitHub's event payload)",
    );
  }
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) {
    throw new UsageError(
      "GITHUB_EVENT_PATH: the event file is not a JSON object (point it at GitHub's event payload)",
    );
  }
  const pr = (payload as { pull_request?: unknown }).pull_request;
  if (pr === undefined || pr === null) return {};
  if (typeof pr !== "object") throw new UsageError("GITHUB_EVENT_PATH: pull_request is not an object");
  const { number, head } = pr as { number?: unknown; head?: { sha?: unknown } };
  if (!isPrNumber(number)) {
    throw new UsageError(
      `GITHUB_EVENT_PATH: pull_request.number ${safeEcho(number)} is not a pull request number`,
    );
  }
  const sha = head && typeof head === "object" ? head.sha : undefined;
  if (sha !== undefined && !isHexSha(sha)) {
    throw new UsageError(`GITHUB_EVENT_PATH: pull_request.head.sha ${safeEcho(sha)} is not a commit sha`);
  }
  return { prNumber: number, ...(typeof sha === "string" ? { prHeadSha: sha } : {}) };
}

/** The URL of the current CI run, when known (GitHub Actions or GitLab CI). */
export function runUrl(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  }
  return env.CI_PIPELINE_URL;
}
