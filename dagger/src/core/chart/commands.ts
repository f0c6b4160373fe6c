/**
 * The commands behind chart-lint, as argv arrays. The Dagger module runs them in the helm and
 * kubeconform containers and the integration tests run the very same argv on the host, so what
 * CI checks and what the tests prove cannot drift apart.
 */

import { chartImages } from "../config/images-section.js";
import { UsageError } from "../errors.js";
import { noChartReason } from "./discovery.js";
import { schemaLocations } from "./schema-location.js";

/** `chartPath`, or a usage error saying `stage` needs a chart the repository doesn't have. */
export function requireChart(chartPath: string, stage: string): string {
  if (!chartPath) throw new UsageError(`${stage}: ${noChartReason()}; add a chart or set chart.path`);
  return chartPath;
}

/** One environment the chart is rendered for. */
export interface ChartEnvironment {
  name: string;
  /** Values file, relative to the repo root (e.g. environments/staging/values.yaml); null: the chart's defaults. */
  valuesFile: string | null;
  namespace: string;
}

/**
 * One step of chart-lint: `lint` per environment; `render` output is piped into `validate`; the
 * `images` render must name every image at the probe tag, or the chart does not read the values
 * keys promotion writes.
 */
export type ChartLintStep =
  | { kind: "lint"; environment: string; argv: string[] }
  | { kind: "render"; environment: string; template: string[]; validate: string[] }
  | { kind: "images"; template: string[]; expect: { image: string; key: string; reference: string }[] };

/** The tag chart-lint sets on every image's values key to see that the chart reads it. */
export const PROBE_TAG = "chart-lint-probe";

/** `helm lint --strict` on the chart, with optional values files, at a Kubernetes version. */
export function helmLintArgv(
  chartPath: string,
  valuesFiles: readonly string[] = [],
  kubeVersion?: string,
): string[] {
  return [
    "helm",
    "lint",
    "--strict",
    chartPath,
    ...valuesFiles.flatMap((f) => ["--values", f]),
    ...(kubeVersion ? ["--kube-version", kubeVersion] : []),
  ];
}

/**
 * `helm template` of the chart for one environment (its values file, or the chart's defaults),
 * at a Kubernetes version: without it helm assumes its own old default, and a chart with
 * `kubeVersion: >=1.23` fails. `set` adds `--set key=value` pairs, one flag each.
 */
export function helmTemplateArgv(
  release: string,
  chartPath: string,
  valuesFile: string | null,
  namespace: string,
  options: { kubeVersion?: string; set?: Readonly<Record<string, string>> } = {},
): string[] {
  return [
    "helm",
    "template",
    release,
    chartPath,
    "--namespace",
    namespace,
    ...(valuesFile ? ["--values", valuesFile] : []),
    ...(options.kubeVersion ? ["--kube-version", options.kubeVersion] : []),
    ...Object.entries(options.set ?? {}).flatMap(([key, value]) => ["--set", `${key}=${value}`]),
  ];
}

/**
 * `kubeconform -strict` reading manifests on stdin. Without schema locations it uses kubeconform's
 * default (downloaded from GitHub); `chart.schemaLocation` and the caller's own (schema-location.ts)
 * point it elsewhere, e.g. at a folder of schemas for an offline run.
 */
export function kubeconformArgv(options: {
  kubernetesVersion: string;
  schemaLocations?: readonly string[];
}): string[] {
  const locations = options.schemaLocations ?? [];
  return [
    "kubeconform",
    "-strict",
    "-summary",
    "-output",
    "text",
    "-kubernetes-version",
    options.kubernetesVersion,
    ...locations.flatMap((l) => ["-schema-location", l]),
    "-",
  ];
}

/** An image and the chart values key holding its repository, tag and digest. */
export interface ImageValues {
  image: string;
  /** `image`, `images.api`: promotion writes `<key>.tag` (and `.digest`). */
  key: string;
  repository: string;
}

/**
 * Every step of chart-lint: per environment, lint and render-and-validate with its values; then
 * one render with each image's values key set to a probe tag, which must show every image.
 */
