/**
 * The images stage as data, for both shells: which images a run builds (core/config/images-section.ts),
 * the Dockerfile generated for each, which image is built for each platform, what its build
 * context holds (binaries from the build output, files from the repo) and its local tag, and the
 * `docker build` that builds it on a host. The module builds the same list: a generated image by
 * replaying its plan on a container of the platform, a repo Dockerfile image with dockerBuild;
 * the host runner and `render` run these.
 */
import type { PipelineConfig } from "../config/config.js";
import type {
  DockerfileImageConfig,
  GeneratedImageConfig,
  ImageBinary,
  ImageConfig,
} from "../config/images-section.js";
import { BUILD_EXTRA_DIRS, buildOutputPath } from "../go/commands.js";
import { perArchTag } from "../release/names.js";
import { type ImagePlan, imagePlan, renderPlan } from "./image-plan.js";

/** Where repo files go in a generated image's build context (binary names cannot start with `_`). */
export const CONTEXT_FILES_DIR = "_files";

/** The config an images plan reads. */
export type ImagesPlanConfig = Pick<PipelineConfig, "app" | "image"> & { images: readonly ImageConfig[] };

/** The build-output folders present (`true`: all of {@link BUILD_EXTRA_DIRS}). */
export type Extras = boolean | readonly string[];

function extrasList(extras: Extras): readonly string[] {
  return extras === true ? BUILD_EXTRA_DIRS : extras === false ? [] : extras;
}

/** One entry of a build context: a path in it, and where its bytes come from. */
export interface ContextEntry {
  /** Path in the build context. */
  path: string;
  from: "build" | "repo";
  /** Path in the build output (`build`) or relative to the repo root (`repo`). */
  source: string;
}

/** The COPY sources of a generated image: binaries, repo files, and the default image's extras. */
function generatedContext(image: GeneratedImageConfig, platform: string, extras: Extras): ContextEntry[] {
  const entries: ContextEntry[] = image.binaries.map((b) => ({
    path: b.name,
    from: "build",
    source: buildOutputPath(platform, b.name),
  }));
  for (const f of image.files) {
    entries.push({
      path: `${CONTEXT_FILES_DIR}/${f.source.replace(/\/+$/, "")}`,
      from: f.from,
      source: f.source,
    });
  }
  for (const dir of image.extras ? extraDirsOf(image, extras) : []) {
    entries.push({ path: dir, from: "build", source: dir });
  }
  return entries;
}

/** The default image's build-output folders: migrations for the migrator, assets for all, when present. */
function extraDirsOf(image: GeneratedImageConfig, extras: Extras): string[] {
  const present = extrasList(extras);
  const binary = image.binaries[0]?.name;
  return BUILD_EXTRA_DIRS.filter((d) => present.includes(d) && (d !== "migrations" || binary === "migrator"));
}

/** Where each context entry lands in the image. */
function copiesOf(image: GeneratedImageConfig, extras: Extras): { from: string; to: string }[] {
  return [
    ...image.binaries.map((b) => ({ from: b.name, to: b.path })),
    ...image.files.map((f) => ({ from: `${CONTEXT_FILES_DIR}/${f.source.replace(/\/+$/, "")}`, to: f.path })),
    ...(image.extras ? extraDirsOf(image, extras).map((d) => ({ from: d, to: `/app/${d}` })) : []),
  ];
}

/** A generated Dockerfile: the image it belongs to, its file name and text. */
export interface GeneratedDockerfile {
  image: string;
  file: string;
  text: string;
}

/** A generated image's plan (core/images/image-plan.ts) and the Dockerfile it renders to. */
export interface GeneratedImagePlan {
  image: string;
  /** The Dockerfile's name in the build context. */
  file: string;
  plan: ImagePlan;
}

/**
 * The plan of every generated image (not those built from the repo's own Dockerfile), in config
 * order: what the host renders into a Dockerfile and the module replays on a container.
 * `extras`: the build output's migrations/ and assets/ present.
 */
export function imagePlansFor(
  config: ImagesPlanConfig,
  labels: Readonly<Record<string, string>>,
  extras: Extras,
): GeneratedImagePlan[] {
  return config.images
    .filter((i): i is GeneratedImageConfig => i.kind === "generated")
    .map((image) => ({
      image: image.name,
      file: image.dockerfileName,
      plan: imagePlan({
        name: image.extras ? image.binaries[0]!.name : image.name,
        base: image.base,
        packages: image.packages,
        lines: image.lines,
        env: image.env,
        copies: copiesOf(image, extras),
        labels: { ...labels, "org.opencontainers.image.title": image.name },
        workdir: image.workdir,
        user: image.user,
        entrypoint: image.entrypoint,
        cmd: image.cmd,
      }),
    }));
}

