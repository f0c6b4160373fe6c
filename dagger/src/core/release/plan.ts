/**
 * The plan of a run: every decision of the core assembled into one object that says what the run
 * would do — stages, images, manifests, `latest`, chart, promotions, preview — without doing it.
 * Its JSON form is a documented contract (docs/plan.md, `schemaVersion`).
 */

import { stagesWithChart } from "../chart/discovery.js";
import type { PipelineConfig, Stage } from "../config/config.js";
import { UsageError } from "../errors.js";
import { previewHost, previewNamespace } from "../gitops/preview.js";
import { type PlannedFileChange, planPromotion } from "../gitops/promotion.js";
import { branchKind } from "./branches.js";
import { type ChartHistory, chartLineForBranch, chartLineForTag } from "./chart-version.js";
import type { PipelineEvent } from "./event.js";
import { decideLatest, type LatestDecision, resolveTagType, type TagType } from "./latest.js";
import {
  chartVersion,
  extraTags,
  imageTag,
  type NameRules,
  nameRules,
  ociAnnotations,
  perArchTag,
} from "./names.js";
import { selectStages } from "./stages.js";
import type { ComputedVersion } from "./version.js";

/** Everything the plan is decided from; the adapters gather it. */
export interface PlanInput {
  config: PipelineConfig;
  event: PipelineEvent;
  version: ComputedVersion;
  /** Git object type of the event's tag: "tag" (annotated) or "commit" (lightweight). */
  tagObjectType?: "tag" | "commit" | null;
  /** `--tag-type` or TAG_TYPE_OVERRIDE. */
  tagTypeOverride?: string | null;
  /** The version `latest` points to now, when known (`--latest-current`). */
  latestCurrent?: string | null;
  /** Build time for annotations (ISO 8601). */
  created: string;
  runUrl?: string;
  /** Target environment of a manual promotion (`--env`); overrides the rule's. */
  environment?: string;
  /**
   * A chart on its own line (`chart.version: chart`), on a tag event: the chart folder since the
   * previous release tag (null: the first release); undefined when not read.
   */
  chartHistory?: ChartHistory | null;
}

/** The plan (schemaVersion 1). */
export interface Plan {
  schemaVersion: 1;
  app: string;
  version: string;
  versionSource: ComputedVersion["source"];
  coerced: boolean;
  event: {
    kind: PipelineEvent["kind"];
    ref: string;
    sha: string;
    pr: number | null;
    branch: string | null;
    tag: string | null;
  };
  rule: string | null;
  stages: Stage[];
  /** Stages the rule names that this repository can't run, and why (chart stages without a chart). */
  skipped: { stage: Stage; reason: string }[];
  tags: { image: string; extra: string[] };
  images: { binary: string; image: string; platform: string; ref: string }[];
  manifests: { ref: string; sources: string[] }[];
  latest: (LatestDecision & { tagType: TagType; tagTypeSource: string; current: string | null }) | null;
  chart: { name: string; version: string; appVersion: string; push: boolean; ref: string };
  promotions: { environment: string; files: PlannedFileChange[]; message: string }[];
  /** `host`: the preview's host from `preview.host`, null when none is configured. */
  preview: { namespace: string; action: "up"; host: string | null } | null;
  annotations: Record<string, string>;
}

const BUILDS: readonly Stage[] = ["build", "images", "publish", "manifests"];

