/**
 * The gitops-config repository, as files: what `pipeline gitops init` scaffolds, what a preview
 * adds, the freeze marker a rollback writes, and how `pipeline history` reads the log back.
 *
 * Layout (under `gitops.path`):
 *   apps/<env>/<app>.yaml              Argo CD Application: chart from the OCI registry at
 *                                      spec.sources[0].targetRevision, values from this repo
 *   environments/<env>/values.yaml     values for the chart: image tags (and digests) per image
 *   environments/<env>/FROZEN          present while automatic promotion to <env> is refused
 *   environments/preview.yaml          values shared by every preview
 *   apps/preview/<app>-pr-<n>.yaml     one Application per open pull request (namespace preview-<n>)
 */

import { stringify } from "yaml";
import type { PipelineConfig } from "../config/config.js";
import { chartImages } from "../config/images-section.js";
import { hasControlChars, isOciTag, isSemver, redactUrl } from "../validate.js";
import { previewHost, previewNamespace } from "./preview.js";
import { environmentFiles, gitopsPath, imageValueChanges, TRAILERS } from "./promotion.js";
import { seededValues } from "./seed.js";

/** The chart's OCI repository URL and name, as Argo CD wants them (repoURL without oci://, chart name). */
function chartSource(config: PipelineConfig) {
  return { repoURL: config.chart.registry.replace(/^oci:\/\//, "").replace(/\/+$/, ""), chart: config.app };
}

/** An Argo CD Application for one environment (or one preview). */
export function applicationYaml(
  config: PipelineConfig,
  options: {
    name: string;
    namespace: string;
    valueFiles: string[];
    targetRevision: string;
    parameters?: Record<string, string>;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  },
): string {
  const source = chartSource(config);
  const app = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: {
      name: options.name,
      namespace: "argocd",
      ...(options.labels ? { labels: options.labels } : {}),
      ...(options.annotations ? { annotations: options.annotations } : {}),
      finalizers: ["resources-finalizer.argocd.argoproj.io"],
    },
    spec: {
      project: "default",
      sources: [
        {
          repoURL: source.repoURL,
          chart: source.chart,
          targetRevision: options.targetRevision,
          helm: {
            releaseName: config.app,
            valueFiles: options.valueFiles.map((f) => `$values/${f}`),
            ...(options.parameters
              ? { parameters: Object.entries(options.parameters).map(([name, value]) => ({ name, value })) }
              : {}),
          },
        },
        {
          // Never a token in a committed file, even if a URL with one slipped past validation.
          repoURL: config.gitops.repo ? redactUrl(config.gitops.repo) : "<gitops repo URL>",
          targetRevision: config.gitops.branch,
          ref: "values",
        },
      ],
      destination: { server: "https://kubernetes.default.svc", namespace: options.namespace },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
    },
  };
  return `# Managed by the release pipeline: promotion edits spec.sources[0].targetRevision.\n${stringify(app)}`;
}

/** The header of an environment's values file: what promotion edits there. */
function environmentHeader(config: PipelineConfig, environment: string): string {
  const keys = [...new Set(chartImages(config.images).map((i) => i.values))].join(", ");
  return `# ${environment} values for ${config.app}. Promotion edits the tag (and digest) under ${keys};\n# everything else is yours to change by hand.\n`;
}

/** Values of one environment: the images block promotion edits, with comments. */
export function environmentValuesYaml(config: PipelineConfig, environment: string): string {
  return seededValues(config, {
    header: environmentHeader(config, environment),
    seed: null,
    seedFile: "",
    schema: undefined,
    withTags: true,
  }).text;
}

/** What `gitops init` seeds the values from: the app repository's files and the chart's schema. */
export interface ScaffoldSeeds {
  /** The app repository's `environments/<env>/values.yaml` text by environment (absent: none). */
  environments?: Readonly<Record<string, string | null>>;
  /** The app repository's preview values file (`preview.valuesFile`), or null. */
  preview?: string | null;
  /** The chart's parsed `values.schema.json`, or undefined. */
  schema?: unknown;
}

/**
 * Every file `pipeline gitops init` writes (path -> content), and notes on what it left out: each
 * environment's values start from the app repository's own (core/gitops/seed.ts).
 */
export function scaffoldWithNotes(
  config: PipelineConfig,
  initialChartVersion = "0.1.0",
  seeds: ScaffoldSeeds = {},
): { files: Record<string, string>; notes: string[] } {
  const files: Record<string, string> = {};
  const notes: string[] = [];
  for (const [env, settings] of Object.entries(config.environments)) {
    const paths = environmentFiles(config, env);
    const seeded = seededValues(config, {
      header: environmentHeader(config, env),
      seed: seeds.environments?.[env] ?? null,
      seedFile: `environments/${env}/values.yaml`,
      schema: seeds.schema,
      withTags: true,
    });
    files[paths.values] = seeded.text;
    notes.push(...seeded.notes.map((n) => `${env}: ${n}`));
    files[paths.application] = applicationYaml(config, {
      name: `${config.app}-${env}`,
      namespace: settings.namespace,
      valueFiles: [paths.values],
      targetRevision: initialChartVersion,
    });
  }
  // Each preview's Application sets the tags (and host); the repositories are shared.
  const preview = seededValues(config, {
    header: "# Values shared by every preview environment of this app.\n",
    seed: seeds.preview ?? null,
    seedFile: config.preview.valuesFile,
    schema: seeds.schema,
    withTags: false,
  });
  files[gitopsPath(config, config.preview.valuesFile)] = preview.text;
  notes.push(...preview.notes.map((n) => `preview: ${n}`));
  return { files, notes };
}

/** Every file `pipeline gitops init` writes, path -> content (without seeds: the images blocks alone). */
export function scaffold(config: PipelineConfig, initialChartVersion = "0.1.0"): Record<string, string> {
  return scaffoldWithNotes(config, initialChartVersion).files;
}

/** Path of a preview's Application. */
export function previewPath(config: PipelineConfig, pr: number): string {
  return gitopsPath(config, `apps/preview/${config.app}-pr-${pr}.yaml`);
}

/** Annotation that records when a preview was created, so a sweep is pure over file contents. */
export const PREVIEW_CREATED = "pipeline.dev/created-at";

/** The helm parameters of a preview's Application: each image's tag and, with preview.host, its host. */
export function previewParameters(
  config: PipelineConfig,
  imageTag: string,
  pr: number,
): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const change of imageValueChanges(config, imageTag)) parameters[change.key] = change.value;
  const host = previewHost(config.preview.host, pr);
  if (host) parameters[config.preview.hostKey] = host;
  return parameters;
}

