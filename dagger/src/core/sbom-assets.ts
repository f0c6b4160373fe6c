/**
 * Which files of an SBOM folder (`pipeline sbom --out DIR`) the GitHub release carries: every
 * `*.spdx.json`, sorted, under its own name. A name GitHub would rewrite, or one that clashes
 * with an archive or SHA256SUMS, is refused: the release would otherwise never match its
 * SHA256SUMS, or one file would silently replace another.
 */
import { assetName } from "./archives.js";
import { UsageError } from "./errors.js";
import { safeEcho } from "./validate.js";

/** The SBOM file suffix `pipeline sbom --out` writes. */
export const SBOM_SUFFIX = ".spdx.json";

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
  for (const name of names) {
    if (assetName(name) !== name)
      throw new UsageError(
        `--sbom-dir: ${safeEcho(name)} would be renamed by GitHub (use only letters, digits, ".", "_" and "-" in SBOM file names)`,
      );
    if (taken.includes(name))
      throw new UsageError(`--sbom-dir: ${safeEcho(name)} has the name of another release asset (rename it)`);
  }
  return names;
}
