/** `pipeline history`: the promotions of an environment. */
import { Command } from "commander";
import { loadRepo } from "../context.js";
import { gitopsTarget, withGitopsOptions } from "../gitops-options.js";
import { formatTable, printJson, printLines } from "../output.js";
import { integer } from "./plan.js";

/** Builds the `history` command. */
export function historyCommand(): Command {
  return withGitopsOptions(
    new Command("history")
      .description("List the promotions of an environment, newest first, from the gitops log")
      .requiredOption("--env <environment>", "environment")
      .option("--limit <n>", "at most this many", integer, 20)
      .option("--json", "print the entries as JSON"),
  ).action(
    async (options: { env: string; limit: number; repo?: string; json?: boolean }, command: Command) => {
      const { history } = await import("../../adapters/gitops/history.js");
      const { config } = await loadRepo(command);
      const entries = await history({
        ...gitopsTarget(config, options),
        environment: options.env,
        limit: options.limit,
      });
      if (options.json) return printJson(entries);
      if (entries.length === 0) return printLines(`no promotion to ${options.env} yet`);
      printLines(
        formatTable([
          ["WHEN", "VERSION", "CHART", "SOURCE", "WHO", ""],
          ...entries.map((e) => [
            e.at,
            e.version,
            e.chartVersion,
            e.sourceSha.slice(0, 7),
            e.author,
            e.rollback ? "rollback" : "",
          ]),
        ]),
      );
    },
  );
}
