/** `pipeline latest`: move `latest` only when the policy says so. */
import { Command, Option } from "commander";
import { printJson, printLines } from "../output.js";
import {
  optionalConfig,
  type RegistryFlags,
  registryAccess,
  withRegistryOptions,
} from "../registry-options.js";

interface LatestOptions extends RegistryFlags {
  version: string;
  strategy?: "auto" | "force" | "skip";
  tagType?: "annotated" | "lightweight";
  majorMinor?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** Builds the `latest` command. */
export function latestCommand(): Command {
  return withRegistryOptions(
    new Command("latest")
      .argument("<repository>", "image repository, e.g. ghcr.io/acme/shop-api")
      .description(
        "Decide and move the latest tag of a repository (auto: only for annotated releases newer than latest)",
      )
      .requiredOption("--version <version>", "the release's version, also its image tag (e.g. 1.2.3)")
      .addOption(
        new Option("--strategy <strategy>", "auto | force | skip (default: latest.strategy)").choices([
          "auto",
          "force",
          "skip",
        ]),
      )
      .addOption(
        new Option(
          "--tag-type <type>",
          "annotated | lightweight (default: TAG_TYPE_OVERRIDE, then the name)",
        ).choices(["annotated", "lightweight"]),
      )
      .option("--major-minor", "also move X and X.Y")
      .option("--dry-run", "decide and print, write nothing")
      .option("--json", "print the decision as JSON"),
  ).action(async (repository: string, options: LatestOptions, command: Command) => {
    const { updateLatest } = await import("../../adapters/registry/latest.js");
    const { resolveTagType } = await import("../../core/release/latest.js");
    const config = await optionalConfig(command);
    const tagType = resolveTagType({
      override: options.tagType ?? process.env.TAG_TYPE_OVERRIDE,
      tagName: options.version,
    }).type;
    const result = await updateLatest({
      repository,
      version: options.version,
      strategy: options.strategy ?? config?.latest.strategy ?? "auto",
      tagType,
      majorMinor: options.majorMinor ?? config?.latest.majorMinor ?? false,
      dryRun: options.dryRun,
      ...registryAccess(options, config),
    });
    if (options.json) return printJson(result);
    const from = result.current.version
      ? `${result.current.version} (from its ${result.current.source})`
      : "nothing";
    const action = !result.decision.update
      ? "stays"
      : result.dryRun
        ? `would move: ${result.decision.tags.join(", ")}`
        : result.moved.length
          ? `moved: ${result.moved.join(", ")}`
          : "already there";
    printLines(`latest -> ${from}; ${action}`, `  ${result.decision.reason}`);
    if (result.current.source === "digest-scan")
      printLines("  (no version annotation or label on latest: found it by scanning tag digests)");
  });
}
