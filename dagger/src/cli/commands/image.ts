/** `pipeline image copy`: copy a released image to another registry by digest, by hand. */
import { Command } from "commander";
import { printJson, printLines } from "../output.js";
import {
  optionalConfig,
  type RegistryFlags,
  registryAccess,
  withRegistryOptions,
} from "../registry-options.js";

interface CopyOptions extends RegistryFlags {
  json?: boolean;
}

/** Builds `image copy <src-ref> <dst-ref>`: the same copy publish makes for image.releaseRegistry. */
function copyCommand(): Command {
  return withRegistryOptions(
    new Command("copy")
      .argument("<src-ref>", "source, e.g. registry.lan/acme/shop-api:1.2.3 (or with @sha256:...)")
      .argument("<dst-ref>", "target, e.g. ghcr.io/acme/shop-api:1.2.3")
      .description(
        "Copy an image (index or manifest) by digest, no rebuild; blobs are mounted when both refs are on one registry",
      )
      .option("--json", "print the target ref and digest as JSON"),
  ).action(async (source: string, target: string, options: CopyOptions, command: Command) => {
    // The adapter's code loads while the config is read.
    const [{ copyImage }, config] = await Promise.all([
      import("../../adapters/registry/copy.js"),
      optionalConfig(command),
    ]);
    const [copied = ""] = await copyImage(source, [target], registryAccess(options, config));
    if (options.json) return printJson({ source, target: copied, digest: copied.split("@")[1] });
    printLines(copied);
  });
}

/** Builds the `image` command group. */
export function imageCommand(): Command {
  return new Command("image")
    .description("Work with released images in registries")
    .addCommand(copyCommand());
}
