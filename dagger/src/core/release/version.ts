/**
 * Versions from git: a tag's version (coercing near-semver tags), or the next patch after the
 * newest release tag reachable from HEAD as a prerelease naming the branch and the distance.
 * Compared by semver, never as text (1.10.0 > 1.9.0).
 */
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
 * The version of a build. On a tag: the tag's version. Otherwise the next patch after the newest
 * release tag reachable from HEAD (or `initial` when there is none), as the prerelease
 * `<next>-<branch slug>.<distance>` — e.g. `1.2.4-main.5`, five commits after v1.2.3 on main.
 */
export function computeVersion(input: {
  tag?: string | null;
  reachableTags: readonly string[];
  branch: string;
  /** Commits since the newest release tag (or since the root when there is none). */
  distance: number;
  initial: string;
}): ComputedVersion {
  if (input.tag) {
    const v = parseTagVersion(input.tag);
    if (v) return { version: v.version, source: "tag", coerced: v.coerced };
  }
  const base = newestRelease(input.reachableTags);
  const next = base ? semver.inc(base.version, "patch")! : input.initial;
  return {
    version: `${next}-${slugify(input.branch || "detached")}.${input.distance}`,
    source: base ? "next" : "initial",
    coerced: false,
    base: base?.tag,
  };
}
