/**
 * The commands behind chart-lint, as argv arrays. The Dagger module runs them in the helm and
 * kubeconform containers and the integration tests run the very same argv on the host, so what
 * CI checks and what the tests prove cannot drift apart.
 */

/** One environment the chart is rendered for. */
export interface ChartEnvironment {
  name: string;
  /** Values file, relative to the repo root (e.g. environments/staging/values.yaml). */
  valuesFile: string;
  namespace: string;
}

/** One step of chart-lint: `template` output is piped into `validate`. */
export type ChartLintStep =
  | { kind: "lint"; argv: string[] }
  | { kind: "render"; environment: string; template: string[]; validate: string[] };

/** `helm lint --strict` on the chart, with optional values files. */
export function helmLintArgv(chartPath: string, valuesFiles: readonly string[] = []): string[] {
  return ["helm", "lint", "--strict", chartPath, ...valuesFiles.flatMap((f) => ["--values", f])];
}

/** `helm template` of the chart for one environment. */
export function helmTemplateArgv(
  release: string,
  chartPath: string,
  valuesFile: string,
  namespace: string,
): string[] {
  return ["helm", "template", release, chartPath, "--namespace", namespace, "--values", valuesFile];
}

/**
 * `kubeconform -strict` reading manifests on stdin. Without schema locations it uses kubeconform's
 * default (downloaded from GitHub), as real CI does; tests pass an offline directory.
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

/** Every step of chart-lint: lint once, then render and validate each environment. */
export function chartLintPlan(
  release: string,
  chartPath: string,
  environments: readonly ChartEnvironment[],
  kubernetesVersion: string,
  schemaLocations?: readonly string[],
): ChartLintStep[] {
  return [
    { kind: "lint", argv: helmLintArgv(chartPath) },
    ...environments.map(
      (env): ChartLintStep => ({
        kind: "render",
        environment: env.name,
        template: helmTemplateArgv(release, chartPath, env.valuesFile, env.namespace),
        validate: kubeconformArgv({ kubernetesVersion, schemaLocations }),
      }),
    ),
  ];
}

/**
 * The environments chart-lint renders: every configured environment with its values file
 * (`environments/<env>/values.yaml`) and the preview values with a sample namespace.
 */
export function chartEnvironments(config: {
  environments: Record<string, { namespace: string }>;
  preview: { namespace: string; valuesFile: string };
}): ChartEnvironment[] {
  return [
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
    chartPath,
    "--version",
    version,
    "--app-version",
    appVersion,
    "--destination",
    destination,
  ];
}
