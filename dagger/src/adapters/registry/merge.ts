/**
 * `manifest merge`: one multi-arch index from per-arch images, each image's platform read from its
 * config. Only manifests move: blobs are mounted across repositories (no bytes), and a target that
 * already has the same index is left alone, so re-running is a no-op.
 */
import { UsageError } from "../../core/errors.js";
import {
  buildIndex,
  digestOf,
  formatImageRef,
  type ImageRef,
  parseImageRef,
  platformName,
  requireWritableManifest,
} from "../../core/registry/oci.js";
import type { RegistryClient } from "./client.js";
import { clients, type RegistryAccess } from "./connect.js";
import { platformOf, readImageConfig } from "./image-config.js";
import { allInOrder, limiter, REQUESTS_IN_FLIGHT } from "./parallel.js";

/** What a merge did. */
export interface MergeResult {
  ref: string;
  digest: string;
  mediaType: string;
  platforms: string[];
  /** False when the target already had this exact index. */
  changed: boolean;
  /** Blobs mounted from another repository (always zero bytes moved). */
  mounted: number;
}

/** What a source says about itself: its manifest, parsed, and its platform (from its config). */
async function readSource(registry: RegistryClient, text: string, source: ImageRef) {
  const manifest = await registry.getManifest(source.repository, source.reference);
  if (!manifest)
    throw new UsageError(`${text}: no such image in ${source.registry} (push the per-arch image first)`);
  // A source is written again (by digest, into the target's repository) and named in the index:
  // it must be a manifest of a known media type, whatever its digest header said.
  const parsed = requireWritableManifest(
    manifest.bytes,
    manifest.mediaType,
    `registry ${source.registry}, ${text}`,
  );
  if (parsed.kind === "index")
    throw new UsageError(`${text}: is already a multi-arch index; merge single-platform images`);
  const config = await readImageConfig(registry, source.repository, manifest);
  return { manifest, image: parsed.image, platform: platformOf(config) };
}

/**
 * Merges per-arch `sources` into `target`; `version` becomes the index's version annotation.
 * Independent reads go out at once (every source's manifest and config, and what the target
 * holds); only the index's PUT waits for them. A failure is the first in the sources' order.
 */
export async function mergeManifests(
  options: { target: string; sources: readonly string[]; version?: string } & RegistryAccess,
): Promise<MergeResult> {
  if (options.sources.length === 0)
    throw new UsageError(
      "manifest merge needs at least one source image (example: ghcr.io/acme/api:1.2.3-amd64)",
    );
  const target = parseImageRef(options.target);
  const sources = options.sources.map((text) => {
    const source = parseImageRef(text);
    if (source.registry !== target.registry) {
      throw new UsageError(
        `${text}: sources must be in the target's registry ${target.registry} (blobs are mounted, never copied)`,
      );
    }
    return { text, source };
  });
  const registry = clients(options)(target.registry);
  const limit = limiter(REQUESTS_IN_FLIGHT);
  // Read (and hash) what the target holds: a lying digest header must not pass for "unchanged".
  const existing = limit(() => registry.resolve(target.repository, target.reference));
  let mounted = 0;
  // A blob two sources share is checked and mounted once, as when the sources went one by one.
  const blobs = new Map<string, Promise<void>>();
  const bringBlob = (digest: string, from: string) => {
    let done = blobs.get(digest);
    if (!done) {
      done = limit(async () => {
        if (!(await registry.hasBlob(target.repository, digest))) {
          await registry.mountBlob(target.repository, digest, from);
          mounted++;
        }
      });
      blobs.set(digest, done);
    }
    return done;
  };
  const read = sources.map(async ({ text, source }) => {
    const { manifest, image, platform } = await limit(() => readSource(registry, text, source));
    if (source.repository !== target.repository) {
      await allInOrder(
        [image.config, ...image.layers].map((blob) => bringBlob(blob.digest, source.repository)),
      );
      await limit(() =>
        registry.putManifest(target.repository, manifest.digest, manifest.bytes, manifest.mediaType),
      );
    }
    return {
      descriptor: { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length },
      platform,
    };
  });
  const readAll = allInOrder(read);
  // Everything settles before any failure is reported; a source's failure comes before the target's.
  await Promise.allSettled([readAll, existing]);
  const entries = await readAll;
  const held = await existing;
  const annotations: Record<string, string> = options.version
    ? { "org.opencontainers.image.version": options.version }
    : {};
  const index = buildIndex(entries, annotations);
  const digest = digestOf(index.bytes);
  const changed = held?.digest !== digest;
  if (changed) await registry.putManifest(target.repository, target.reference, index.bytes, index.mediaType);
  return {
    ref: formatImageRef(target),
    digest,
    mediaType: index.mediaType,
    platforms: entries.map((e) => platformName(e.platform)).sort(),
    changed,
    mounted,
  };
}
