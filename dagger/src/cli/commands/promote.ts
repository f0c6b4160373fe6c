/** `pipeline promote`: one version to one environment, as a commit to the gitops repo. */
import { Command } from "commander";
import { loadRepo } from "../context.js";
import { gitopsTarget, sourceSha, withGitopsOptions } from "../gitops-options.js";
import { printJson, printLines } from "../output.js";
import { registryAccess } from "../registry-options.js";
import { parseDigests } from "./verify.js";

interface PromoteOptions {
  env: string;
  imageTag: string;
  chartVersion: string;
  digest?: string[];
  repo?: string;
  sourceSha?: string;
  force?: boolean;
  json?: boolean;
}

/** Builds the `promote` command. */
export function promoteCommand(): Command {
  return withGitopsOptions(
    new Command("promote")
      .description(
        "Promote a version to an environment: commit its image tags and chart version to the gitops repo",
      )
      .requiredOption("--env <environment>", "target environment (staging, uat, prod, ...)")
      .requiredOption("--image-tag <tag>", "image tag of every binary")
      .requiredOption("--chart-version <version>", "chart version Argo CD deploys")
      .option(
        "--digest <binary=sha256:...>",
        "pin one binary by digest (repeatable)",
        (v: string, all: string[] = []) => [...all, v],
      )
      .option("--source-sha <sha>", "source commit recorded in the commit (default: CI's sha or HEAD)")
      .option(
        "--force",
        'promote even while the environment is frozen by a rollback, or when it runs a newer version (a downgrade; refused otherwise with exit 1, "superseded by <version>")',
      )
      .option("--json", "print the result as JSON"),
  ).action(async (options: PromoteOptions, command: Command) => {
    const { promote } = await import("../../adapters/gitops/promote.js");
    const { root, config } = await loadRepo(command);
    const result = await promote({
      ...gitopsTarget(config, options),
      environment: options.env,
      imageTag: options.imageTag,
      chartVersion: options.chartVersion,
      digests: parseDigests(options.digest),
      sourceSha: sourceSha(root, options.sourceSha),
      // Loaded when run: git-context brings semver, which `--help` and other commands never need.
      runUrl: (await import("../../adapters/release/git-context.js")).runUrl(process.env),
      force: options.force,
      registry: registryAccess({}, config),
      root,
    });
    if (options.json) return printJson(result);
    printLines(
      result.message +
        (result.commit ? ` (${result.commit.slice(0, 7)}, ${result.attempts} attempt(s))` : ""),
    );
    if (result.pullRequest) printLines(`  ${result.pullRequest.url}`);
  });
}
