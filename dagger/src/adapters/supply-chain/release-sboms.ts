/**
 * The SBOMs a GitHub release carries, read from the registry: for every platform of every release
 * image, the SPDX artifact attached to that platform's digest (referrers API or tag fallback), its
 * bytes exactly as stored. Nothing is generated here: `pipeline sbom` is the one place SBOMs are
 * made, so the release holds the same bytes `verify` found and a consumer can match by digest.
 */

import { FailureError } from "../../core/errors.js";
import { formatImageRef, parseImageRef, parseManifest, platformName } from "../../core/registry/oci.js";
import { SPDX_MEDIA_TYPE } from "../../core/supply-chain/sbom.js";
import { chooseSbom, missingSbomsError, releaseSbomName } from "../../core/supply-chain/sbom-assets.js";
import type { RegistryClient, StoredManifest } from "../registry/client.js";
import { clients, type RegistryAccess } from "../registry/connect.js";
import { platformOf, readImageConfig } from "../registry/image-config.js";
import { listReferrers, readArtifactLayer } from "../registry/referrers.js";

/** One platform's SBOM as a release asset. */
export interface RegistrySbom {
  /** The asset name (`<image>_<version>_<os>_<arch>.spdx.json`). */
  name: string;
  /** The image reference at its release tag. */
  image: string;
  platform: string;
  /** The platform manifest's digest the SBOM describes. */
  digest: string;
  /** The SBOM artifact's manifest digest. */
  artifact: string;
  bytes: Buffer;
}

/**
 * Reads the SBOM of every platform of `images` (`{name, ref}`, the release's images at their tag).
 * Throws FailureError naming what is missing when any platform has none, before anything is built.
 */
export async function registrySboms(
  images: readonly { name: string; ref: string }[],
  version: string,
  access: RegistryAccess,
): Promise<RegistrySbom[]> {
  const client = clients(access);
  const found: RegistrySbom[] = [];
  const missing: string[] = [];
  for (const image of images) {
    const ref = parseImageRef(image.ref);
    const registry = client(ref.registry);
    const where = `registry ${ref.registry}, ${formatImageRef(ref)}`;
    const top = await registry.getManifest(ref.repository, ref.reference);
    if (!top) throw new FailureError(`--registry-sboms: ${where}: not found; publish the release first`);
    const parsed = parseManifest(top.bytes, top.mediaType, where);
    const platforms: { digest: string; platform: string }[] = [];
    if (parsed.kind === "image")
      platforms.push({
        digest: top.digest,
        platform: await platformFromConfig(registry, ref.repository, top),
      });
    else
      for (const entry of parsed.index.manifests) {
        // Attestation manifests (buildx's unknown/unknown) describe, they are not images.
        if (entry.platform?.os === "unknown") continue;
        let platform = entry.platform ? platformName(entry.platform) : "";
        if (!platform) {
          const stored = await registry.getManifest(ref.repository, entry.digest);
          if (!stored)
            throw new FailureError(
              `--registry-sboms: ${where}: platform manifest ${entry.digest} is missing`,
            );
          platform = await platformFromConfig(registry, ref.repository, stored);
        }
        platforms.push({ digest: entry.digest, platform });
      }
    for (const { digest, platform } of platforms) {
      const listed = await listReferrers(registry, ref.repository, digest, SPDX_MEDIA_TYPE);
      const chosen = chooseSbom(listed.referrers);
      if (!chosen) {
        missing.push(`${image.ref} ${platform}`);
        continue;
      }
      found.push({
        name: releaseSbomName(image.name, version, platform),
        image: image.ref,
        platform,
        digest,
        artifact: chosen.digest,
        bytes: await readArtifactLayer(registry, ref.repository, chosen),
      });
    }
  }
  if (missing.length)
    throw missingSbomsError(
      missing,
      images.map((i) => i.ref),
      version,
    );
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The platform a single-platform manifest's config names (for an index entry that names none). */
async function platformFromConfig(
  registry: RegistryClient,
  repository: string,
  manifest: StoredManifest,
): Promise<string> {
  return platformName(platformOf(await readImageConfig(registry, repository, manifest)));
}