/** The generated Dockerfile of every image that has one, rendered from {@link imagePlansFor}. */
export function dockerfilesFor(
  config: ImagesPlanConfig,
  labels: Readonly<Record<string, string>>,
  extras: Extras,
): GeneratedDockerfile[] {
  return imagePlansFor(config, labels, extras).map((p) => ({
    image: p.image,
    file: p.file,
    text: renderPlan(p.plan),
  }));
}

/** One image to build: an image for a platform, its context, tagged locally. */
export interface ImageBuild {
  /** The image's name: the repository under the registry. */
  image: string;
  platform: string;
  /** `<registry>/<name>`. */
  repository: string;
  /** The per-arch tag the image gets in the local daemon, `<tag>-<arch>`. */
  localTag: string;
  /** What is copied into the context (for a Dockerfile image: on top of `baseContext`). */
  context: ContextEntry[];
  /** The Dockerfile, relative to the context. */
  dockerfile: string;
  /** A Dockerfile image's repo folder the context starts from; null: an empty context. */
  baseContext: string | null;
  /** The Dockerfile stage to build; empty: the last. */
  target: string;
  buildArgs: Record<string, string>;
}

/**
 * The binaries a Dockerfile image's context carries: those every image built from the same
 * Dockerfile names, since a builder without stage pruning (the classic one) builds each stage
 * before the target, and each stage's COPY must find its files.
 */
function dockerfileBinaries(images: readonly ImageConfig[], image: DockerfileImageConfig): ImageBinary[] {
  const seen = new Map<string, ImageBinary>();
  const siblings = images.filter(
    (other): other is DockerfileImageConfig =>
      other.kind === "dockerfile" && other.dockerfile === image.dockerfile && other.context === image.context,
  );
  // Its own first, so a path two images use for different binaries holds this image's.
  for (const b of [image, ...siblings].flatMap((i) => i.binaries)) if (!seen.has(b.path)) seen.set(b.path, b);
  return [...seen.values()];
}

/** The image builds of a run: each image, for each of `platforms` it ships on. */
export function imageBuilds(
  config: ImagesPlanConfig,
  platforms: readonly string[],
  tag: string,
  registry = config.image.registry,
  extras: Extras = true,
): ImageBuild[] {
  return config.images.flatMap((image) =>
    platforms
      .filter((p) => image.platforms.includes(p))
      .map((platform) => {
        const repository = `${registry.replace(/\/+$/, "")}/${image.name}`;
        const common = {
          image: image.name,
          platform,
          repository,
          localTag: `${repository}:${perArchTag(tag, platform)}`,
        };
        if (image.kind === "generated") {
          return {
            ...common,
            context: generatedContext(image, platform, extras),
            dockerfile: image.dockerfileName,
            baseContext: null,
            target: "",
            buildArgs: {},
          };
        }
        const context = image.context.replace(/\/+$/, "");
        return {
          ...common,
          context: dockerfileBinaries(config.images, image).map((b) => ({
            path: b.path,
            from: "build" as const,
            source: buildOutputPath(platform, b.name),
          })),
          dockerfile: context === "." ? image.dockerfile : image.dockerfile.slice(context.length + 1),
          baseContext: context,
          target: image.target,
          buildArgs: { ...image.buildArgs },
        };
      }),
  );
}

/**
 * `docker build` of one image into the local daemon. The classic builder (DOCKER_BUILDKIT=0) is
 * enough: a generated Dockerfile only COPYs cross-compiled binaries, so `--platform` sets the
 * image's platform and nothing is emulated; a repo's Dockerfile gets its target and build args.
 */
export function dockerBuildArgv(
  build: ImageBuild,
  context: string,
): { argv: string[]; env: Record<string, string> } {
  const args = Object.keys(build.buildArgs)
    .sort()
    .flatMap((name) => ["--build-arg", `${name}=${build.buildArgs[name]}`]);
  return {
    argv: [
      "docker",
      "build",
      "--quiet",
      "--platform",
      build.platform,
      "--file",
      `${context}/${build.dockerfile}`,
      ...(build.target ? ["--target", build.target] : []),
      ...args,
      "--tag",
      build.localTag,
      context,
    ],
    env: { DOCKER_BUILDKIT: "0" },
  };
}
