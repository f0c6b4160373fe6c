/**
 * Gathers a plan's inputs — git, CI variables, flags — and asks the core for the plan. The CLI's
 * `plan` and `version` commands and the Dagger module's `plan()` all come through here.
 */
import type { PipelineConfig } from "../../core/config/config.js";
import { UsageError } from "../../core/errors.js";
import { branchKind } from "../../core/release/branches.js";
import {
  type ChartHistory,
  chartHistoryFromDiff,
  previousRelease,
} from "../../core/release/chart-version.js";
import { classifyEvent, type EventFlags } from "../../core/release/event.js";
import { nameRules } from "../../core/release/names.js";
import { assemblePlan, type Plan } from "../../core/release/plan.js";
import { SOURCE_DATE_EPOCH, sourceDate } from "../../core/release/source-date.js";
import { computeVersion, newestRelease, parseTagVersion } from "../../core/release/version.js";
import { hasOwnKey, isPrNumber, safeEcho } from "../../core/validate.js";
import {
  chartDiff,
  distanceFrom,
  type GitRunner,
  readGitContext,
  readGithubEvent,
  readTag,
  runUrl,
} from "./git-context.js";

/** Flags of `pipeline plan` (all optional). */
export interface PlanFlags extends EventFlags {
  tagType?: string;
  latestCurrent?: string;
  /** Target of a manual promotion. */
  env?: string;
}

/** Validates the plan flags that the event classifier does not know. */
export function checkPlanFlags(flags: PlanFlags, config: PipelineConfig): void {
  if (flags.pr !== undefined && !isPrNumber(flags.pr)) {
    throw new UsageError(
      `--pr ${safeEcho(flags.pr)} is not a pull request number (a positive whole number below 2^53, example: --pr 42)`,
    );
  }
  if (flags.tagType !== undefined && flags.tagType !== "annotated" && flags.tagType !== "lightweight") {
    throw new UsageError(`--tag-type ${safeEcho(flags.tagType)} must be annotated or lightweight`);
  }
  if (flags.latestCurrent !== undefined && !parseTagVersion(flags.latestCurrent)) {
    throw new UsageError(
      `--latest-current ${safeEcho(flags.latestCurrent)} is not a version (example: 1.10.0)`,
    );
  }
  // Own properties only: `--env constructor` or `__proto__` must not find Object.prototype's.
  if (flags.env !== undefined && !hasOwnKey(config.environments, flags.env)) {
    throw new UsageError(
      `--env ${safeEcho(flags.env)} is not an environment of ${config.file}; known: ${Object.keys(config.environments).join(", ")}`,
    );
  }
}

/**
 * Computes the plan for the checkout `runGit` reads. Its `created` is the source date, never the
 * clock: `SOURCE_DATE_EPOCH` from `env` when set, else the committer time of the event's commit
 * (core/release/source-date.ts), so planning one commit twice gives the same plan.
 */
export async function planFor(
  runGit: GitRunner,
  config: PipelineConfig,
  flags: PlanFlags,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Plan> {
  checkPlanFlags(flags, config);
  const git = await readGitContext(runGit);
  const event = classifyEvent(flags, env, git, readGithubEvent(env));
  // `--ref refs/tags/X` without --sha is that tag's commit, not HEAD's, when the checkout has it
  // (a tag it lacks plans this commit as if tagged).
  const tag =
    event.tag === undefined
      ? undefined
      : (git.tags.find((t) => t.name === event.tag) ?? (await readTag(runGit, event.tag)) ?? undefined);
  if (tag && event.source === "flags" && flags.sha === undefined) event.sha = tag.commit;
  const tagNames = git.tags.map((t) => t.name);
  const base = newestRelease(tagNames);
  const version = computeVersion({
    tag: event.tag,
    reachableTags: tagNames,
    allTags: git.allTags,
    branch: event.branch ?? git.branch,
    releaseBranch: event.kind === "branch" && branchKind(event.branch, nameRules(config)) === "release",
    distance: event.tag ? 0 : await distanceFrom(runGit, base?.tag ?? null),
    initial: config.versioning.initial,
  });
  return assemblePlan({
    chartHistory: await chartHistoryFor(runGit, config, event, version.version, tagNames, !!tag),
    config,
    event,
    version,
    tagObjectType: tag?.objectType ?? null,
    tagTypeOverride: flags.tagType ?? env.TAG_TYPE_OVERRIDE ?? null,
    latestCurrent: flags.latestCurrent,
    created: sourceDate({
      sourceDateEpoch: env[SOURCE_DATE_EPOCH],
      sha: event.sha,
      head: { sha: git.sha, time: git.time },
      known: tag ? [tag, ...git.tags] : git.tags,
    }).iso,
    runUrl: runUrl(env),
    environment: flags.env,
  });
}

/**
 * A chart on its own line, on a tag event: the chart folder since the previous release tag the
 * checkout reaches, in one git call (the one a tag event spares: it computes no distance);
 * undefined when the plan does not need it, null for the chart line's first release.
 */
async function chartHistoryFor(
  runGit: GitRunner,
  config: PipelineConfig,
  event: { tag?: string },
  version: string,
  tagNames: readonly string[],
  tagInCheckout: boolean,
): Promise<ChartHistory | null | undefined> {
  if (config.chart.version !== "chart" || !config.chart.path || !event.tag || !config.chart.lineVersion)
    return undefined;
  const previous = previousRelease(tagNames, version);
  if (!previous) return null;
  const diff = await chartDiff(
    runGit,
    previous.tag,
    tagInCheckout ? { tag: event.tag } : {},
    config.chart.path,
  );
  return chartHistoryFromDiff(diff, config.chart.path, previous.tag, config.chart.lineVersion);
}
