/**
 * Versions from git: a tag's version (coercing near-semver tags), or the next version after the
 * newest release tag as a prerelease naming the branch and the distance.
 * Compared by semver, never as text (1.10.0 > 1.9.0).
 */
import { branchLine } from "./branches.js";
import * as semver from "./semver.js";

/** A version read from a tag. */
export interface TagVersion {
  /** The tag as written (`v1.2.3`, `1.8.7alpha`). */
  tag: string;
  /** Valid semver, without `v` (`1.2.3`, `1.8.7-alpha`). */
  version: string;
  /** True when the tag was not semver and was coerced into it. */
  coerced: boolean;
  prerelease: boolean;
}

/**
 * Reads a version from a tag name: exact semver with an optional `v`, or a close form coerced into
 * semver (`1.8.7alpha` -> `1.8.7-alpha`, `v1.2` -> `1.2.0`). Returns null when it is not a version.
 */
export function parseTagVersion(tag: string): TagVersion | null {
  const bare = tag.replace(/^v/, "");
  const exact = semver.valid(bare);
  if (exact) return { tag, version: exact, coerced: false, prerelease: semver.prerelease(exact) !== null };
  // Close to semver: missing minor/patch, or a prerelease glued on without a dash.
  const match = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-?([0-9A-Za-z][0-9A-Za-z.-]*))?$/.exec(bare);
  if (!match) return null;
  const [, major, minor = "0", patch = "0", pre] = match;
  const candidate = `${Number(major)}.${Number(minor)}.${Number(patch)}${pre ? `-${pre}` : ""}`;
  const coerced = semver.valid(candidate);
  if (!coerced) return null;
  return { tag, version: coerced, coerced: true, prerelease: pre !== undefined };
}

/** True for `vX.Y.Z-rc.N` (the `v` optional). */
export function isReleaseCandidate(tag: string): boolean {
  return /^v?\d+\.\d+\.\d+-rc\.\d+$/.test(tag);
}

/** The newest non-prerelease version among tags, by semver; null when there is none. */
export function newestRelease(tags: readonly string[]): TagVersion | null {
  let best: TagVersion | null = null;
  for (const tag of tags) {
    const v = parseTagVersion(tag);
    if (!v || v.prerelease) continue;
    if (!best || semver.gt(v.version, best.version)) best = v;
  }
  return best;
}

/** Lowercase ref slug usable in tags, namespaces and semver prereleases (`feat/Login_v2` -> `feat-login-v2`). */
export function slugify(ref: string, max = 40): string {
  return (
    ref
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, max)
      .replace(/-+$/, "") || "unnamed"
  );
}

/** What the version of a build is and where it came from. */
export interface ComputedVersion {
  version: string;
  /** `tag`: the tag's own version; `next`: derived from the newest release tag; `initial`: no tag yet. */
  source: "tag" | "next" | "initial";
  coerced: boolean;
  /** The release tag it was derived from, for `next`. */
  base?: string;
}

/**
 * The version of a build. On a tag: the tag's version. Otherwise the next version after a base
 * release tag (or `initial` when there is none), as the prerelease `<next>-<branch slug>.<distance>`
 * — e.g. `1.2.4-main.5`, five commits after v1.2.3 on main. The base:
 * - on a release branch, the newest release tag reachable on it, and the next patch; a branch
 *   naming its line (`release-1.4`, `v1.4`) before its first tag starts it at `1.4.0`;
 * - elsewhere, the newest release tag reachable from HEAD and the next patch, unless the
 *   repository has a newer release that HEAD does not reach (cut on a release branch): then that
 *   one and the next minor, so main is never versioned from an ancient tag nor below a release.
 */
export function computeVersion(input: {
  tag?: string | null;
  reachableTags: readonly string[];
  /** Every tag of the repository, reachable or not (default: the reachable ones). */
  allTags?: readonly string[];
  branch: string;
  /** True when `branch` is a release branch (core/release/branches.ts). */
  releaseBranch?: boolean;
  /** Commits since the newest reachable release tag (or since the root when there is none). */
  distance: number;
  initial: string;
}): ComputedVersion {
  if (input.tag) {
    const v = parseTagVersion(input.tag);
    if (v) return { version: v.version, source: "tag", coerced: v.coerced };
  }
  const reachable = newestRelease(input.reachableTags);
  let base = reachable;
  let next = reachable ? semver.inc(reachable.version, "patch")! : input.initial;
  if (input.releaseBranch) {
    const line = branchLine(input.branch);
    const start = line ? `${line.major}.${line.minor}.0` : null;
    if (start && (!reachable || semver.gt(start, reachable.version))) next = start;
  } else {
    const newest = newestRelease(input.allTags ?? []);
    if (newest && (!reachable || semver.gt(newest.version, reachable.version))) {
      base = newest;
      next = semver.inc(newest.version, "minor")!;
    }
  }
  return {
    version: `${next}-${slugify(input.branch || "detached")}.${input.distance}`,
    source: base ? "next" : "initial",
    coerced: false,
    base: base?.tag,
  };
}