export function chartLintPlan(
  release: string,
  chartPath: string,
  environments: readonly ChartEnvironment[],
  kubernetesVersion: string,
  schemaLocations?: readonly string[],
  images: readonly ImageValues[] = [],
): ChartLintStep[] {
  const steps: ChartLintStep[] = environments.flatMap((env): ChartLintStep[] => [
    {
      kind: "lint",
      environment: env.name,
      argv: helmLintArgv(chartPath, env.valuesFile ? [env.valuesFile] : [], kubernetesVersion),
    },
    {
      kind: "render",
      environment: env.name,
      template: helmTemplateArgv(release, chartPath, env.valuesFile, env.namespace, {
        kubeVersion: kubernetesVersion,
      }),
      validate: kubeconformArgv({ kubernetesVersion, schemaLocations }),
    },
  ]);
  if (images.length === 0) return steps;
  const set: Record<string, string> = {};
  for (const i of images) {
    set[`${i.key}.repository`] = i.repository;
    set[`${i.key}.tag`] = PROBE_TAG;
  }
  const first = environments[0];
  steps.push({
    kind: "images",
    template: helmTemplateArgv(release, chartPath, first?.valuesFile ?? null, first?.namespace ?? release, {
      kubeVersion: kubernetesVersion,
      set,
    }),
    expect: images.map((i) => ({ image: i.image, key: i.key, reference: `${i.repository}:${PROBE_TAG}` })),
  });
  return steps;
}

/**
 * Why the probe render shows the chart ignores an image's values key, or null when every image
 * appears at the probe tag: promotion would write a key no manifest reads, and the old image
 * would stay deployed.
 */
export function unreadImageValues(
  rendered: string,
  expected: readonly { image: string; key: string; reference: string }[],
): string | null {
  const missing = expected.filter((e) => !rendered.includes(e.reference));
  if (missing.length === 0) return null;
  return `the chart does not read ${missing.map((m) => `${m.key}.repository/${m.key}.tag (image ${m.image})`).join(", ")}: no manifest shows ${missing[0]!.reference} when they are set, so a promotion would change nothing deployed (set images.<name>.values in pipeline.yaml to the key the chart reads, e.g. image)`;
}

/**
 * The environments chart-lint renders: each configured environment and the preview, with the
 * values file the app repo has for it (`environments/<env>/values.yaml`, the preview values
 * file); when the repo has none of them, one render with the chart's defaults.
 */
export function chartEnvironments(
  config: {
    app: string;
    environments: Record<string, { namespace: string }>;
    preview: { namespace: string; valuesFile: string };
  },
  present: (path: string) => boolean = () => true,
): ChartEnvironment[] {
  const all: ChartEnvironment[] = [
    ...Object.entries(config.environments).map(([name, env]) => ({
      name,
      valuesFile: `environments/${name}/values.yaml`,
      namespace: env.namespace,
    })),
    {
      name: "preview",
      valuesFile: config.preview.valuesFile,
      namespace: config.preview.namespace.replace("{pr}", "0"),
    },
  ];
  const found = all.filter((env) => env.valuesFile && present(env.valuesFile));
  return found.length ? found : [{ name: "defaults", valuesFile: null, namespace: config.app }];
}

/** The values key and repository of every image a release ships, for the probe. */
export function imageValues(config: {
  image: { registry: string };
  images: readonly { name: string; values: string | null }[];
}): ImageValues[] {
  const registry = config.image.registry.replace(/\/+$/, "");
  // values: none ships an image no chart value reads: the probe does not look for it.
  return chartImages(config.images).map((i) => ({
    image: i.name,
    key: i.values,
    repository: `${registry}/${i.name}`,
  }));
}

/**
 * Every chart-lint step for a config; `present` says which values files the app repo has.
 * kubeconform reads its schemas from `extraSchemaLocations` (the caller's, for this run) then
 * `chart.schemaLocation`; with neither, from its default download.
 */
export function chartLintSteps(
  config: Parameters<typeof chartEnvironments>[0] &
    Parameters<typeof imageValues>[0] & {
      chart: { path: string; kubernetesVersion: string; schemaLocation?: readonly string[] };
    },
  present: (path: string) => boolean,
  extraSchemaLocations?: readonly string[],
): ChartLintStep[] {
  return chartLintPlan(
    config.app,
    requireChart(config.chart.path, "chart-lint"),
    chartEnvironments(config, present),
    config.chart.kubernetesVersion,
    schemaLocations(config.chart.schemaLocation ?? [], extraSchemaLocations),
    imageValues(config),
  );
}

/** `helm package` with the run's chart version and appVersion, into `destination`. */
export function helmPackageArgv(
  chartPath: string,
  version: string,
  appVersion: string,
  destination: string,
): string[] {
  return [
    "helm",
    "package",
    requireChart(chartPath, "helm-push"),
    "--version",
    version,
    "--app-version",
    appVersion,
    "--destination",
    destination,
  ];
}
