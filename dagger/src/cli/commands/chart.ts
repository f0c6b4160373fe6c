/** `pipeline chart push`: a packaged chart to an OCI registry, as helm push stores it. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import { userCwd } from "../context.js";
import { printJson, printLines } from "../output.js";
import {
  optionalConfig,
  type RegistryFlags,
  registryAccess,
  withRegistryOptions,
} from "../registry-options.js";

/** Builds the `chart` command group. */
export function chartCommand(): Command {
  const chart = new Command("chart").description("Push packaged Helm charts to OCI registries");
  withRegistryOptions(
    chart
      .command("push <chart.tgz> <oci-url>")
      .description("Push a chart packaged by helm package to oci://registry/path (tag = chart version)")
      .option("--json", "print the result as JSON"),
  ).action(
    async (file: string, target: string, options: { json?: boolean } & RegistryFlags, command: Command) => {
      const { pushChart } = await import("../../adapters/registry/chart-push.js");
      const path = resolve(userCwd(), file);
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch {
        throw new UsageError(
          `${path}: cannot read the chart (package it first: helm package helm/sample-app)`,
        );
      }
      const config = await optionalConfig(command);
      const { isoSeconds, parseSourceDateEpoch } = await import("../../core/release/source-date.js");
      // SOURCE_DATE_EPOCH (the module's chart push sets it to the commit's time) makes the pushed chart reproducible.
      const epoch = parseSourceDateEpoch(process.env.SOURCE_DATE_EPOCH);
      const result = await pushChart({
        chart: bytes,
        file: path,
        target,
        ...(epoch === null ? {} : { created: isoSeconds(epoch) }),
        ...registryAccess(options, config),
      });
      if (options.json) return printJson(result);
      printLines(`${result.changed ? "pushed" : "unchanged"} ${result.ref}@${result.digest}`);
    },
  );
  return chart;
}
