/**
 * Release branches: the branches a project cuts its patch releases on (`release-1.4`, `v1.4`),
 * named by `versioning.releaseBranches`. Their builds take their version from the tags on that
 * branch, get the default `release-branch` rule, and are tagged like the default branch's
 * (`sha-<7>`), since they are pushed and kept.
 */
import { matchGlob } from "./glob.js";

/** True when `branch` is one of the release branches `globs` name. */
export function isReleaseBranch(branch: string | null | undefined, globs: readonly string[]): boolean {
  return !!branch && globs.some((glob) => matchGlob(glob, branch));
}

/**
 * The `major.minor` line a release branch's name carries (`release-1.4`, `v1.4`, `release/1.4.x`
 * give 1.4), or null when it names none (`release-next`).
 */
export function branchLine(branch: string): { major: number; minor: number } | null {
  const m = /(?:^|[^0-9.])v?(\d{1,9})\.(\d{1,9})(?:\.(?:x|\*|\d+))?$/.exec(branch);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : null;
}

/**
 * What a branch is, for versions and names: the default branch, a release branch, or another
 * branch (a feature branch, or a pull request's head).
 */
export type BranchKind = "default" | "release" | "other";

/** The kind of `branch` under `rules` (the default branch wins over a release glob that matches it). */
export function branchKind(
  branch: string | null | undefined,
  rules: { defaultBranch: string; releaseBranches: readonly string[] },
): BranchKind {
  if (branch === rules.defaultBranch) return "default";
  return isReleaseBranch(branch, rules.releaseBranches) ? "release" : "other";
}
