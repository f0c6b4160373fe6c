/**
 * A chart on its own version line (`chart.version: chart`): the chart ships at the `version` its
 * Chart.yaml says (chart 2.7.0 shipping app 0.31.0), as chart-testing's version-increment check
 * expects its maintainers to keep it. What a run decides:
 * - a release, release-candidate or other prerelease tag compares the chart folder with the
 *   previous release tag (the newest release below this version that the tag reaches: on a
 *   release branch, that branch's): unchanged, the chart is not pushed again and the run uses the
 *   version already released; changed, it is pushed at Chart.yaml's version, which must be above
 *   the one the previous release had (else the run is refused before anything is pushed: bump
 *   it), a prerelease tag adding its own prerelease (`2.8.0-rc.1`);
 * - the default branch and release branches push `<Chart.yaml's version + 1 patch>-sha-<7>`,
 *   above every release of the line, as `app` mode's `<next>-sha-<7>`;
 * - pull requests and other branches keep `0.0.0-pr-<n>-<7>` and `0.0.0-<slug>`.
 */
import { UsageError } from "../errors.js";
import { safeEcho } from "../validate.js";
import type { PipelineEvent } from "./event.js";
import * as semver from "./semver.js";
import { parseTagVersion, type TagVersion } from "./version.js";

/** The chart folder since the previous release tag, as git says (core of {@link chartHistoryFromDiff}). */
export interface ChartHistory {
  /** The previous release tag. */
  since: string;
  /** True when any file of the chart folder differs from that tag's. */
  changed: boolean;
  /** Chart.yaml's `version` at that tag: the version it released. */
  released: string;
}

/** What a run does with a chart on its own line. */
export interface ChartLineDecision {
  version: string;
  /** False when the version is already released and the chart unchanged: helm-push is left out. */
  push: boolean;
  /** Why, in words (plan and the skipped helm-push). */
  reason: string;
}

/**
 * The release before `version` among `tags`: the newest non-prerelease tag whose version is lower
 * (for `0.32.0-rc.1` and `0.32.0` alike, `0.31.x`); null for the first release.
 */
export function previousRelease(tags: readonly string[], version: string): TagVersion | null {
  let best: TagVersion | null = null;
  for (const tag of tags) {
    const v = parseTagVersion(tag);
    if (!v || v.prerelease || !semver.gt(version, v.version)) continue;
    if (!best || semver.gt(v.version, best.version)) best = v;
  }
  return best;
}

/** A Chart.yaml `version:` value, unquoted; null when the line holds none. */
function versionValue(line: string): string | null {
  const m = /^version:\s*(?:"([^"]*)"|'([^']*)'|([^\s#]+))\s*(?:#.*)?$/.exec(line);
  return m ? (m[1] ?? m[2] ?? m[3] ?? null) : null;
}

/**
 * The chart's history from `git diff -U0 <since> <head> -- <chart>` (adapters/release/git-context.ts
 * `chartDiff`): changed when the diff is not empty; the version released at `since` from the
 * Chart.yaml hunk's removed top-level `version:` line, else (the line did not change) `current`.
 */
export function chartHistoryFromDiff(
  diff: string,
  chartPath: string,
  since: string,
  current: string,
): ChartHistory {
  const file = `${chartPath.replace(/\/+$/, "")}/Chart.yaml`;
  let inChartYaml = false;
  let released = current;
  for (const line of diff.split("\n")) {
    if (line.startsWith("diff --git ")) inChartYaml = line.endsWith(` b/${file}`);
    else if (inChartYaml && line.startsWith("-") && !line.startsWith("---")) {
      const value = versionValue(line.slice(1));
      if (value !== null) released = value;
    }
  }
  return { since, changed: diff.trim() !== "", released };
}

/** The prerelease part of a tag's version (`rc.1` of `v0.32.0-rc.1`), or "". */
function prereleaseOf(tag: string): string {
  const pre = semver.prerelease(parseTagVersion(tag)?.version ?? "");
  return pre ? pre.join(".") : "";
}

/**
 * The chart version of a tag event (release, rc, prerelease, or a promotion of one) on the chart's
 * own line. `current` is Chart.yaml's version at the commit built; `history` null for the first
 * release. Throws a UsageError, before anything is pushed, when the chart changed and its version
 * did not go up.
 */
export function chartLineForTag(input: {
  event: PipelineEvent;
  chartPath: string;
  current: string;
  history: ChartHistory | null;
}): ChartLineDecision {
  const { event, current, history } = input;
  const pre = event.tag ? prereleaseOf(event.tag) : "";
  const withPre = (v: string) =>
    pre && event.kind !== "release-tag" ? `${semver.coerce(v)!.version}-${pre}` : v;
  if (!history) return { version: withPre(current), push: true, reason: "the chart line's first release" };
  if (!history.changed)
    return {
      version: history.released,
      push: false,
      reason: `${input.chartPath} is unchanged since ${history.since}: chart ${history.released} is already released`,
    };
  if (!semver.valid(history.released) || semver.gt(current, history.released))
    return {
      version: withPre(current),
      push: true,
      reason: `${input.chartPath} changed since ${history.since}, and Chart.yaml raised its version from ${history.released}`,
    };
  throw new UsageError(
    `chart.version: chart: ${input.chartPath} changed since ${history.since}, but its Chart.yaml version ${safeEcho(current)} is not above ${safeEcho(history.released)}, the version ${history.since} released; raise version in ${input.chartPath}/Chart.yaml (e.g. ${semver.inc(history.released, "patch") ?? "a higher one"}), commit, and tag again: nothing was pushed`,
  );
}

/** The chart version of a default- or release-branch build: the next patch of Chart.yaml's, as `-sha-<7>`. */
export function chartLineForBranch(current: string, sha: string): string {
  return `${semver.inc(current, "patch") ?? current}-sha-${sha.slice(0, 7)}`;
}