/** Assembles the plan of a run. Throws UsageError for an unknown environment. */
export function assemblePlan(input: PlanInput): Plan {
  const { config, event, version } = input;
  const selection = selectStages(config.rules, event);
  const withChart = stagesWithChart(selection.stages, config.chart.path !== "");
  const rules = nameRules(config);
  const tag = imageTag(event, rules);
  const chart = planChartVersion(input, rules);
  // A chart on its own line that did not change is already released: nothing to push.
  const stages = chart.push ? withChart.stages : withChart.stages.filter((s) => s !== "helm-push");
  const skipped =
    chart.push || !withChart.stages.includes("helm-push")
      ? withChart.skipped
      : [...withChart.skipped, { stage: "helm-push" as const, reason: chart.reason }];
  const extra = extraTags(config.image.extraTags, event, tag);
  const builds = stages.some((s) => BUILDS.includes(s));
  const registry = config.image.registry.replace(/\/+$/, "");

  // One entry per image and platform; `binary` names the image's first binary (its only one for
  // the default `<app>-<binary>` images), `image` the repository name under the registry.
  const images = builds
    ? config.images.flatMap((image) =>
        image.platforms.map((platform) => ({
          binary: image.binaries[0]?.name ?? image.name,
          image: image.name,
          platform,
          ref: `${registry}/${image.name}:${config.image.perArchTags ? perArchTag(tag, platform) : tag}`,
        })),
      )
    : [];
  const manifests = builds
    ? config.images.flatMap((image) => {
        const sources = images.filter((i) => i.image === image.name).map((i) => i.ref);
        return [tag, ...extra].map((t) => ({ ref: `${registry}/${image.name}:${t}`, sources }));
      })
    : [];

  let latest: Plan["latest"] = null;
  if (stages.includes("latest")) {
    const tagType = resolveTagType({
      override: input.tagTypeOverride,
      gitObjectType: input.tagObjectType,
      tagName: event.tag ?? version.version,
    });
    const current = input.latestCurrent ?? null;
    const decision = decideLatest({
      version: version.version,
      strategy: config.latest.strategy,
      tagType: tagType.type,
      current,
      majorMinor: config.latest.majorMinor,
    });
    latest = {
      ...decision,
      reason:
        current === null && input.latestCurrent === undefined
          ? `${decision.reason} (the run reads latest's current version from the registry)`
          : decision.reason,
      tagType: tagType.type,
      tagTypeSource: tagType.source,
      current,
    };
  }

  const target = input.environment ?? selection.promote;
  const promotions =
    stages.includes("promote") && target
      ? [
          planPromotion(config, {
            environment: target,
            imageTag: tag,
            chartVersion: chart.version,
            sourceSha: event.sha,
            runUrl: input.runUrl,
          }),
        ]
      : [];

  return {
    schemaVersion: 1,
    app: config.app,
    version: version.version,
    versionSource: version.source,
    coerced: version.coerced,
    event: {
      kind: event.kind,
      ref: event.ref,
      sha: event.sha,
      pr: event.pr ?? null,
      branch: event.branch ?? null,
      tag: event.tag ?? null,
    },
    rule: selection.rule,
    stages,
    skipped,
    tags: { image: tag, extra },
    images,
    manifests,
    latest,
    chart: {
      name: config.app,
      version: chart.version,
      appVersion: config.chart.appVersion === "version" ? version.version : tag,
      push: stages.includes("helm-push"),
      ref: `${config.chart.registry.replace(/\/+$/, "")}/${config.app}:${chart.version.replaceAll("+", "_")}`,
    },
    promotions,
    preview:
      stages.includes("preview") && event.pr !== undefined
        ? {
            namespace: previewNamespace(config.preview.namespace, event.pr),
            action: "up",
            host: previewHost(config.preview.host, event.pr),
          }
        : null,
    annotations: ociAnnotations({
      version: version.version,
      revision: event.sha,
      source: config.source.url,
      created: input.created,
      title: config.app,
    }),
  };
}

/** True for the events whose chart version comes from a version tag. */
const TAG_EVENTS: readonly PipelineEvent["kind"][] = ["release-tag", "rc-tag", "prerelease-tag", "promotion"];

/**
 * The chart version of a run, whether it is pushed, and why: the app's (core/release/names.ts),
 * or a chart's own line (core/release/chart-version.ts) for tag events and the branches that
 * publish. Throws a UsageError when a chart on its own line changed without its version going up.
 */
function planChartVersion(
  input: PlanInput,
  rules: Required<NameRules>,
): { version: string; push: boolean; reason: string } {
  const { config, event, version } = input;
  const app = { version: chartVersion(event, version.version, rules), push: true, reason: "" };
  const current = config.chart.lineVersion;
  if (config.chart.version !== "chart" || !config.chart.path) return app;
  if (!current)
    throw new UsageError(
      `chart.version: chart needs ${config.chart.path}/Chart.yaml's version, which was not read (set version: in Chart.yaml)`,
    );
  if (TAG_EVENTS.includes(event.kind) && event.tag)
    return chartLineForTag({
      event,
      chartPath: config.chart.path,
      current,
      history: input.chartHistory ?? null,
    });
  if (event.kind === "branch" && branchKind(event.branch, rules) !== "other")
    return { version: chartLineForBranch(current, event.sha), push: true, reason: "" };
  return app;
}
