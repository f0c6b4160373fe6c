/**
 * The images stage as data: which Dockerfile each binary gets, which image is built for each
 * binary and platform, its local tag, and the `docker build` that builds it on a host. The module
 * builds the same Dockerfiles with its own dockerBuild; the host runner and `render` use these.
 */
import type { PipelineConfig } from "./config.js";
import { renderDockerfile } from "./dockerfile.js";
import { buildOutputPath } from "./go-commands.js";
import { imageRepository, perArchTag } from "./names.js";

/** The generated `Dockerfile.<binary>` of every binary that ships an image, in config order. */
export function dockerfilesFor(
  config: Pick<PipelineConfig, "app" | "binaries" | "image">,
  labels: Readonly<Record<string, string>>,
  hasAssets: boolean,
): { binary: string; file: string; text: string }[] {
  return config.binaries
    .filter((b) => b.image)
    .map((b) => ({
      binary: b.name,
      file: `Dockerfile.${b.name}`,
      text: renderDockerfile({
        binary: b.name,
        base: config.image.base,
        packages: config.image.packages,
        user: config.image.user,
        hasAssets,
        labels: { ...labels, "org.opencontainers.image.title": `${config.app}-${b.name}` },
      }),
    }));
}

/** One image to build: a binary for a platform, from its build output, tagged locally. */
export interface ImageBuild {
  binary: string;
  platform: string;
  /** `<registry>/<app>-<binary>`. */
  repository: string;
  /** The per-arch tag the image gets in the local daemon, `<tag>-<arch>`. */
  localTag: string;
  /** Where the binary is in the build output. */
  binaryPath: string;
  dockerfile: string;
}

/** Every image of a run: each binary with an image, for each of `platforms` it ships on. */
export function imageBuilds(
  config: Pick<PipelineConfig, "app" | "binaries" | "image">,
  platforms: readonly string[],
  tag: string,
  registry = config.image.registry,
): ImageBuild[] {
  return config.binaries
    .filter((b) => b.image)
    .flatMap((b) =>
      platforms
        .filter((p) => (b.platforms as readonly string[]).includes(p))
        .map((platform) => {
          const repository = imageRepository(registry, config.app, b.name);
          return {
            binary: b.name,
            platform,
            repository,
            localTag: `${repository}:${perArchTag(tag, platform)}`,
            binaryPath: buildOutputPath(platform, b.name),
            dockerfile: `Dockerfile.${b.name}`,
          };
        }),
    );
}

/**
 * `docker build` of one image into the local daemon. The classic builder (DOCKER_BUILDKIT=0) is
 * enough because the Dockerfiles only COPY a cross-compiled binary: `--platform` sets the image's
 * platform and nothing is emulated. The context holds `<binary>`, `migrations/`, `assets/`.
 */
export function dockerBuildArgv(
  build: ImageBuild,
  context: string,
): { argv: string[]; env: Record<string, string> } {
  return {
    argv: [
      "docker",
      "build",
      "--quiet",
      "--platform",
      build.platform,
      "--file",
      `${context}/${build.dockerfile}`,
      "--tag",
      build.localTag,
      context,
    ],
    env: { DOCKER_BUILDKIT: "0" },
  };
}
