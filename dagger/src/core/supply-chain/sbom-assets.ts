/**
 * Which SBOMs the GitHub release carries, under which names. Two sources, one naming rule:
 * - `--sbom-dir`: every `*.spdx.json` of a folder (`pipeline sbom --out DIR`), under its own name;
 * - `--registry-sboms`: the SPDX SBOM attached to each platform of each release image in the
 *   registry, named like the archives (GoReleaser's `<name>_<version>_<os>_<arch>`):
 *   `<image>_<version>_<os>_<arch>[v<variant>].spdx.json`.
 * A name GitHub would rewrite, or one that clashes with another asset, is refused: the release
 * would otherwise never match its SHA256SUMS, or one file would silently replace another.
 */

import { FailureError, UsageError } from "../errors.js";
import { assetName } from "../release/archives.js";
import { classifyEvent } from "../release/event.js";
import { imageTag, nameRules } from "../release/names.js";
import { safeEcho } from "../validate.js";

/** The SBOM file suffix `pipeline sbom --out` writes and the release's SBOM assets carry. */
export const SBOM_SUFFIX = ".spdx.json";

/** The annotation an SBOM artifact carries its creation time in. */
const CREATED = "org.opencontainers.image.created";

/**
 * The release asset names among `entries` (the folder's regular files): the `*.spdx.json` ones,
 * sorted. `taken` are the names the release already has (archives, SHA256SUMS).
 * Throws UsageError when none is there, or one cannot be an asset under its own name.
 */
export function sbomAssetNames(entries: readonly string[], taken: readonly string[], dir: string): string[] {
  const names = entries.filter((e) => e.endsWith(SBOM_SUFFIX) && e !== SBOM_SUFFIX).sort();
  if (names.length === 0)
    throw new UsageError(
      `--sbom-dir ${safeEcho(dir)} holds no *${SBOM_SUFFIX} file (write them first: pipeline sbom --out ${safeEcho(dir)})`,
    );
  refuseUnusableNames(names, taken, "--sbom-dir");
  return names;
}

/**
 * Throws UsageError when a name would be renamed by GitHub, clashes with a name in `taken`, or
 * appears twice. `source` says where the names came from (`--sbom-dir`, `--registry-sboms`).
 */
export function refuseUnusableNames(
  names: readonly string[],
  taken: readonly string[],
  source: string,
): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (assetName(name) !== name)
      throw new UsageError(
        `${source}: ${safeEcho(name)} would be renamed by GitHub (use only letters, digits, ".", "_" and "-" in SBOM file names)`,
      );
    if (taken.includes(name) || seen.has(name))
      throw new UsageError(`${source}: ${safeEcho(name)} has the name of another release asset (rename it)`);
    seen.add(name);
  }
}

/**
 * The asset name of one image platform's SBOM: `<image>_<version>_<os>_<arch>[v<variant>].spdx.json`
 * (`api_1.2.3_linux_arm64.spdx.json`, `api_1.2.3_linux_armv7.spdx.json`), the archives' pattern.
 */
export function releaseSbomName(image: string, version: string, platform: string): string {
  const [os = "linux", arch = "amd64", variant = ""] = platform.split("/");
  return assetName(`${image}_${version}_${os}_${arch}${variant}${SBOM_SUFFIX}`);
}

/** The images of a release tag: `<registry>/<image>:<image tag>` for each image of pipeline.yaml. */
export function releaseImages(
  config: Parameters<typeof nameRules>[0] & { images: readonly { name: string }[] },
  registry: string,
  release: { tag: string; commit: string },
): { name: string; ref: string }[] {
  const event = classifyEvent(
    { ref: `refs/tags/${release.tag}`, sha: release.commit },
    {},
    { sha: release.commit, branch: "" },
  );
  const tag = imageTag(event, nameRules(config));
  const base = registry.replace(/\/+$/, "");
  return config.images.map((image) => ({ name: image.name, ref: `${base}/${image.name}:${tag}` }));
}

/** An SPDX referrer of a platform digest, as the registry lists it. */
export interface SbomReferrer {
  digest: string;
  annotations?: Record<string, string>;
}

/**
 * The SBOM a platform's release asset is: the only one attached, or, when several are (a
 * re-generated SBOM next to an older one), the newest by its `created` annotation, then by digest,
 * so every run picks the same one. Null when none is attached.
 */
export function chooseSbom<T extends SbomReferrer>(referrers: readonly T[]): T | null {
  const created = (r: SbomReferrer) => r.annotations?.[CREATED] ?? "";
  const sorted = [...referrers].sort((a, b) =>
    created(a) !== created(b) ? (created(a) < created(b) ? 1 : -1) : a.digest < b.digest ? 1 : -1,
  );
  return sorted[0] ?? null;
}

/**
 * The refusal when platforms carry no SBOM: one line naming the first, how many more, and the
 * command that attaches them. `missing` are `<ref> <platform>` texts.
 */
export function missingSbomsError(
  missing: readonly string[],
  images: readonly string[],
  version: string,
): FailureError {
  const more = missing.length > 1 ? ` and ${missing.length - 1} more` : "";
  return new FailureError(
    `--registry-sboms: no SBOM attached to ${missing[0]}${more}; attach them first (pipeline sbom ${images.join(" ")} --version ${version}) or leave out --registry-sboms`,
  );
}
