/** helm upgrade --install --wait with an environment's values, and helm test, against a cluster. */
import type { Container, Directory, Secret, Service } from "@dagger.io/dagger";
import type { PipelineConfig } from "../core/config/config.js";
import { UsageError } from "../core/errors.js";
import { imageValueChanges } from "../core/gitops/promotion.js";
import { helmContainer } from "./chart.js";
import { runId } from "./cli-container.js";
import type { ModuleContext } from "./context.js";
import { requireSecret } from "./credentials.js";
import { withToolOutput } from "./exec-errors.js";

/** The argv of the deploy: values of the environment, image tags and chart from the release. */
export function helmUpgradeArgv(
  config: PipelineConfig,
  environment: string,
  chart: string,
  imageTag: string,
  valuesFile: string,
): string[] {
  const namespace = config.environments[environment]?.namespace ?? environment;
  const sets = imageValueChanges(config, imageTag).flatMap((c) => ["--set", `${c.key}=${c.value}`]);
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

/** The host name the cluster's API server has inside the helm container when it is passed as a Service. */
export const KUBE_API_ALIAS = "kube-api";

const KUBECONFIG_SECRET = "/run/secrets/kubeconfig";

/**
 * Runs `argv` with the kubeconfig's API server reached through the bound service: every
 * `server: https://<host>:<port>` becomes `https://kube-api:<port>`, and helm checks the server's
 * certificate against the original host (`--kube-tls-server-name`), which is what a Kind
 * certificate names (127.0.0.1, localhost). The rewritten kubeconfig lives on a tmpfs, so the
 * credentials never land in a cached layer.
 */
function throughService(argv: readonly string[]): string[] {
  const script = [
    "set -eu",
    `host=$(sed -nE 's#^[[:space:]]*server:[[:space:]]*https?://\\[?([^]/:]+)\\]?.*#\\1#p' ${KUBECONFIG_SECRET} | head -n 1)`,
    `sed -E 's#^([[:space:]]*server:[[:space:]]*https?://)(\\[[^]]*\\]|[^:/]+)#\\1${KUBE_API_ALIAS}#' ${KUBECONFIG_SECRET} > /root/.kube/config`,
    'exec "$@" --kube-tls-server-name "$host"',
  ].join("\n");
  return ["sh", "-c", script, "sh", ...argv];
}

/**
 * The helm image with the chart and values only, and the cluster's kubeconfig. A kubeconfig that
 * points at 127.0.0.1 (Kind) is the engine's own loopback inside a container; pass the API server
 * as a Service (`--api-server tcp://localhost:<port>`) and it is bound as `kube-api`.
 */
function helmWithCluster(
  source: Directory,
  config: PipelineConfig,
  kubeconfig: Secret,
  argv: readonly string[],
  options: { apiServer?: Service | null; runId?: string },
): Container {
  let helm = helmContainer(source, config);
  // Deploys and helm tests are side effects: a changing value keeps the engine from replaying them.
  if (options.runId) helm = helm.withEnvVariable("PIPELINE_RUN_ID", options.runId);
  if (!options.apiServer) {
    return helm
      .withMountedSecret("/root/.kube/config", kubeconfig)
      .withEnvVariable("KUBECONFIG", "/root/.kube/config")
      .withExec([...argv]);
  }
  return helm
    .withServiceBinding(KUBE_API_ALIAS, options.apiServer)
    .withMountedSecret(KUBECONFIG_SECRET, kubeconfig)
    .withMountedTemp("/root/.kube")
    .withEnvVariable("KUBECONFIG", "/root/.kube/config")
    .withExec(throughService(argv));
}

/** Installs or upgrades the release and waits for it to be ready. */
export async function deploy(
  source: Directory,
  config: PipelineConfig,
  kubeconfig: Secret,
  environment: string,
  imageTag: string,
  options: { apiServer?: Service | null; runId?: string } = {},
): Promise<string> {
  const argv = helmUpgradeArgv(
    config,
    environment,
    config.chart.path,
    imageTag,
    valuesFileOf(config, environment),
  );
  return withToolOutput(
    `deploy ${environment}`,
    helmWithCluster(source, config, kubeconfig, argv, options).stdout(),
  );
}

/** Runs the chart's `helm test` hook (the api's /readyz). */
export async function helmTest(
  source: Directory,
  config: PipelineConfig,
  kubeconfig: Secret,
  environment: string,
  options: { apiServer?: Service | null; runId?: string } = {},
): Promise<string> {
  const namespace = config.environments[environment]?.namespace ?? environment;
  return withToolOutput(
    `helm-test ${environment}`,
    helmWithCluster(
      source,
      config,
      kubeconfig,
      ["helm", "test", config.app, "--namespace", namespace, "--logs"],
      options,
    ).stdout(),
  );
}

const KUBECONFIG_EXAMPLE = "--kubeconfig file:$HOME/.kube/config";

/** The arguments of `dagger call deploy`. */
export interface DeployInput {
  environment: string;
  kubeconfig?: Secret;
  imageTag?: string;
  ref?: string;
  sha?: string;
  pr?: number;
  apiServer?: Service;
}

/** Deploys the image tag given, else the event's. */
export async function deployForEvent(context: ModuleContext, input: DeployInput): Promise<string> {
  const kubeconfig = requireSecret(input.kubeconfig, "deploy --kubeconfig", KUBECONFIG_EXAMPLE);
  const config = await context.config();
  const tag =
    input.imageTag ?? (await context.plan({ ref: input.ref, sha: input.sha, pr: input.pr })).tags.image;
  return deploy(context.source, config, kubeconfig, input.environment, tag, {
    apiServer: input.apiServer,
    runId: runId(),
  });
}

/** Runs helm test against an environment's release. */
export async function helmTestForEvent(
  context: ModuleContext,
  input: { environment: string; kubeconfig?: Secret; apiServer?: Service },
): Promise<string> {
  const kubeconfig = requireSecret(input.kubeconfig, "helm-test --kubeconfig", KUBECONFIG_EXAMPLE);
  return helmTest(context.source, await context.config(), kubeconfig, input.environment, {
    apiServer: input.apiServer,
    runId: runId(),
  });
}
