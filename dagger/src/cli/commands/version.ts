/** `pipeline version`: the version this commit builds as. */
import { Command } from "commander";
import { loadRepo } from "../context.js";
import { printJson } from "../output.js";
import { integer } from "./plan.js";

/** Builds the `version` command. */
export function versionCommand(): Command {
  return new Command("version")
    .description("Print the version this commit builds as (from its tag, or the next patch as a prerelease)")
    .option("--ref <ref>", "full git ref (default: from CI variables or the checkout)")
    .option("--sha <sha>", "commit sha (default: HEAD)")
    .option("--pr <n>", "pull request number", integer)
    .option("--json", "print version, source and whether it was coerced as JSON")
    .action(
      async (options: { ref?: string; sha?: string; pr?: number; json?: boolean }, command: Command) => {
        const { root, config } = await loadRepo(command);
        const { planFor } = await import("../../adapters/release/plan-source.js");
        const { localGit } = await import("../../adapters/release/git-context.js");
        const plan = await planFor(localGit(root), config, options, process.env);
        if (options.json)
          printJson({ version: plan.version, source: plan.versionSource, coerced: plan.coerced });
        else process.stdout.write(`${plan.version}\n`);
      },
    );
}
