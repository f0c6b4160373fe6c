/** helm upgrade --install --wait with an environment's values, and helm test, against a cluster. */
import { type Directory, dag, type Secret } from "@dagger.io/dagger";
import type { PipelineConfig } from "./core/config.js";
import { UsageError } from "./core/errors.js";
import { TOOL_IMAGES } from "./core/tool-images.js";

/** The argv of the deploy: values of the environment, image tags and chart from the release. */
export function helmUpgradeArgv(
  config: PipelineConfig,
  environment: string,
  chart: string,
  imageTag: string,
  valuesFile: string,
): string[] {
  const namespace = config.environments[environment]?.namespace ?? environment;
  const sets = config.binaries
    .filter((b) => b.image)
    .flatMap((b) => ["--set", `images.${b.name}.tag=${imageTag}`]);
  return [
    "helm",
    "upgrade",
    "--install",
    config.app,
    chart,
    "--namespace",
    namespace,
    "--create-namespace",
    "--values",
    valuesFile,
    ...sets,
    "--wait",
    "--timeout",
    "5m",
  ];
}

/** The values file of an environment in this repo (preview shares one). */
export function valuesFileOf(config: PipelineConfig, environment: string): string {
  if (environment === "preview") return config.preview.valuesFile;
  if (!config.environments[environment]) {
    throw new UsageError(
      `unknown environment "${environment}"; pipeline.yaml defines: ${[...Object.keys(config.environments), "preview"].join(", ")}`,
    );
  }
  return `environments/${environment}/values.yaml`;
}

function helmWithCluster(source: Directory, kubeconfig: Secret) {
  return dag
    .container()
    .from(TOOL_IMAGES.helm)
    .withDirectory("/repo", source)
    .withWorkdir("/repo")
    .withMountedSecret("/root/.kube/config", kubeconfig)
    .withEnvVariable("KUBECONFIG", "/root/.kube/config");
}

/** Installs or upgrades the release and waits for it to be ready. */
export async function deploy(
  source: Directory,
  config: PipelineConfig,
  kubeconfig: Secret,
  environment: string,
  imageTag: string,
): Promise<string> {
  const argv = helmUpgradeArgv(
    config,
    environment,
    config.chart.path,
    imageTag,
    valuesFileOf(config, environment),
  );
  return helmWithCluster(source, kubeconfig).withExec(argv).stdout();
}

/** Runs the chart's `helm test` hook (the api's /readyz). */
export async function helmTest(
  source: Directory,
  config: PipelineConfig,
  kubeconfig: Secret,
  environment: string,
): Promise<string> {
  const namespace = config.environments[environment]?.namespace ?? environment;
  return helmWithCluster(source, kubeconfig)
    .withExec(["helm", "test", config.app, "--namespace", namespace, "--logs"])
    .stdout();
}
