/** chart-lint, helm package and the chart push, in the helm and kubeconform containers. */
import { type Directory, dag, type File } from "@dagger.io/dagger";
import { chartEnvironments, chartLintPlan } from "./core/chart-commands.js";
import type { PipelineConfig } from "./core/config.js";
import { cacheVolumes, TOOL_IMAGES } from "./core/tool-images.js";

function helm(source: Directory) {
  return dag
    .container()
    .from(TOOL_IMAGES.helm)
    .withMountedCache("/root/.cache/helm", dag.cacheVolume(cacheVolumes.helm()))
    .withDirectory("/repo", source)
    .withWorkdir("/repo");
}

/** helm lint --strict, then helm template per environment piped into kubeconform -strict. */
export async function chartLint(source: Directory, config: PipelineConfig): Promise<string> {
  const plan = chartLintPlan(
    config.app,
    config.chart.path,
    chartEnvironments(config),
    config.chart.kubernetesVersion,
  );
  const lines: string[] = [];
  for (const step of plan) {
    if (step.kind === "lint") {
      lines.push((await helm(source).withExec(step.argv).stdout()).trim());
      continue;
    }
    const rendered = await helm(source).withExec(step.template).stdout();
    const verdict = await dag
      .container()
      .from(TOOL_IMAGES.kubeconform)
      .withExec(step.validate, { stdin: rendered, useEntrypoint: false })
      .stdout();
    lines.push(`${step.environment}: ${verdict.trim()}`);
  }
  return lines.join("\n");
}

/** The packaged chart (.tgz) with the run's chart version and appVersion. */
export function helmPackage(
  source: Directory,
  config: PipelineConfig,
  version: string,
  appVersion: string,
): File {
  return helm(source)
    .withExec([
      "helm",
      "package",
      config.chart.path,
      "--version",
      version,
      "--app-version",
      appVersion,
      "--destination",
      "/out",
    ])
    .file(`/out/${config.app}-${version}.tgz`);
}
