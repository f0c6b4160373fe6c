/**
 * The `latest` tag policy: move `latest` only for an annotated release tag whose version is newer
 * (by semver) than the one `latest` points to now — unless the strategy forces or skips it.
 */
import * as semver from "./semver.js";
import { parseTagVersion } from "./version.js";

/** How a git tag was made: `git tag -a` (annotated) or a plain ref (lightweight). */
export type TagType = "annotated" | "lightweight";

const PRERELEASE_WORDS = /alpha|beta|rc|pre|dev|test/i;

/**
 * The tag type, from (in order) an explicit override (TAG_TYPE_OVERRIDE or a flag), the git object
 * type of the tag ("tag" means annotated), then the name: alpha|beta|rc|pre|dev|test -> lightweight.
 */
export function resolveTagType(input: {
  override?: string | null;
  gitObjectType?: "tag" | "commit" | null;
  tagName: string;
}): { type: TagType; source: "override" | "git" | "heuristic" } {
  if (input.override === "annotated" || input.override === "lightweight")
    return { type: input.override, source: "override" };
  if (input.gitObjectType === "tag") return { type: "annotated", source: "git" };
  if (input.gitObjectType === "commit") return { type: "lightweight", source: "git" };
  return { type: PRERELEASE_WORDS.test(input.tagName) ? "lightweight" : "annotated", source: "heuristic" };
}

/** What `latest` is decided from. */
export interface LatestInput {
  version: string;
  strategy: "auto" | "force" | "skip";
  tagType: TagType;
  /** The version `latest` points to now; null when `latest` does not exist. */
  current: string | null;
  /** Also move `X` and `X.Y`. */
  majorMinor: boolean;
}

/** Whether to move `latest`, which tags move, and why, in one sentence. */
export interface LatestDecision {
  update: boolean;
  tags: string[];
  reason: string;
}

/**
 * The tags a release moves, in the order they are written: `X` and `X.Y` before `latest`, so
 * `latest` (the tag the decision reads) moves last. A run that fails half way leaves `latest`
 * where it was, and the re-run decides the same and completes the move.
 */
function tagsFor(version: string, majorMinor: boolean): string[] {
  if (!majorMinor) return ["latest"];
  const v = semver.parse(version)!;
  return [`${v.major}`, `${v.major}.${v.minor}`, "latest"];
}

/** Decides the `latest` move for a release. */
export function decideLatest(input: LatestInput): LatestDecision {
  const parsed = parseTagVersion(input.version);
  if (input.strategy === "skip") return { update: false, tags: [], reason: "The latest strategy is skip." };
  if (!parsed)
    return { update: false, tags: [], reason: `${input.version} is not a version, so latest stays.` };
  const version = parsed.version;
  const tags = tagsFor(version, input.majorMinor);
  if (input.strategy === "force")
    return { update: true, tags, reason: `The latest strategy is force, so latest moves to ${version}.` };
  if (input.tagType !== "annotated") {
    return {
      update: false,
      tags: [],
      reason: `${input.version} is a lightweight tag; only annotated release tags move latest.`,
    };
  }
  if (parsed.prerelease)
    return { update: false, tags: [], reason: `${version} is a prerelease; only releases move latest.` };
  const current = input.current ? parseTagVersion(input.current)?.version : null;
  if (!current)
    return {
      update: true,
      tags,
      reason: `latest does not point to a version yet, so it moves to ${version}.`,
    };
  if (semver.gt(version, current))
    return { update: true, tags, reason: `${version} is newer than ${current}, so latest moves.` };
  if (semver.eq(version, current)) {
    // With X and X.Y, check them too: a run cut short by an older pipeline may have moved only latest.
    if (input.majorMinor)
      return {
        update: true,
        tags,
        reason: `latest already points to ${version}; its major and minor tags are checked and completed.`,
      };
    return { update: false, tags: [], reason: `latest already points to ${version}.` };
  }
  return {
    update: false,
    tags: [],
    reason: `${version} is older than ${current} (semver), so latest stays.`,
  };
}
