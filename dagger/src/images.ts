/** Generated Dockerfiles, one image per binary and platform, and the multi-arch publish. */
import {
  type Container,
  type Platform as DaggerPlatform,
  type Directory,
  dag,
  type Secret,
  type Service,
} from "@dagger.io/dagger";
import type { PipelineConfig, Platform } from "./core/config.js";
import { renderDockerfile } from "./core/dockerfile.js";
import { FailureError } from "./core/errors.js";
import { buildOutputPath } from "./core/go-commands.js";
import { imageRepository, perArchTag } from "./core/names.js";
import { type ConfigPlatform, platformMismatches } from "./core/platform-check.js";
import { TOOL_IMAGES } from "./core/tool-images.js";

/** The `Dockerfile.<binary>` of every binary that ships an image. */
export function dockerfiles(
  config: PipelineConfig,
  labels: Record<string, string>,
  hasAssets: boolean,
): Directory {
  let dir = dag.directory();
  for (const binary of config.binaries.filter((b) => b.image)) {
    const text = renderDockerfile({
      binary: binary.name,
      base: config.image.base,
      packages: config.image.packages,
      user: config.image.user,
      hasAssets,
      labels: { ...labels, "org.opencontainers.image.title": `${config.app}-${binary.name}` },
    });
    dir = dir.withNewFile(`Dockerfile.${binary.name}`, text);
  }
  return dir;
}

/** One image per binary and platform, each built from its generated Dockerfile with that platform. */
export function images(
  config: PipelineConfig,
  binaries: Directory,
  files: Directory,
  platforms: readonly Platform[],
  annotations: Record<string, string>,
): { binary: string; platform: Platform; container: Container }[] {
  const out: { binary: string; platform: Platform; container: Container }[] = [];
  for (const binary of config.binaries.filter((b) => b.image)) {
    for (const platform of platforms.filter((p) => binary.platforms.includes(p))) {
      // The context holds just what the Dockerfile copies: the binary for this platform, migrations, assets.
      const context = dag
        .directory()
        .withFile(binary.name, binaries.file(buildOutputPath(platform, binary.name)))
        .withDirectory("migrations", binaries.directory("migrations"))
        .withDirectory("assets", binaries.directory("assets"))
        .withFile(`Dockerfile.${binary.name}`, files.file(`Dockerfile.${binary.name}`));
      let container = context.dockerBuild({
        dockerfile: `Dockerfile.${binary.name}`,
        platform: platform as unknown as DaggerPlatform,
      });
      for (const [name, value] of Object.entries({
        ...annotations,
        "org.opencontainers.image.title": `${config.app}-${binary.name}`,
      })) {
        container = container.withAnnotation(name, value);
      }
      out.push({ binary: binary.name, platform, container });
    }
  }
  return out;
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
export async function checkVariantPlatforms(
  built: readonly { binary: string; platform: Platform; container: Container }[],
): Promise<void> {
  const variants = await Promise.all(
    built.map(async (b) => ({
      binary: b.binary,
      platform: b.platform,
      config: await configPlatform(b.container),
    })),
  );
  const wrong = platformMismatches(variants);
  if (wrong.length)
    throw new FailureError(
      `publish: refusing to push a multi-arch tag that is not: ${wrong.join("; ")}; use a base image (image.base) that has every platform`,
    );
}

/** Publishes every binary as one multi-arch image per tag (plus per-arch tags when configured); returns refs with digests. */
export async function publish(
  config: PipelineConfig,
  built: { binary: string; platform: Platform; container: Container }[],
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
  for (const binary of [...new Set(built.map((b) => b.binary))]) {
    const repository = imageRepository(registry, config.app, binary);
    const variants = built.filter((b) => b.binary === binary).map((b) => authed(b.container, repository));
    for (const tag of tags) {
      refs.push(
        await authed(dag.container(), repository).publish(`${repository}:${tag}`, {
          platformVariants: variants,
          registryService,
        }),
      );
    }
    if (config.image.perArchTags) {
      for (const b of built.filter((x) => x.binary === binary)) {
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
