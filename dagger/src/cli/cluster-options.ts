/**
 * The options of the commands that talk to a cluster (the loop, deploy, helm-test, undeploy):
 * which cluster (`--kubeconfig`, else KUBECONFIG, else Kind with the dagger runner), which
 * environment and pull request's preview, how long helm waits, and deploy's `--rollback`.
 */
import { resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import type { HostClusterRun } from "../adapters/runners/host/deploy.js";
import { hasTool } from "../adapters/runners/local/tools.js";
import type { PipelineConfig } from "../core/config/config.js";
import { deployTimeout } from "../core/deploy/commands.js";
import { type DeployTarget, deployTarget, PREVIEW_ENVIRONMENT } from "../core/deploy/target.js";
import { type ClusterChoice, chooseCluster } from "../core/runners/cluster-choice.js";
import type { RunnerName } from "../core/runners/runner-choice.js";
import { safeEcho } from "../core/validate.js";
import { userCwd } from "./context.js";

/** Flags of the commands that reach a cluster. */
export interface ClusterFlags {
  kubeconfig?: string;
  environment?: string;
  /** The pull request the run is planned as; with the preview environment, its preview namespace and host. */
  pr?: number;
  imageTag?: string;
  timeout?: string;
  /** deploy --rollback [revision]: true, or the revision. */
  rollback?: boolean | number;
}

const KUBECONFIG_HELP =
  "the cluster's kubeconfig (default: KUBECONFIG; with --runner dagger and kind installed, the local Kind cluster)";

function revision(value: string): number {
  if (!/^[1-9]\d*$/.test(value))
    throw new InvalidArgumentError(`${safeEcho(value)} is not a revision number.`);
  return Number(value);
}

/** Adds the cluster options `what` takes: the loop only the cluster and timeout, deploy everything. */
export function withClusterOptions(
  command: Command,
  what: "loop" | "deploy" | "helm-test" | "undeploy",
): Command {
  command
    .option("--kubeconfig <file>", KUBECONFIG_HELP)
    .option("--timeout <duration>", "how long helm waits for the rollout, test pods or removal (default 5m)");
  if (what === "loop") return command;
  command.option(
    "--environment <env>",
    "environment whose values and namespace to use (default preview; with --pr, that pull request's preview)",
  );
  if (what !== "deploy") return command;
  return command
    .option("--image-tag <tag>", "image tag to deploy (default: the plan's)")
    .option(
      "--rollback [revision]",
      "roll the release back to the previous deployed revision, or to this one",
      revision,
    );
}

/** The deploy target of the flags: the environment (default preview), a pull request's preview with --pr. */
export function clusterTarget(
  config: Pick<PipelineConfig, "environments" | "preview">,
  flags: ClusterFlags,
): DeployTarget {
  const environment = flags.environment ?? PREVIEW_ENVIRONMENT;
  // As `dagger call deploy`: --pr picks the plan's event everywhere, and the namespace only for a preview.
  return deployTarget(config, environment, environment === PREVIEW_ENVIRONMENT ? flags.pr : undefined);
}

/** The cluster for `runner`: --kubeconfig (relative to where the user ran the command), KUBECONFIG or Kind. */
export function clusterChoice(runner: RunnerName, flags: ClusterFlags): ClusterChoice {
  return chooseCluster(runner, {
    flag: flags.kubeconfig ? resolve(userCwd(), flags.kubeconfig) : undefined,
    env: process.env.KUBECONFIG || undefined,
    kind: runner === "dagger" && hasTool("kind"),
  });
}

/** What the host runner's deploy and helm-test get; `registry` says where the run published. */
export function hostClusterRun(
  config: PipelineConfig,
  flags: ClusterFlags,
  choice: ClusterChoice,
  registry: () => string | undefined,
): HostClusterRun {
  return {
    cluster:
      choice.kind === "kubeconfig" ? { kubeconfig: choice.kubeconfig } : { missing: missingCluster(choice) },
    target: clusterTarget(config, flags),
    imageTag: flags.imageTag,
    registry,
    timeout: deployTimeout(flags.timeout),
    rollback: rollbackOf(flags),
  };
}

/** `--rollback` as the host step takes it: undefined (deploy), or the revision to go to (undefined: the previous one). */
export function rollbackOf(flags: ClusterFlags): { revision?: number } | undefined {
  if (flags.rollback === undefined || flags.rollback === false) return undefined;
  return flags.rollback === true ? {} : { revision: flags.rollback };
}

function missingCluster(choice: ClusterChoice): string {
  return choice.kind === "none" ? choice.reason : "needs a cluster given by --kubeconfig or KUBECONFIG";
}
