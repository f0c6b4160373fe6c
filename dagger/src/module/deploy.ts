/**
 * deploy and helm-test against a cluster, in the helm image: the argv and the decisions are
 * core/deploy's (the host runner runs the same ones on the host's helm), this file only runs them
 * with the cluster's kubeconfig and, for an API server on the caller's loopback, through a service.
 */
import { type Container, type Directory, ReturnType, type Secret, type Service } from "@dagger.io/dagger";
import { requireChart } from "../core/chart/commands.js";
import type { PipelineConfig } from "../core/config/config.js";
import { deployCommands, deployTimeout, helmTestArgv } from "../core/deploy/commands.js";
import { deployRelease, type RunCommand, testRelease } from "../core/deploy/flow.js";
import { type DeployTarget, deployTarget, PREVIEW_ENVIRONMENT, targetName } from "../core/deploy/target.js";
import { helmContainer } from "./chart.js";
import { runId } from "./cli-container.js";
import type { ModuleContext } from "./context.js";
import { requireSecret } from "./credentials.js";

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

/** How the helm container reaches the cluster. */
interface ClusterAccess {
  kubeconfig: Secret;
  apiServer?: Service | null;
  runId?: string;
}

/**
 * The helm image with the chart and values only, and the cluster's kubeconfig, running `argv`.
 * A kubeconfig that points at 127.0.0.1 (Kind) is the engine's own loopback inside a container;
 * pass the API server as a Service (`--api-server tcp://localhost:<port>`) and it is bound as
 * `kube-api`. The exec may exit non-zero (`expect: ANY`): core/deploy reads its exit code and
 * output, as it does the host's.
 */
function helmWithCluster(
  source: Directory,
  config: PipelineConfig,
  access: ClusterAccess,
  argv: readonly string[],
): Container {
  let helm = helmContainer(source, config);
  // Deploys and helm tests are side effects: a changing value keeps the engine from replaying them.
  if (access.runId) helm = helm.withEnvVariable("PIPELINE_RUN_ID", access.runId);
  if (!access.apiServer) {
    return helm
      .withMountedSecret("/root/.kube/config", access.kubeconfig)
      .withEnvVariable("KUBECONFIG", "/root/.kube/config")
      .withExec([...argv], { expect: ReturnType.Any });
  }
  return helm
    .withServiceBinding(KUBE_API_ALIAS, access.apiServer)
    .withMountedSecret(KUBECONFIG_SECRET, access.kubeconfig)
    .withMountedTemp("/root/.kube")
    .withEnvVariable("KUBECONFIG", "/root/.kube/config")
    .withExec(throughService(argv), { expect: ReturnType.Any });
}

/** Each argv as one exec in the helm image, reported as the core's flows read a command. */
function helmRunner(source: Directory, config: PipelineConfig, access: ClusterAccess): RunCommand {
  return async (argv) => {
    const exec = helmWithCluster(source, config, access, argv);
    const [exitCode, stdout, stderr] = await Promise.all([exec.exitCode(), exec.stdout(), exec.stderr()]);
    return { exitCode, stdout, stderr };
  };
}

/** Options of {@link deploy}. */
export interface DeployOptions {
  apiServer?: Service | null;
  runId?: string;
  /** Where the images were published, when not where the values say (`<registry>/<image name>`). */
  registry?: string;
  /** helm's --timeout for the rollout (default 5m). */
  timeout?: string;
}

/** Installs or upgrades the release at `target` and waits for it (nothing when it is unchanged). */
export async function deploy(
  source: Directory,
  config: PipelineConfig,
  kubeconfig: Secret,
  target: DeployTarget,
  imageTag: string,
  options: DeployOptions = {},
): Promise<string> {
  const timeout = deployTimeout(options.timeout);
  const commands = deployCommands(config, target, {
    chart: requireChart(config.chart.path, "deploy"),
    imageTag,
    registry: options.registry,
    timeout,
  });
  const run = helmRunner(source, config, { kubeconfig, apiServer: options.apiServer, runId: options.runId });
  const outcome = await deployRelease(run, {
    release: config.app,
    where: targetName(target),
    commands,
    timeout,
  });
  return outcome.summary;
}

/** Runs the chart's `helm test` hook (the api's /readyz) against the release at `target`. */
export async function helmTest(
  source: Directory,
  config: PipelineConfig,
  kubeconfig: Secret,
  target: DeployTarget,
  options: { apiServer?: Service | null; runId?: string; timeout?: string } = {},
): Promise<string> {
  requireChart(config.chart.path, "helm-test");
  const run = helmRunner(source, config, { kubeconfig, apiServer: options.apiServer, runId: options.runId });
  return testRelease(run, {
    where: targetName(target),
    namespace: target.namespace,
    argv: helmTestArgv(config.app, target.namespace, options.timeout),
  });
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
  registry?: string;
  timeout?: string;
}

/**
 * Deploys the image tag given, else the event's. With the preview environment a pull request
 * (`--pr`) deploys to that pull request's preview namespace and host; with another environment it
 * only chooses the event whose image tag is deployed.
 */
export async function deployForEvent(context: ModuleContext, input: DeployInput): Promise<string> {
  const kubeconfig = requireSecret(input.kubeconfig, "deploy --kubeconfig", KUBECONFIG_EXAMPLE);
  const config = await context.config();
  const target = deployTarget(config, input.environment, previewPr(input));
  const tag =
    input.imageTag ?? (await context.plan({ ref: input.ref, sha: input.sha, pr: input.pr })).tags.image;
  return deploy(context.source, config, kubeconfig, target, tag, {
    apiServer: input.apiServer,
    runId: runId(),
    registry: input.registry,
    timeout: input.timeout,
  });
}

/** Runs helm test against an environment's release (a pull request's preview with `--pr`). */
export async function helmTestForEvent(
  context: ModuleContext,
  input: { environment: string; kubeconfig?: Secret; apiServer?: Service; pr?: number; timeout?: string },
): Promise<string> {
  const kubeconfig = requireSecret(input.kubeconfig, "helm-test --kubeconfig", KUBECONFIG_EXAMPLE);
  const config = await context.config();
  return helmTest(
    context.source,
    config,
    kubeconfig,
    deployTarget(config, input.environment, previewPr(input)),
    {
      apiServer: input.apiServer,
      runId: runId(),
      timeout: input.timeout,
    },
  );
}

/** The pull request whose preview is the target: only the preview environment has one per pull request. */
function previewPr(input: { environment: string; pr?: number }): number | undefined {
  return input.environment === PREVIEW_ENVIRONMENT ? input.pr : undefined;
}
