/** The images of the core's list (generated Dockerfiles or the repo's own), per platform, and the multi-arch publish. */
import {
  type Container,
  type Platform as DaggerPlatform,
  type Directory,
  dag,
  ExistsType,
  type Secret,
  type Service,
} from "@dagger.io/dagger";
import type { PipelineConfig, Platform } from "../core/config/config.js";
import { FailureError } from "../core/errors.js";
import { buildExtras } from "../core/go/commands.js";
import { planStamp } from "../core/go/ldflags.js";
import { dockerfilesFor, imageBuilds, imagePlansFor } from "../core/images/commands.js";
import { containerBuildable, renderPlan } from "../core/images/image-plan.js";
import { type ConfigPlatform, platformMismatches } from "../core/images/platform-check.js";
import { perArchTag } from "../core/release/names.js";
import { TOOL_IMAGES } from "../core/tools/images.js";
import type { ModuleContext } from "./context.js";
import { withToolOutput } from "./exec-errors.js";
import { build } from "./go.js";
import { containerFromPlan } from "./image-container.js";

/** The build output's migrations/ and assets/ the Go source has (the build stage copies those). */
async function extrasOf(source: Directory, config: PipelineConfig): Promise<string[]> {
  return buildExtras(await source.directory(config.go.source).entries());
}

/** The generated Dockerfile of every image that has one, from the core's list. */
export async function dockerfiles(
  source: Directory,
  config: PipelineConfig,
  labels: Record<string, string>,
): Promise<Directory> {
  let dir = dag.directory();
  for (const d of dockerfilesFor(config, labels, await extrasOf(source, config))) {
    dir = dir.withNewFile(d.file, d.text);
  }
  return dir;
}

/** One image built for one platform. */
export interface BuiltImage {
  image: string;
  platform: Platform;
  container: Container;
}

/**
 * Every image of the core's list for each platform it ships on. A generated image replays its plan
 * on a container of that platform (image-container.ts), so its config names that platform whatever
 * the base; the repo's own Dockerfile (or a generated one with a line only a Dockerfile build does
 * exactly) is built with dockerBuild for the platform, and publish checks what its config says.
 * The build context is laid out as the plan says: a repo folder for a Dockerfile image, then
 * binaries from the build output and repo files.
 */
export async function images(
  source: Directory,
  config: PipelineConfig,
  binaries: Directory,
  platforms: readonly Platform[],
  annotations: Record<string, string>,
): Promise<BuiltImage[]> {
  const extras = await extrasOf(source, config);
  const plans = imagePlansFor(config, annotations, extras);
  const builds = imageBuilds(config, platforms, "unused", config.image.registry, extras);
  // A repo entry may be a file or a folder; ask once per source.
  const repoDirs = new Map<string, Promise<boolean>>();
  const isRepoDir = (path: string) => {
    if (!repoDirs.has(path))
      repoDirs.set(path, source.exists(path, { expectedType: ExistsType.DirectoryType }).then(Boolean));
    return repoDirs.get(path)!;
  };
  return Promise.all(
    builds.map(async (build) => {
      let context = build.baseContext === null ? dag.directory() : source.directory(build.baseContext);
      const folders = new Set<string>();
      for (const entry of build.context) {
        const folder = entry.from === "build" ? extras.includes(entry.source) : await isRepoDir(entry.source);
        const from = entry.from === "build" ? binaries : source;
        if (folder) folders.add(entry.path);
        context = folder
          ? context.withDirectory(entry.path, from.directory(entry.source))
          : context.withFile(entry.path, from.file(entry.source));
      }
      const generated = plans.find((p) => p.image === build.image)?.plan;
      let container: Container;
      if (generated && containerBuildable(generated)) {
        container = containerFromPlan(generated, build.platform, context, (path) => folders.has(path));
      } else {
        if (generated) context = context.withNewFile(build.dockerfile, renderPlan(generated));
        container = context.dockerBuild({
          dockerfile: build.dockerfile,
          platform: build.platform as unknown as DaggerPlatform,
          ...(build.target ? { target: build.target } : {}),
          ...(Object.keys(build.buildArgs).length
            ? { buildArgs: Object.entries(build.buildArgs).map(([name, value]) => ({ name, value })) }
            : {}),
        });
      }
      for (const [name, value] of Object.entries({
        ...annotations,
        "org.opencontainers.image.title": build.image,
      })) {
        container = container.withAnnotation(name, value);
      }
      return { image: build.image, platform: build.platform as Platform, container };
    }),
  );
}

