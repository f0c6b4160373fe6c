/**
 * deploy, helm-test, rollback and undeploy on the host: core/deploy's argv and flows run with the
 * host's helm (and kubectl, to delete a preview's namespace) against the cluster a kubeconfig
 * names, the same decisions `dagger call deploy` and `helm-test` take in the helm image.
 */
import { requireChart } from "../../../core/chart/commands.js";
import type { PipelineConfig } from "../../../core/config/config.js";
import {
  deleteNamespaceArgv,
  deployCommands,
  deployTimeout,
  helmHistoryArgv,
  helmRollbackArgv,
  helmTestArgv,
  helmUninstallArgv,
} from "../../../core/deploy/commands.js";
import { deployRelease, type RunCommand, testRelease } from "../../../core/deploy/flow.js";
import { helmError, releaseNotFound } from "../../../core/deploy/outcome.js";
import { rollbackRevision } from "../../../core/deploy/rollback.js";
import { type DeployTarget, targetName } from "../../../core/deploy/target.js";
import { FailureError, MissingToolError } from "../../../core/errors.js";
import { runTool } from "./exec.js";
import { pathWith, requireTools } from "./tools.js";

/** The cluster a host step talks to: KUBECONFIG's value (a path, or a list of them). */
export interface HostCluster {
  kubeconfig: string;
}

/** Runs each argv from the repository root with the cluster's kubeconfig; never throws for an exit code. */
function hostRunner(root: string, cluster: HostCluster, stage: string, tools: readonly string[]): RunCommand {
  const found = requireTools(stage, tools);
  const env = { PATH: pathWith(found), KUBECONFIG: cluster.kubeconfig };
  return async (argv) => {
    const result = await runTool(argv, { cwd: root, env, what: stage, allowFail: true });
    return { exitCode: result.code ?? 1, stdout: result.stdout, stderr: result.stderr };
  };
}

/** What the host deploy installs. */
export interface HostDeployInput {
  target: DeployTarget;
  imageTag: string;
  /** Where the images were published when not where the values say (the loop's own registry). */
  registry?: string;
  timeout?: string;
}

/** Installs or upgrades the release at the target and waits for it; nothing when it is unchanged. */
export async function hostDeploy(
  root: string,
  config: PipelineConfig,
  cluster: HostCluster,
  input: HostDeployInput,
): Promise<string> {
  const timeout = deployTimeout(input.timeout);
  const commands = deployCommands(config, input.target, {
    chart: requireChart(config.chart.path, "deploy"),
    imageTag: input.imageTag,
    registry: input.registry,
    timeout,
  });
  const outcome = await deployRelease(hostRunner(root, cluster, "deploy", ["helm"]), {
    release: config.app,
    where: targetName(input.target),
    commands,
    timeout,
  });
  return outcome.summary;
}

/** Runs the chart's helm test against the release at `target`. */
export async function hostHelmTest(
  root: string,
  config: PipelineConfig,
  cluster: HostCluster,
  target: DeployTarget,
  timeout?: string,
): Promise<string> {
  requireChart(config.chart.path, "helm-test");
  return testRelease(hostRunner(root, cluster, "helm-test", ["helm"]), {
    where: targetName(target),
    namespace: target.namespace,
    argv: helmTestArgv(config.app, target.namespace, timeout),
  });
}

/**
 * Rolls the release at `target` back to `revision`, else to the revision before the current one
 * (helm's own history decides: core/deploy/rollback.ts), and waits for it to be ready.
 */
