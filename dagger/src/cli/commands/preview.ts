/** `pipeline preview up|down|sweep`: one preview environment per pull request. */
import { Command, InvalidArgumentError } from "commander";
import { UsageError } from "../../core/errors.js";
import { loadRepo } from "../context.js";
import { gitopsTarget, withGitopsOptions } from "../gitops-options.js";
import { printJson, printLines } from "../output.js";
import { registryAccess } from "../registry-options.js";
import { integer } from "./plan.js";

function prList(value: string): number[] {
  const list = value
    .split(",")
    .filter(Boolean)
    .map((n) => Number(n.trim()));
  if (list.some((n) => !Number.isInteger(n) || n <= 0))
    throw new InvalidArgumentError(`"${value}" is not a comma-separated list of pull request numbers.`);
  return list;
}

/** Builds the `preview` command group. */
export function previewCommand(): Command {
  const preview = new Command("preview").description(
    "Add, remove or sweep per-pull-request preview environments",
  );
  withGitopsOptions(
    preview
      .command("up")
      .description("Add or update the preview of a pull request (namespace preview-<n>)")
      .requiredOption("--pr <n>", "pull request number", integer)
      .requiredOption("--image-tag <tag>", "image tag of every binary")
      .requiredOption("--chart-version <version>", "chart version")
      .option("--json", "print the result as JSON"),
  ).action(
    async (
      options: { pr: number; imageTag: string; chartVersion: string; repo?: string; json?: boolean },
      command: Command,
    ) => {
      const { previewUp } = await import("../../adapters/gitops/preview.js");
      const { root, config } = await loadRepo(command);
      const result = await previewUp({
        ...gitopsTarget(config, options),
        pr: options.pr,
        imageTag: options.imageTag,
        chartVersion: options.chartVersion,
        now: new Date(),
        root,
        registry: registryAccess({}, config),
      });
      if (options.json) return printJson(result);
      printLines(
        result.changed
          ? `preview of #${result.pr} is up: ${result.path}`
          : `preview of #${result.pr} is already up to date`,
      );
    },
  );
  withGitopsOptions(
    preview
      .command("down")
      .description("Remove the preview of a pull request")
      .requiredOption("--pr <n>", "pull request number", integer)
      .option("--json", "print the result as JSON"),
  ).action(async (options: { pr: number; repo?: string; json?: boolean }, command: Command) => {
    const { previewDown } = await import("../../adapters/gitops/preview.js");
    const { config } = await loadRepo(command);
    const result = await previewDown({ ...gitopsTarget(config, options), pr: options.pr });
    if (options.json) return printJson(result);
    printLines(
      result.changed ? `preview of #${result.pr} removed` : `preview of #${result.pr} was not there`,
    );
  });
  withGitopsOptions(
    preview
      .command("sweep")
      .description(
        "Remove previews older than --max-age, and those of closed pull requests when --open-prs is given",
      )
      .requiredOption("--max-age <duration>", "e.g. 72h, 7d")
      .option(
        "--open-prs <list>",
        "comma-separated open pull requests; previews of any other are removed",
        prList,
      )
      .option("--json", "print the result as JSON"),
  ).action(
    async (
      options: { maxAge: string; openPrs?: number[]; repo?: string; json?: boolean },
      command: Command,
    ) => {
      const { previewSweep } = await import("../../adapters/gitops/preview.js");
      const { parseDuration } = await import("../../core/gitops/layout.js");
      const maxAgeMs = parseDuration(options.maxAge);
      if (maxAgeMs === null)
        throw new UsageError(`--max-age "${options.maxAge}" is not a duration (examples: 72h, 7d, 30m)`);
      const { config } = await loadRepo(command);
      const result = await previewSweep({
        ...gitopsTarget(config, options),
        maxAgeMs,
        openPrs: options.openPrs,
        now: new Date(),
      });
      if (options.json) return printJson(result);
      printLines(
        result.removed.length
          ? result.removed.map((r) => `removed preview of #${r.pr}: ${r.reason}`).join("\n")
          : "no preview to remove",
      );
    },
  );
  return preview;
}