/**
 * The platform an image's own config names. The image is exported as an OCI layout (asTarball) and
 * unpacked by tar; only its JSON (index, manifest, config) is read back, as text, since
 * `File.contents` is a UTF-8 string and layers are binary.
 */
export async function configPlatform(container: Container): Promise<ConfigPlatform> {
  const layout = dag
    .container()
    .from(TOOL_IMAGES.alpine)
    .withMountedFile("/image.tar", container.asTarball())
    .withDirectory("/layout", dag.directory())
    .withExec(["tar", "-xf", "/image.tar", "-C", "/layout"])
    .directory("/layout");
  const blob = async (digest: string) =>
    JSON.parse(await layout.file(`blobs/${digest.replace(":", "/")}`).contents()) as Record<string, unknown>;
  type Descriptor = { digest: string; mediaType?: string };
  let manifest = JSON.parse(await layout.file("index.json").contents()) as Record<string, unknown>;
  // index.json lists the image's manifest (or, for some exporters, a nested index of one manifest).
  while (Array.isArray(manifest.manifests)) {
    const first = (manifest.manifests as Descriptor[])[0];
    if (!first) throw new FailureError("publish: an exported image has an empty OCI index");
    manifest = await blob(first.digest);
  }
  return (await blob((manifest.config as Descriptor).digest)) as ConfigPlatform;
}

/** Fails, naming each one, when a variant's image config names another platform than it was built for. */
export async function checkVariantPlatforms(built: readonly BuiltImage[]): Promise<void> {
  const variants = await Promise.all(
    built.map(async (b) => ({
      binary: b.image,
      platform: b.platform,
      // The first place the image is built: a failing Dockerfile step reports the tool's own output here.
      config: await withToolOutput(
        `publish (build ${b.image} for ${b.platform})`,
        configPlatform(b.container),
      ),
    })),
  );
  const wrong = platformMismatches(variants);
  if (wrong.length)
    throw new FailureError(
      `publish: refusing to push a multi-arch tag that is not: ${wrong.join("; ")}; use a base image (image.base) that has every platform`,
    );
}

/** Publishes every image as one multi-arch image per tag (plus per-arch tags when configured); returns refs with digests. */
export async function publish(
  config: PipelineConfig,
  built: BuiltImage[],
  registry: string,
  tags: readonly string[],
  auth?: { username: string; password: Secret },
  /** The registry as a service when it runs on the host (the engine's localhost is not the host's). */
  registryService?: Service,
): Promise<string[]> {
  // Before any push: a variant built on another platform's base would ship a one-arch "multi-arch" tag.
  await checkVariantPlatforms(built);
  const refs: string[] = [];
  const authed = (c: Container, address: string) =>
    auth ? c.withRegistryAuth(address, auth.username, auth.password) : c;
  for (const image of [...new Set(built.map((b) => b.image))]) {
    const repository = `${registry.replace(/\/+$/, "")}/${image}`;
    const variants = built.filter((b) => b.image === image).map((b) => authed(b.container, repository));
    for (const tag of tags) {
      refs.push(
        await authed(dag.container(), repository).publish(`${repository}:${tag}`, {
          platformVariants: variants,
          registryService,
        }),
      );
    }
    if (config.image.perArchTags) {
      for (const b of built.filter((x) => x.image === image)) {
        refs.push(
          await authed(b.container, repository).publish(`${repository}:${perArchTag(tags[0]!, b.platform)}`, {
            registryService,
          }),
        );
      }
    }
  }
  return refs;
}

/** The generated Dockerfiles of the checkout's plan. */
export async function dockerfilesForEvent(context: ModuleContext): Promise<Directory> {
  const config = await context.config();
  const plan = await context.plan();
  return dockerfiles(context.source, config, plan.annotations);
}

/** Every image of the checkout's plan, built for `platforms` (default: pipeline.yaml's). */
export async function imagesForEvent(
  context: ModuleContext,
  input: { platforms?: string[]; goPrivateToken?: Secret },
): Promise<Container[]> {
  const config = await context.config();
  const plan = await context.plan();
  const targets = (input.platforms?.length ? input.platforms : config.platforms) as Platform[];
  const binaries = await build(context.source, config, targets, planStamp(plan), {
    goPrivateToken: input.goPrivateToken,
  });
  return (await images(context.source, config, binaries, targets, plan.annotations)).map((i) => i.container);
}
