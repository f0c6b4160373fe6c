/**
 * `pipeline undeploy`: removes the release a deploy made from a cluster, with the host's helm; for
 * a pull request's preview (`--pr`) also its namespace (kubectl), which is preview down for a
 * cluster the pipeline deploys to directly. `pipeline preview down` is the gitops side (Argo CD).
 */
import { Command } from "commander";
import { MissingToolError } from "../../core/errors.js";
import { type ClusterFlags, clusterChoice, clusterTarget, withClusterOptions } from "../cluster-options.js";
import { loadRepo } from "../context.js";
import { printJson, printLines } from "../output.js";
import { integer } from "./plan.js";

/** Builds the `undeploy` command. */
export function undeployCommand(): Command {
  return withClusterOptions(
    new Command("undeploy")
      .description(
        "Remove the release deploy made from a cluster; with --pr, that pull request's preview and its namespace",
      )
      .option(
        "--pr <n>",
        "the pull request whose preview to remove (namespace from preview.namespace)",
        integer,
      )
      .option("--json", "print the result as JSON"),
    "undeploy",
  ).action(async (flags: ClusterFlags & { json?: boolean }, command: Command) => {
    const { root, config } = await loadRepo(command);
    const target = clusterTarget(config, flags);
    const cluster = clusterChoice("host", flags);
    // The host runner's choice: --kubeconfig, else KUBECONFIG, else none (it creates no cluster).
    if (cluster.kind !== "kubeconfig")
      throw new MissingToolError(
        `undeploy ${cluster.kind === "none" ? cluster.reason : "needs --kubeconfig or KUBECONFIG"}`,
      );
    const { hostUndeploy } = await import("../../adapters/runners/host/deploy.js");
    const { deployTimeout } = await import("../../core/deploy/commands.js");
    const summary = await hostUndeploy(
      root,
      config,
      { kubeconfig: cluster.kubeconfig },
      target,
      deployTimeout(flags.timeout),
    );
    if (flags.json) return printJson({ namespace: target.namespace, pr: target.pr ?? null, summary });
    printLines(summary);
  });
}
