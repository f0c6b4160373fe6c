/** `pipeline plan`: what a run would do, without doing it. */
import { Command, InvalidArgumentError } from "commander";
import { safeEcho } from "../../core/validate.js";
import { loadRepo } from "../context.js";
import { printJson } from "../output.js";

/** Parses an integer option, leaving validation of its range (safe, positive) to the core. */
export function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${safeEcho(value)} is not a whole number.`);
  return Number(value);
}

interface PlanOptions {
  ref?: string;
  sha?: string;
  pr?: number;
  tagType?: string;
  latestCurrent?: string;
  event?: string;
  env?: string;
  json?: boolean;
}

/** Builds the `plan` command. */
export function planCommand(): Command {
  return new Command("plan")
    .description("Show what a run would do for this commit: stages, images, tags, chart, latest, promotions")
    .option("--ref <ref>", "full git ref to plan for (refs/heads/main, refs/tags/v1.2.3, refs/pull/42/merge)")
    .option("--sha <sha>", "commit sha (default: HEAD)")
    .option("--pr <n>", "pull request number", integer)
    .option("--tag-type <type>", "annotated | lightweight (default: from git, then the tag name)")
    .option(
      "--latest-current <version>",
      "version latest points to now (default: read from the registry at run time)",
    )
    .option("--event <kind>", "promotion: plan a manual promotion of the ref's version")
    .option("--env <environment>", "target environment of a manual promotion")
    .option("--json", "print the plan as JSON (documented in docs/plan.md)")
    .action(async (options: PlanOptions, command: Command) => {
      const { root, config } = await loadRepo(command);
      const { planFor } = await import("../../adapters/release/plan-source.js");
      const { formatPlan } = await import("../../core/release/plan-text.js");
      const { localGit } = await import("../../adapters/release/git-context.js");
      const plan = await planFor(localGit(root), config, options, process.env);
      if (options.json) printJson(plan);
      else process.stdout.write(formatPlan(plan));
    });
}
