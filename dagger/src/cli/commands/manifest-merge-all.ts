/**
 * `pipeline manifest merge-all`: a whole release's merges (one index per image) in one process.
 * A release merges every image of every binary; one process per image pays Node's start and the
 * config read each time, so this runs the merges at once in one process. Each merge is the same
 * `mergeManifests` as `manifest merge`; all of them share one client per registry, so its
 * connections and tokens serve every merge (concurrent auth challenges share one token fetch).
 */
import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import { requireOciTag, safeEcho } from "../../core/validate.js";
import { printJson, printLines } from "../output.js";
import {
  optionalConfig,
  type RegistryFlags,
  registryAccess,
  withRegistryOptions,
} from "../registry-options.js";

/** One `<target>=<source>,<source>...` group. */
export interface MergeGroup {
  target: string;
  sources: string[];
}

/** Parses `<target>=<source>,<source>...` groups; refuses an empty side or a target named twice. */
export function parseMergeGroups(groups: readonly string[]): MergeGroup[] {
  const parsed = groups.map((group) => {
    const at = group.indexOf("=");
    const target = at < 0 ? "" : group.slice(0, at).trim();
    const sources = (at < 0 ? "" : group.slice(at + 1))
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (!target || sources.length === 0)
      throw new UsageError(
        `${safeEcho(group)}: not <target>=<source>,<source> (example: ghcr.io/acme/api:1.2.3=ghcr.io/acme/api:1.2.3-amd64,ghcr.io/acme/api:1.2.3-arm64)`,
      );
    return { target, sources };
  });
  const seen = new Set<string>();
  for (const { target } of parsed) {
    if (seen.has(target)) throw new UsageError(`${safeEcho(target)}: named as a target twice`);
    seen.add(target);
  }
  return parsed;
}

/** Adds `merge-all` to the `manifest` command group. */
export function addMergeAll(manifest: Command): void {
  withRegistryOptions(
    manifest
      .command("merge-all <groups...>")
      .description("Merge several images at once, each group <target>=<source>,<source>; a re-run is a no-op")
      .option("--version <version>", "version annotation on every index")
      .option("--json", "print the results as JSON"),
  ).action(
    async (
      groups: string[],
      options: { version?: string; json?: boolean } & RegistryFlags,
      command: Command,
    ) => {
      const parsed = parseMergeGroups(groups);
      if (options.version !== undefined) requireOciTag(options.version, "--version");
      // The adapters' code loads while the config is read.
      const [{ mergeManifests }, { clients }, config] = await Promise.all([
        import("../../adapters/registry/merge.js"),
        import("../../adapters/registry/connect.js"),
        optionalConfig(command),
      ]);
      const access = registryAccess(options, config);
      const shared = { ...access, clients: clients(access) };
      const settled = await Promise.allSettled(
        parsed.map((group) => mergeManifests({ ...group, version: options.version, ...shared })),
      );
      // Every merge is attempted; the first failure is reported after the others have landed.
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
      if (failed) throw failed.reason;
      const results = settled.map(
        (s) => (s as PromiseFulfilledResult<Awaited<ReturnType<typeof mergeManifests>>>).value,
      );
      if (options.json) return printJson(results);
      printLines(
        ...results.map(
          (r) => `${r.changed ? "pushed" : "unchanged"} ${r.ref}@${r.digest}  ${r.platforms.join(", ")}`,
        ),
      );
    },
  );
}