export async function hostRollback(
  root: string,
  config: PipelineConfig,
  cluster: HostCluster,
  target: DeployTarget,
  options: { revision?: number; timeout?: string } = {},
): Promise<string> {
  const run = hostRunner(root, cluster, "deploy --rollback", ["helm"]);
  const where = targetName(target);
  const history = await run(helmHistoryArgv(config.app, target.namespace));
  if (history.exitCode !== 0)
    throw new FailureError(
      releaseNotFound(history)
        ? `deploy --rollback: there is no release ${config.app} in ${where} to roll back`
        : `deploy --rollback: cannot read the history of ${config.app} in ${where}: ${helmError(history)}`,
    );
  const choice = rollbackRevision(history.stdout, options.revision);
  const rolled = await run(helmRollbackArgv(config.app, target.namespace, choice.to, options.timeout));
  if (rolled.exitCode !== 0)
    throw new FailureError(
      `deploy --rollback: rolling ${config.app} in ${where} back to revision ${choice.to} failed: ${helmError(rolled)}`,
    );
  return `${config.app} in ${where} rolled back from revision ${choice.from} to revision ${choice.to} (now revision ${choice.from + 1})`;
}

/**
 * Removes the release at `target`; for a pull request's preview also its namespace, which the
 * preview's deploy created and nothing else uses. An environment's namespace is left in place.
 */
export async function hostUndeploy(
  root: string,
  config: PipelineConfig,
  cluster: HostCluster,
  target: DeployTarget,
  timeout?: string,
): Promise<string> {
  const preview = target.pr != null;
  const run = hostRunner(root, cluster, "undeploy", preview ? ["helm", "kubectl"] : ["helm"]);
  const where = targetName(target);
  const removed = await run(helmUninstallArgv(config.app, target.namespace, timeout));
  const absent = removed.exitCode !== 0 && /not found/.test(removed.stderr);
  if (removed.exitCode !== 0 && !absent)
    throw new FailureError(
      `undeploy: helm uninstall of ${config.app} in ${where} failed: ${helmError(removed)}`,
    );
  const lines = [
    absent ? `${config.app} was not installed in ${where}` : `${config.app} removed from ${where}`,
  ];
  if (preview) {
    const deleted = await run(deleteNamespaceArgv(target.namespace, timeout));
    if (deleted.exitCode !== 0)
      throw new FailureError(
        `undeploy: deleting namespace ${target.namespace} failed: ${helmError(deleted)} (the release is gone; delete the namespace by hand)`,
      );
    lines.push(`namespace ${target.namespace} deleted`);
  }
  return lines.join("\n");
}

/** What the host runner's deploy and helm-test steps need. */
export interface HostClusterRun {
  /** The cluster, or why there is none (both steps are then skipped with that reason, exit 3). */
  cluster: HostCluster | { missing: string };
  target: DeployTarget;
  /** The image tag to deploy (default: the plan's). */
  imageTag?: string;
  /** Where the images were published, asked when deploy runs (the loop's publish may have started a registry). */
  registry?: () => string | undefined;
  timeout?: string;
  /** Roll the release back instead of deploying (to `revision`, else the previous deployed one). */
  rollback?: { revision?: number };
}

/** The deploy and helm-test steps of a host run (skipped, saying what to pass, without a cluster). */
export function hostClusterSteps(
  root: string,
  config: PipelineConfig,
  planTag: string,
  run: HostClusterRun,
): Record<"deploy" | "helm-test", () => Promise<string>> {
  const withCluster =
    (stage: string, step: (cluster: HostCluster) => Promise<string>) => async (): Promise<string> => {
      if ("missing" in run.cluster) throw new MissingToolError(`${stage} ${run.cluster.missing}`);
      return step(run.cluster);
    };
  return {
    deploy: withCluster("deploy", (cluster) =>
      run.rollback
        ? hostRollback(root, config, cluster, run.target, { ...run.rollback, timeout: run.timeout })
        : hostDeploy(root, config, cluster, {
            target: run.target,
            imageTag: run.imageTag ?? planTag,
            registry: run.registry?.(),
            timeout: run.timeout,
          }),
    ),
    "helm-test": withCluster("helm-test", (cluster) =>
      hostHelmTest(root, config, cluster, run.target, run.timeout),
    ),
  };
}
