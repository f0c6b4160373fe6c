/** `pipeline rollback` and `pipeline unfreeze`. */
import { Command } from "commander";
import { loadRepo } from "../context.js";
import { gitopsTarget, withGitopsOptions } from "../gitops-options.js";
import { printJson, printLines } from "../output.js";

/** Builds the `rollback` command. */
export function rollbackCommand(): Command {
  return withGitopsOptions(
    new Command("rollback")
      .description("Re-promote the previous (or --to) version as a new commit and freeze automatic promotion")
      .requiredOption("--env <environment>", "environment to roll back")
      .option("--to <version>", "version to roll back to (default: the one before the current)")
      .option("--json", "print the result as JSON"),
  ).action(async (options: { env: string; to?: string; repo?: string; json?: boolean }, command: Command) => {
    const { rollback } = await import("../../adapters/gitops/rollback.js");
    const { config } = await loadRepo(command);
    const result = await rollback({
      ...gitopsTarget(config, options),
      environment: options.env,
      to: options.to,
      // Loaded when run: git-context brings semver, which `--help` and other commands never need.
      runUrl: (await import("../../adapters/release/git-context.js")).runUrl(process.env),
      now: new Date(),
    });
    if (options.json) return printJson(result);
    printLines(`${result.message}; ${options.env} is frozen until: pipeline unfreeze --env ${options.env}`);
  });
}

/** Builds the `unfreeze` command. */
export function unfreezeCommand(): Command {
  return withGitopsOptions(
    new Command("unfreeze")
      .description("Allow automatic promotion to an environment again after a rollback")
      .requiredOption("--env <environment>", "environment to unfreeze")
      .option("--json", "print the result as JSON"),
  ).action(async (options: { env: string; repo?: string; json?: boolean }, command: Command) => {
    const { unfreeze } = await import("../../adapters/gitops/rollback.js");
    const { config } = await loadRepo(command);
    const result = await unfreeze({ ...gitopsTarget(config, options), environment: options.env });
    if (options.json) return printJson(result);
    printLines(result.changed ? `${options.env} unfrozen` : `${options.env} was not frozen`);
  });
}
