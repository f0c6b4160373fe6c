/** `pipeline manifest merge`: per-arch images into one multi-arch tag, moving no blob bytes. */
import { Command } from "commander";
import { requireOciTag } from "../../core/validate.js";
import { printJson, printLines } from "../output.js";
import {
  optionalConfig,
  type RegistryFlags,
  registryAccess,
  withRegistryOptions,
} from "../registry-options.js";
import { addMergeAll } from "./manifest-merge-all.js";

/** Builds the `manifest` command group. */
export function manifestCommand(): Command {
  const manifest = new Command("manifest").description(
    "Merge per-arch images into one multi-arch image index",
  );
  withRegistryOptions(
    manifest
      .command("merge <target> <sources...>")
      .description(
        "Push an index of per-arch images (platforms read from each image) under <target>; a re-run is a no-op",
      )
      .option(
        "--version <version>",
        "version annotation on the index (lets `latest` be decided in one request)",
      )
      .option("--json", "print the result as JSON"),
  ).action(
    async (
      target: string,
      sources: string[],
      options: { version?: string; json?: boolean } & RegistryFlags,
      command: Command,
    ) => {
      if (options.version !== undefined) requireOciTag(options.version, "--version");
      // The adapter's code loads while the config is read.
      const [{ mergeManifests }, config] = await Promise.all([
        import("../../adapters/registry/merge.js"),
        optionalConfig(command),
      ]);
      const result = await mergeManifests({
        target,
        sources,
        version: options.version,
        ...registryAccess(options, config),
      });
      if (options.json) return printJson(result);
      printLines(
        `${result.changed ? "pushed" : "unchanged"} ${result.ref}@${result.digest}`,
        `  ${result.platforms.join(", ")}; ${result.mounted} blob(s) mounted, 0 bytes copied`,
      );
    },
  );
  addMergeAll(manifest);
  return manifest;
}
