/** `manifest-merge` and `update-latest`: registry writes that move tags, never blobs. */
import { mergeManifests } from "../adapters/registry/merge.js";
import type { PipelineConfig } from "../core/config/config.js";
import { latestCommand } from "../core/tools/pipeline-cli.js";
import { cliRepository, runCli, runId } from "./cli-container.js";
import type { ModuleContext } from "./context.js";
import { plainLogins, type RegistryLoginArgs, type RegistryLogins, registryLogins } from "./credentials.js";

/** The arguments of `dagger call manifest-merge`. */
export interface MergeInput extends RegistryLoginArgs {
  target: string;
  sources: string[];
  version?: string;
}

/** Merges per-arch images into one multi-arch tag; resolves to the merge's JSON. */
export async function manifestMerge(input: MergeInput): Promise<string> {
  const result = await mergeManifests({
    target: input.target,
    sources: input.sources,
    version: input.version,
    ...(await plainLogins(await registryLogins("manifest-merge", input))),
  });
  return JSON.stringify(result, null, 2);
}

/** The arguments of `dagger call update-latest`. */
export interface LatestInput extends RegistryLoginArgs {
  repository: string;
  version: string;
  strategy?: string;
  tagType?: string;
  dryRun?: boolean;
  ref?: string;
}

/** Moves latest for one repository when the policy says so. */
export async function updateLatest(context: ModuleContext, input: LatestInput): Promise<string> {
  const logins = await registryLogins("update-latest", input);
  const config = await context.config();
  // The tag type comes from git (as `plan` decides it), not from the tag's name.
  const tagType = input.tagType ?? (await context.plan({ ref: input.ref })).latest?.tagType;
  return latestPlanned(context, config, input.repository, input.version, {
    strategy: input.strategy,
    tagType,
    dryRun: input.dryRun,
    registry: logins,
  });
}

/** Runs `pipeline latest` for one repository, with the tag type already decided from git. */
export function latestPlanned(
  context: ModuleContext,
  config: PipelineConfig,
  repository: string,
  version: string,
  options: {
    strategy?: string;
    tagType?: string;
    dryRun?: boolean;
    registry?: RegistryLogins;
  },
): Promise<string> {
  const argv = latestCommand({ repository, version, ...options });
  return runCli(
    context.cli(),
    cliRepository(context.source, config),
    argv,
    { registry: options.registry },
    runId(),
  );
}
