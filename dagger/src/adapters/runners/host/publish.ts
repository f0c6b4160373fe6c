/**
 * publish from the host: each image of the local daemon (`docker save`) pushed with our OCI client
 * as an OCI manifest under its per-arch tag (or digest), then merged into one multi-arch index
 * per tag with the same merge code as `pipeline manifest merge`. No `docker push`: the registry
 * client's auth, retries and digest checks apply, and a platform mismatch refuses to publish.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FailureError } from "../../../core/errors.js";
import type { ImageBuild } from "../../../core/images/commands.js";
import { digestOf, MediaType, parseImageRef } from "../../../core/registry/oci.js";
import { readTarEntry } from "../../../core/registry/tar.js";
import { perArchTag } from "../../../core/release/names.js";
import { makeTempDir, removeTempDir } from "../../process-lifecycle.js";
import { clients, type RegistryAccess } from "../../registry/connect.js";
import { mergeManifests } from "../../registry/merge.js";
import { runTool } from "./exec.js";
import { requireDocker } from "./images.js";
import { pathWith } from "./tools.js";

/** Uncompressed OCI layers: `docker save` writes plain tars, and compressing them buys nothing on a local push. */
const OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";

interface SavedImage {
  config: Buffer;
  layers: Buffer[];
}

/** One image out of `docker save`: its config and layer tars, as the daemon stored them. */
async function saveImage(ref: string, env: Record<string, string>): Promise<SavedImage> {
  const dir = makeTempDir("pipeline-save-");
  try {
    const file = join(dir, "image.tar");
    await runTool(["docker", "save", "--output", file, ref], {
      cwd: dir,
      env,
      what: `publish (docker save ${ref})`,
    });
    const tar = readFileSync(file);
    const entry = (name: string) => {
      const bytes = readTarEntry(tar, (n) => n === name);
      if (!bytes) throw new FailureError(`publish: docker save ${ref} has no ${name}`);
      return bytes;
    };
    const [manifest] = JSON.parse(entry("manifest.json").toString()) as {
      Config: string;
      Layers: string[];
    }[];
    if (!manifest) throw new FailureError(`publish: docker save ${ref} wrote an empty manifest.json`);
    return { config: entry(manifest.Config), layers: manifest.Layers.map(entry) };
  } finally {
    removeTempDir(dir);
  }
}

/** The platform an image config names: `os/arch[/variant]`. */
function configPlatform(config: Buffer): string {
  const c = JSON.parse(config.toString()) as { os?: string; architecture?: string; variant?: string };
  return [c.os, c.architecture, c.variant].filter(Boolean).join("/");
}

/** What publish pushed: one ref with digest per tag and binary, plus the per-arch images. */
export interface PublishResult {
  refs: string[];
  perArch: string[];
}

/**
 * Pushes `builds` (in the local daemon) to `registry` and merges each binary into `<tag>` for
 * every tag in `tags`; `version` annotates the indexes.
 */
export async function hostPublish(options: {
  builds: readonly ImageBuild[];
  registry: string;
  app: string;
  tags: readonly string[];
  version: string;
  perArchTags: boolean;
  access?: RegistryAccess;
}): Promise<PublishResult> {
  const env = { PATH: pathWith(await requireDocker("publish")) };
  const client = clients(options.access);
  const perArch: string[] = [];
  const refs: string[] = [];
  for (const image of [...new Set(options.builds.map((b) => b.image))]) {
    const target = parseImageRef(`${options.registry.replace(/\/+$/, "")}/${image}:x`);
    const registry = client(target.registry);
    const sources: string[] = [];
    for (const build of options.builds.filter((b) => b.image === image)) {
      const saved = await saveImage(build.localTag, env);
      const platform = configPlatform(saved.config);
      if (platform !== build.platform)
        throw new FailureError(
          `publish: ${build.localTag} is a ${platform} image, not ${build.platform}; refusing to publish it as ${build.platform}`,
        );
      const layers = [];
      for (const layer of saved.layers) {
        layers.push({
          mediaType: OCI_LAYER_TAR,
          digest: await registry.pushBlob(target.repository, layer),
          size: layer.length,
        });
      }
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: {
          mediaType: MediaType.ociConfig,
          digest: await registry.pushBlob(target.repository, saved.config),
          size: saved.config.length,
        },
        layers,
      });
      const reference = options.perArchTags
        ? perArchTag(options.tags[0]!, build.platform)
        : digestOf(manifest);
      const digest = await registry.putManifest(
        target.repository,
        reference,
        manifest,
        MediaType.ociManifest,
      );
      const ref = `${target.registry}/${target.repository}`;
      perArch.push(`${ref}:${reference}@${digest}`.replace(`:${digest}@${digest}`, `@${digest}`));
      sources.push(options.perArchTags ? `${ref}:${reference}` : `${ref}@${digest}`);
    }
    for (const tag of options.tags) {
      const merged = await mergeManifests({
        target: `${target.registry}/${target.repository}:${tag}`,
        sources,
        version: options.version,
        ...options.access,
      });
      refs.push(`${merged.ref}@${merged.digest}`);
    }
  }
  return { refs, perArch };
}
