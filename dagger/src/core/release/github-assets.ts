/**
 * What a re-run does to a release's assets so it ends with exactly the assets it should have:
 * keep an uploaded asset whose SHA-256 matches, delete one that is incomplete (GitHub leaves a
 * `starter` asset after a failed upload), changed or not ours, and upload what is missing. Pure:
 * the adapter lists the assets, reads their digests, and carries the actions out.
 */

/** An asset the release should carry. */
export interface WantedAsset {
  name: string;
  sha256: string;
  size: number;
}

/** An asset the release carries now. */
export interface CurrentAsset {
  id: number;
  name: string;
  /** `uploaded` when complete; `starter` (or anything else) after an upload that did not finish. */
  state: string;
  size: number;
  /** Its SHA-256 in hex, when known (GitHub's `digest`, or hashed after a download). */
  sha256: string | null;
}

/** Why an asset is deleted. */
export type RemoveReason = "incomplete" | "changed" | "stray";

/** The actions, in the order they run: deletes first, so an upload never meets a name in use. */
export interface AssetActions {
  keep: CurrentAsset[];
  remove: { asset: CurrentAsset; reason: RemoveReason }[];
  upload: WantedAsset[];
}

/** Decides the actions that turn `current` into `wanted`. */
export function reconcileAssets(
  current: readonly CurrentAsset[],
  wanted: readonly WantedAsset[],
): AssetActions {
  const actions: AssetActions = { keep: [], remove: [], upload: [] };
  const byName = new Map(wanted.map((w) => [w.name, w]));
  const kept = new Set<string>();
  for (const asset of current) {
    const want = byName.get(asset.name);
    if (!want) actions.remove.push({ asset, reason: "stray" });
    else if (asset.state !== "uploaded") actions.remove.push({ asset, reason: "incomplete" });
    else if (asset.sha256 !== want.sha256 || asset.size !== want.size || kept.has(asset.name))
      actions.remove.push({ asset, reason: "changed" });
    else {
      actions.keep.push(asset);
      kept.add(asset.name);
    }
  }
  actions.upload = wanted.filter((w) => !kept.has(w.name));
  return actions;
}

/** The hex SHA-256 in GitHub's asset `digest` (`sha256:<hex>`), or null when it has none. */
export function sha256OfDigest(digest: unknown): string | null {
  return typeof digest === "string" && /^sha256:[0-9a-f]{64}$/.test(digest) ? digest.slice(7) : null;
}
