/**
 * The publish step after the images are in the local daemon: push them to the first registry as
 * multi-arch indexes, copy the same digests to the others and a release's tags to
 * image.releaseRegistry. The host runner's publish stage calls it after building; `pipeline
 * serve` calls it in its own process after a stage process without credentials built the images,
 * so the registry credentials never reach a process that ran the repository's code.
 */
import type { PipelineConfig } from "../../../core/config/config.js";
import type { ImageBuild } from "../../../core/images/commands.js";
import { releaseCopies } from "../../../core/registry/registries.js";
import type { Plan } from "../../../core/release/plan.js";
import type { RegistryAccess } from "../../registry/connect.js";
import { copyRelease, mirrorPublished } from "../../registry/copy.js";
import { hostPublish, publishedLine } from "./publish.js";

/** Pushes `builds` for `plan` to `registries` (the first pushed to, the others copied); returns the summary lines. */
export async function publishImages(options: {
  builds: readonly ImageBuild[];
  config: PipelineConfig;
  plan: Plan;
  registries: readonly string[];
  /** Tags to merge into (default: the plan's image tag and extra tags). */
  tags?: readonly string[];
  access?: RegistryAccess;
}): Promise<string> {
  const { config, plan } = options;
  const [registry = "", ...mirrors] = options.registries;
  const result = await hostPublish({
    builds: options.builds,
    registry,
    app: config.app,
    tags: options.tags ?? [plan.tags.image, ...plan.tags.extra],
    version: plan.version,
    perArchTags: config.image.perArchTags,
    created: plan.annotations["org.opencontainers.image.created"],
    access: options.access,
  });
  const mirrored = await mirrorPublished(
    [...result.refs, ...result.perArch],
    registry,
    mirrors,
    options.access,
  );
  // A release's tags also go to image.releaseRegistry, by digest.
  const released = await copyRelease(releaseCopies(config, plan, registry), options.access);
  return [
    publishedLine(result, registry, mirrors),
    ...result.refs,
    ...result.perArch,
    ...mirrored,
    ...released.map((ref) => `release registry: ${ref}`),
  ].join("\n");
}
