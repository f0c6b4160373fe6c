/**
 * `pipeline config check`: validate pipeline.yaml, print the resolved config, and warn where it
 * names what the repository doesn't have (core/config/warnings.ts). Warnings are part of the
 * report (stdout, or `warnings` in the JSON) and exit 0, so stderr keeps meaning "failed";
 * `--strict` makes them one usage error (exit 2).
 */
import { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import { loadRepo } from "../context.js";
import { formatTable, printJson, printLines } from "../output.js";

/** Builds the `config` command group. */
export function configCommand(): Command {
  const config = new Command("config").description("Validate pipeline.yaml and show the resolved config");
  config
    .command("check")
    .description("Validate pipeline.yaml and print the resolved config with defaults")
    .option("--json", "print the resolved config as JSON (with its warnings)")
    .option("--strict", "treat warnings as errors (exit 2)")
    .action(async (options: { json?: boolean; strict?: boolean }, command: Command) => {
      const { root, config: resolved } = await loadRepo(command);
      const { readConfigFacts } = await import("../../adapters/config/facts.js");
      const { configWarnings } = await import("../../core/config/warnings.js");
      const warnings = configWarnings(resolved, readConfigFacts(root, resolved));
      if (options.strict && warnings.length > 0) {
        const list = warnings.map((w) => `${w.key}: ${w.message}`);
        throw new UsageError(
          `${resolved.file}: ${warnings.length === 1 ? list[0] : `${warnings.length} warnings: ${list.join("; ")}`} (--strict)`,
        );
      }
      if (options.json) return printJson({ ...resolved, warnings });
      printLines(
        warnings.length ? `${resolved.file}: ok, ${warnings.length} warning(s)` : `${resolved.file}: ok`,
        ...warnings.map((w) => `warning: ${w.key}: ${w.message}`),
        formatTable([
          ["app", resolved.app],
          ["go source", `${resolved.go.source} (Go ${resolved.go.version})`],
          ["binaries", resolved.binaries.map((b) => (b.image ? b.name : `${b.name} (no image)`)).join(", ")],
          ["platforms", resolved.platforms.join(", ")],
          [
            "images",
            `${resolved.images.map((i) => `${resolved.image.registry}/${i.name}`).join(", ") || "(none)"}`,
          ],
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
