/**
 * The publish stage under serve. With the host runner it is two steps, so the registry
 * credentials never reach a process that runs the repository's code: `pipeline images` builds
 * the images into the local Docker daemon in a stage process without credentials, then serve's
 * own code pushes them (the same publish step as the host runner's, adapters/runners/host/
 * publish-images.ts) to the registries of the server's pipeline.yaml, with serve's credentials.
 * With the Dagger runner, `pipeline publish --runner dagger` builds in the engine's containers.
 */
import { publishImages } from "../adapters/runners/host/publish-images.js";
import type { Run } from "../adapters/serve/store.js";
import { imageBuilds } from "../core/images/commands.js";
import type { BuildState, ExecutorContext } from "./run-context.js";

/** Runs publish; `stageProcess` runs a stage command without credentials. Resolves to its summary line. */
export async function publishStage(
  run: Run,
  ctx: ExecutorContext,
  state: BuildState,
  stageProcess: (stage: string) => Promise<void>,
): Promise<string | undefined> {
  if (ctx.runner === "dagger") {
    await stageProcess("publish");
    return undefined;
  }
  await stageProcess("images");
  const { config, plan } = state;
  // What `pipeline images` tagged in the daemon: the same config, platforms and plan tag.
  const builds = imageBuilds(config, config.platforms, plan.tags.image);
  const summary = await publishImages({
    builds,
    config,
    plan,
    registries: ctx.config.image.registries,
    access: { insecure: ctx.config.image.insecureRegistries },
  });
  for (const line of summary.split("\n")) await ctx.store.log(run.id, "publish", line);
  return summary.split("\n")[0];
}
