/**
 * Reads a repository for `pipeline init` (core/init/plan.ts decides): its file list without
 * dependency and output folders, the texts the plan asks for, the default branch from
 * origin/HEAD, origin's URL without credentials, and its tags. Links are never followed, and the walk stops
 * at a bound, so a huge or hostile tree costs a bounded time.
 */
import { closeSync, lstatSync, openSync, readdirSync, readSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { CHART_ROOTS, chartDirs } from "../../core/chart/discovery.js";
import { GO_HEAD_BYTES, type RepoListing, wantsText } from "../../core/init/listing.js";
import { redactUrl } from "../../core/validate.js";
import { localGit } from "../release/git-context.js";

/** The most files listed; a Go service has far fewer. */
const MAX_FILES = 50_000;
/** The most bytes read of a YAML or go.mod file. */
const MAX_TEXT_BYTES = 256 * 1024;
/** The most bytes read of a chart's CRD or template: generated CRDs run to megabytes, and the field init looks for may be anywhere. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Folders never walked: VCS data, dependencies, caches and output. */
const NOT_WALKED = new Set([".git", "node_modules", "vendor", ".out", "dist", ".cache", ".idea", ".vscode"]);

function readHead(file: string, max: number): string {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(max);
    const n = readSync(fd, buffer, 0, max, 0);
    return buffer.subarray(0, n).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** The files under `root` (or under its `only` folders), repo-relative, of at most `maxDepth` path segments. */
function listFiles(root: string, only?: readonly string[], maxDepth = Number.POSITIVE_INFINITY): string[] {
  const files: string[] = [];
  const walk = (dir: string, rel: string, depth: number) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (files.length >= MAX_FILES) return;
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!NOT_WALKED.has(entry.name) && depth + 1 < maxDepth) walk(join(dir, entry.name), path, depth + 1);
      } else if (entry.isFile()) {
        files.push(path);
      }
    }
  };
  if (!only) walk(root, "", 0);
  for (const folder of only ?? []) {
    // lstat: a chart root that is a symlink is not walked (links are never followed).
    let isDir = false;
    try {
      isDir = lstatSync(join(root, folder)).isDirectory();
    } catch {
      isDir = false;
    }
    if (isDir) walk(join(root, folder), folder, 1);
  }
  return files;
}

/**
 * The chart folders of the repository at `root` (see core/chart/discovery.ts): only the chart
 * roots are walked, a few levels deep, so loading the config stays fast in a large repository.
 */
export function findChartDirs(root: string): string[] {
  return chartDirs(listFiles(resolve(root), CHART_ROOTS, 5));
}

async function gitOrNull(root: string, args: string[]): Promise<string | null> {
  try {
    const out = (await localGit(root)(args)).trim();
    return out || null;
  } catch {
    return null;
  }
}

/** The branch origin/HEAD names; else main or master when only one exists; else the current branch. */
async function defaultBranch(root: string): Promise<string | null> {
  const originHead = await gitOrNull(root, [
    "symbolic-ref",
    "--quiet",
    "--short",
    "refs/remotes/origin/HEAD",
  ]);
  if (originHead?.startsWith("origin/")) return originHead.slice("origin/".length);
  const heads =
    (await gitOrNull(root, ["for-each-ref", "--format=%(refname:short)", "refs/heads"]))?.split("\n") ?? [];
  if (heads.includes("main") !== heads.includes("master")) return heads.includes("main") ? "main" : "master";
  const current = await gitOrNull(root, ["symbolic-ref", "--quiet", "--short", "HEAD"]);
  return current;
}

/** Lists the repository at `dir` for {@link planInit}. */
export async function scanRepo(dir: string): Promise<RepoListing> {
  const root = resolve(dir);
  const files = listFiles(root);
  const texts: Record<string, string> = {};
  for (const path of files) {
    if (!wantsText(path)) continue;
    const full = join(root, path);
    if (!lstatSync(full).isFile()) continue;
    const max = path.endsWith(".go")
      ? GO_HEAD_BYTES
      : /(^|\/)(crds|templates)\//.test(path)
        ? MAX_MANIFEST_BYTES
        : MAX_TEXT_BYTES;
    texts[path] = readHead(full, max);
  }
  const origin = await gitOrNull(root, ["remote", "get-url", "origin"]);
  const tags = await gitOrNull(root, ["tag", "--list"]);
  return {
    name: basename(root),
    files,
    texts,
    defaultBranch: await defaultBranch(root),
    originUrl: origin ? redactUrl(origin) : null,
    tags: tags ? tags.split("\n").filter(Boolean) : [],
  };
}

/**
 * The `dagger -m` ref of the module this CLI ships in: `github.com/<owner>/<repo>@<tag or sha>`
 * when its checkout has a GitHub origin, else its local path (which CI can't load: `init` says so).
 */
export async function thisModuleRef(moduleDir: string): Promise<{ ref: string; remote: boolean }> {
  const origin = await gitOrNull(moduleDir, ["remote", "get-url", "origin"]);
  const m = /github\.com[/:]([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(origin ?? "");
  if (m) {
    const version =
      (await gitOrNull(moduleDir, ["describe", "--tags", "--exact-match", "HEAD"])) ??
      (await gitOrNull(moduleDir, ["rev-parse", "HEAD"]));
    if (version) return { ref: `github.com/${m[1]}/${m[2]}@${version}`, remote: true };
  }
  return { ref: moduleDir, remote: false };
}
