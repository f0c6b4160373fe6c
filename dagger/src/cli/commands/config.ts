/** `pipeline config check`: validate pipeline.yaml and print the resolved config. */
import { Command } from "commander";
import { loadRepo } from "../context.js";
import { formatTable, printJson, printLines } from "../output.js";

/** Builds the `config` command group. */
export function configCommand(): Command {
  const config = new Command("config").description("Validate pipeline.yaml and show the resolved config");
  config
    .command("check")
    .description("Validate pipeline.yaml and print the resolved config with defaults")
    .option("--json", "print the resolved config as JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const { config: resolved } = await loadRepo(command);
      if (options.json) return printJson(resolved);
      printLines(
        `${resolved.file}: ok`,
        formatTable([
          ["app", resolved.app],
          ["go source", `${resolved.go.source} (Go ${resolved.go.version})`],
          ["binaries", resolved.binaries.map((b) => (b.image ? b.name : `${b.name} (no image)`)).join(", ")],
          ["platforms", resolved.platforms.join(", ")],
          ["images", `${resolved.image.registry}/${resolved.app}-<binary> FROM ${resolved.image.base}`],
          ["chart", `${resolved.chart.path} -> ${resolved.chart.registry}`],
          ["environments", Object.keys(resolved.environments).join(", ")],
          ["rules", resolved.rules.map((r) => r.name).join(", ")],
          ["latest", resolved.latest.strategy],
          ["coverage", `>= ${resolved.coverage.minimum}%`],
          ["gitops", resolved.gitops.repo || "(not set)"],
        ]),
      );
    });
  return config;
}
