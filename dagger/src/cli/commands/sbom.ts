/** `pipeline sbom`: SPDX 2.3 SBOMs of published images, attached to each platform's digest and written as files. */
import { Command } from "commander";
import { printJson, printLines } from "../output.js";
import {
  optionalConfig,
  type RegistryFlags,
  registryAccess,
  withRegistryOptions,
} from "../registry-options.js";

interface SbomOptions extends RegistryFlags {
  out?: string;
  attach: boolean;
  version?: string;
  base?: string;
  json?: boolean;
}

/** Builds the `sbom` command. */
export function sbomCommand(): Command {
  return withRegistryOptions(
    new Command("sbom")
      .argument("<image...>", "published image references, e.g. ghcr.io/acme/shop-api:1.2.3")
      .description(
        "Make an SPDX 2.3 SBOM per image and platform from the Go build info in its binaries and its base; attach it to the digest",
      )
      .option("--out <dir>", "also write <image>_<os>_<arch>.spdx.json files there (release assets)")
      .option("--no-attach", "do not attach the SBOMs to the images")
      .option("--version <version>", "release version, for a main module built as (devel)")
      .option("--base <image>", "base image when the image does not annotate it (default: image.base)")
      .option("--json", "print the SBOMs' digests and files as JSON"),
  ).action(async (images: string[], options: SbomOptions, command: Command) => {
    const { imageSboms } = await import("../../adapters/supply-chain/sbom.js");
    const { clients } = await import("../../adapters/registry/connect.js");
    const { parseImageRef } = await import("../../core/registry/oci.js");
    const { userCwd } = await import("../context.js");
    const { resolve } = await import("node:path");
    const config = await optionalConfig(command);
    const access = registryAccess(options, config);
    const client = clients(access);
    const results = [];
    for (const image of images) {
      const ref = parseImageRef(image);
      results.push(
        ...(await imageSboms({
          client: client(ref.registry),
          ref,
          base: options.base ?? config?.image.base,
          version: options.version,
          attach: options.attach,
          ...(options.out ? { outDir: resolve(userCwd(), options.out) } : {}),
        })),
      );
    }
    const { spdxGoModules } = await import("../../core/supply-chain/sbom.js");
    if (options.json)
      return printJson(
        results.map((r) => ({
          image: r.image,
          platform: r.platform,
          artifact: r.artifact ?? null,
          changed: r.changed ?? false,
          file: r.file ?? null,
          modules: spdxGoModules(r.document),
        })),
      );
    printLines(
      ...results.map(
        (r) =>
          `${r.image} ${r.platform}: ${spdxGoModules(r.document).length} Go modules${r.artifact ? `; ${r.changed ? "attached" : "already attached"} ${r.artifact}` : ""}${r.file ? `; wrote ${r.file}` : ""}`,
      ),
    );
  });
}