/** The Application of one pull request's preview. */
export function previewApplicationYaml(
  config: PipelineConfig,
  input: { pr: number; imageTag: string; chartVersion: string; createdAt: string },
): string {
  const parameters = previewParameters(config, input.imageTag, input.pr);
  return applicationYaml(config, {
    name: `${config.app}-pr-${input.pr}`,
    namespace: previewNamespace(config.preview.namespace, input.pr),
    valueFiles: [gitopsPath(config, config.preview.valuesFile)],
    targetRevision: input.chartVersion,
    parameters,
    labels: { "pipeline.dev/preview": "true", "pipeline.dev/pr": String(input.pr) },
    annotations: { [PREVIEW_CREATED]: input.createdAt },
  });
}

/** Previews to remove: older than `maxAgeMs` at `now`, or (when `openPrs` is given) of closed pull requests. */
export function previewsToSweep(
  previews: readonly { pr: number; createdAt: string }[],
  now: Date,
  maxAgeMs: number,
  openPrs?: readonly number[],
): { pr: number; reason: string }[] {
  const out: { pr: number; reason: string }[] = [];
  for (const p of previews) {
    const age = now.getTime() - Date.parse(p.createdAt);
    if (openPrs && !openPrs.includes(p.pr)) out.push({ pr: p.pr, reason: "pull request is closed" });
    else if (Number.isFinite(age) && age > maxAgeMs)
      out.push({ pr: p.pr, reason: `older than the maximum age (${Math.floor(age / 3_600_000)}h)` });
  }
  return out;
}

/** Parses `72h`, `7d`, `30m`, `1w` into milliseconds; null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)(m|h|d|w)$/.exec(text.trim());
  if (!m) return null;
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as "m" | "h" | "d" | "w"];
  return Number(m[1]) * unit;
}

/** Path of the freeze marker of an environment. */
export function freezePath(config: PipelineConfig, environment: string): string {
  return gitopsPath(config, `environments/${environment}/FROZEN`);
}

/** The freeze marker's content: why, since when, and to which version the rollback went. */
export function freezeMarker(input: {
  environment: string;
  version: string;
  at: string;
  reason: string;
}): string {
  return `# Automatic promotion to ${input.environment} is refused while this file exists.\n# Remove it with: pipeline unfreeze --env ${input.environment}\n${stringify({ frozenAt: input.at, rolledBackTo: input.version, reason: input.reason })}`;
}

/** One promotion read back from the gitops log. */
export interface HistoryEntry {
  commit: string;
  environment: string;
  version: string;
  chartVersion: string;
  at: string;
  author: string;
  sourceSha: string;
  rollback: boolean;
  run?: string;
}

/** Reads the trailers of a promotion commit; null when the commit is not one (e.g. a hand edit). */
export function parsePromotionCommit(
  commit: { sha: string; author: string; date: string; message: string },
  app: string,
): HistoryEntry | null {
  // Trailers live in the last paragraph only, each once: a `Pipeline-Env:` line in the subject or
  // body, or a repeated one, is not ours (it was forged or pasted) and the commit is not read.
  const paragraphs = commit.message.trim().split(/\n\s*\n/);
  const block = paragraphs.length > 1 ? paragraphs[paragraphs.length - 1]! : "";
  const values = new Map<string, string>();
  for (const line of block.split("\n")) {
    const m = /^(Pipeline-[A-Za-z-]+): (.*)$/.exec(line);
    if (!m) continue;
    if (values.has(m[1]!)) return null;
    values.set(m[1]!, m[2]!.trim());
  }
  const trailer = (name: string) => values.get(name) || undefined;
  if (trailer(TRAILERS.app) !== app) return null;
  const environment = trailer(TRAILERS.environment);
  const version = trailer(TRAILERS.version);
  if (!environment || !version) return null;
  // Values a hand-made commit could fill with escapes or shell text are not shown or re-promoted.
  const chartVersion = trailer(TRAILERS.chartVersion) ?? "";
  const run = trailer(TRAILERS.run);
  if (!isOciTag(version) || (chartVersion !== "" && !isSemver(chartVersion))) return null;
  if ([environment, run ?? "", commit.author, commit.date].some(hasControlChars)) return null;
  return {
    commit: commit.sha,
    environment,
    version,
    chartVersion,
    at: commit.date,
    author: commit.author,
    sourceSha: trailer(TRAILERS.sourceSha) ?? "",
    rollback: trailer(TRAILERS.rollback) === "true",
    ...(run ? { run } : {}),
  };
}
