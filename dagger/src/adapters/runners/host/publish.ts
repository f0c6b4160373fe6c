/**
 * publish from the host: the images of the local daemon (one `docker save` for all of them,
 * ./daemon-export.ts) pushed with our OCI client as OCI manifests under their per-arch tags (or
 * digests), then merged into one multi-arch index per tag with the same merge code as `pipeline
 * manifest merge`. No `docker push`: the registry client's auth, retries and digest checks apply,
 * and a platform mismatch refuses to publish.
 *
 * Reproducible: each image is pushed as core/release/reproducible.ts makes it, dated by the source
 * date (the plan's `created`), so one commit gives the same digests on every run and machine. The
 * registry is asked before every write (a blob's HEAD, a manifest's GET), so publishing an
 * unchanged commit again uploads nothing and says so.
 */
import { FailureError } from "../../../core/errors.js";
import type { ImageBuild } from "../../../core/images/commands.js";
import { digestOf, MediaType, parseImageRef } from "../../../core/registry/oci.js";
import { perArchTag } from "../../../core/release/names.js";
import { reproducibleImage } from "../../../core/release/reproducible.js";
import { epochOf } from "../../../core/release/source-date.js";
import type { RegistryClient } from "../../registry/client.js";
import { clients, type RegistryAccess } from "../../registry/connect.js";
import { mergeManifests } from "../../registry/merge.js";
import { allInOrder, limiter, REQUESTS_IN_FLIGHT } from "../../registry/parallel.js";
import { type DaemonImage, exportImages } from "./daemon-export.js";
import { requireDocker } from "./images.js";
import { pathWith } from "./tools.js";

/** Uncompressed OCI layers: `docker save` writes plain tars, and compressing them buys nothing on a local push. */
const OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
const CREATED = "org.opencontainers.image.created";

/** The platform an image config names: `os/arch[/variant]`. */
function configPlatform(config: Buffer): string {
  const c = JSON.parse(config.toString()) as { os?: string; architecture?: string; variant?: string };
  return [c.os, c.architecture, c.variant].filter(Boolean).join("/");
}

/** The source date an image is pushed with: the run's, else its own created label, else none. */
function sourceDateOf(
  image: DaemonImage,
  created: string | undefined,
): { epoch: number; iso: string } | null {
  const label = (JSON.parse(image.config.toString()) as { config?: { Labels?: Record<string, string> } })
    .config?.Labels?.[CREATED];
  for (const iso of [created, label]) {
    const epoch = iso ? epochOf(iso) : null;
    if (iso && epoch !== null) return { epoch, iso };
  }
  return null;
}

/** What publish pushed: one ref with digest per tag and binary, plus the per-arch images. */
export interface PublishResult {
  refs: string[];
  perArch: string[];
  /** What the registry did not have yet; all zero when it had everything (a re-run of one commit). */
  uploaded: { blobs: number; bytes: number; manifests: number };
}

/** Counts what a publish writes. */
interface Tally {
  blobs: number;
  bytes: number;
  manifests: number;
}

/** Uploads a blob unless the registry has it (one HEAD either way), counting what moved. */
async function putBlob(
  registry: RegistryClient,
  repository: string,
  bytes: Uint8Array,
  tally: Tally,
): Promise<string> {
  const digest = digestOf(bytes);
  if (await registry.hasBlob(repository, digest)) return digest;
  await registry.pushBlob(repository, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  tally.blobs++;
  tally.bytes += bytes.byteLength;
  return digest;
}

/**
 * Pushes `builds` (in the local daemon) to `registry` and merges each binary into `<tag>` for
 * every tag in `tags`; `version` annotates the indexes. `created` (the plan's source date) dates
 * the images; without it, each image's own created label does.
 */
export async function hostPublish(options: {
  builds: readonly ImageBuild[];
  registry: string;
  app: string;
  tags: readonly string[];
  version: string;
  perArchTags: boolean;
  created?: string;
  access?: RegistryAccess;
}): Promise<PublishResult> {
  const env = { PATH: pathWith(await requireDocker("publish")) };
  const client = clients(options.access);
  const saved = await exportImages(
    options.builds.map((b) => b.localTag),
    env,
  );
  const tally: Tally = { blobs: 0, bytes: 0, manifests: 0 };
  const limit = limiter(REQUESTS_IN_FLIGHT);
  const perArch: string[] = [];
  const refs: string[] = [];
  for (const image of [...new Set(options.builds.map((b) => b.image))]) {
    const target = parseImageRef(`${options.registry.replace(/\/+$/, "")}/${image}:x`);
    const registry = client(target.registry);
    const sources: string[] = [];
    for (const build of options.builds.filter((b) => b.image === image)) {
      const daemon = saved.get(build.localTag)!;
      const platform = configPlatform(daemon.config);
      if (platform !== build.platform)
        throw new FailureError(
          `publish: ${build.localTag} is a ${platform} image, not ${build.platform}; refusing to publish it as ${build.platform}`,
        );
      const date = sourceDateOf(daemon, options.created);
      const pushed = date ? reproducibleImage(daemon, date.epoch, date.iso) : daemon;
      const layers = await allInOrder(
        pushed.layers.map((layer) =>
          limit(async () => ({
            mediaType: OCI_LAYER_TAR,
            digest: await putBlob(registry, target.repository, layer, tally),
            size: layer.byteLength,
          })),
        ),
      );
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: {
          mediaType: MediaType.ociConfig,
          digest: await putBlob(registry, target.repository, pushed.config, tally),
          size: pushed.config.length,
        },
        layers,
      });
      const digest = digestOf(manifest);
      const reference = options.perArchTags ? perArchTag(options.tags[0]!, build.platform) : digest;
      // Read before writing: the same bytes under that reference are left alone.
      if ((await registry.resolve(target.repository, reference))?.digest !== digest) {
        await registry.putManifest(target.repository, reference, manifest, MediaType.ociManifest);
        tally.manifests++;
      }
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
      if (merged.changed) tally.manifests++;
      refs.push(`${merged.ref}@${merged.digest}`);
    }
  }
  return { refs, perArch, uploaded: tally };
}

/**
 * The first line of publish's summary: what was pushed where, or that the registry had it all.
 * `mirrors`: the registries the same digests were copied to.
 */
export function publishedLine(
  result: PublishResult,
  registry: string,
  mirrors: readonly string[] = [],
): string {
  const what = `${result.refs.length} multi-arch tags and ${result.perArch.length} per-arch images`;
  const copied = mirrors.length ? ` and copied to ${mirrors.join(", ")}` : "";
  const { blobs, manifests } = result.uploaded;
  return blobs === 0 && manifests === 0
    ? `nothing new pushed to ${registry}: ${what} already there, same digests${copied}`
    : `${what} pushed to ${registry}${copied}`;
}
