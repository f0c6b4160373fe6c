/**
 * Names and tags per event: image repositories and tags, per-arch tags, chart versions and OCI
 * annotations (preview names: core/gitops/preview.ts). Pure: the creation time is an input, never read from a clock.
 */

import type { Platform, TagFormat } from "../config/vocabulary.js";
import { toOciTag } from "../validate.js";
import { branchKind } from "./branches.js";
import type { PipelineEvent } from "./event.js";
import * as semver from "./semver.js";
import { parseTagVersion, slugify } from "./version.js";

/**
 * The longest main tag: room is left for the longest per-arch suffix (`-mips64le`) within the OCI
 * limit of 128 characters.
 */
export const MAX_MAIN_TAG = 119;

/** What names depend on besides the event: the default branch, release branches and the tag format. */
export interface NameRules {
  defaultBranch?: string;
  /** `versioning.releaseBranches` (default: none). */
  releaseBranches?: readonly string[];
  tagFormat?: TagFormat;
}

/** The naming rules of a resolved config: default branch, release branches, image tag format. */
export function nameRules(config: {
  defaultBranch: string;
  versioning?: { releaseBranches: readonly string[] };
  image?: { tagFormat: TagFormat };
}): Required<NameRules> {
  return {
    defaultBranch: config.defaultBranch,
    releaseBranches: config.versioning?.releaseBranches ?? [],
    tagFormat: config.image?.tagFormat ?? "auto",
  };
}

/** The rules of a bare default branch name (older callers), or the rules themselves. */
function rulesOf(rules: NameRules | string | undefined): Required<NameRules> {
  const r = typeof rules === "string" ? { defaultBranch: rules } : (rules ?? {});
  return {
    defaultBranch: r.defaultBranch ?? "main",
    releaseBranches: r.releaseBranches ?? [],
    tagFormat: r.tagFormat ?? "auto",
  };
}

/** First seven hex digits of a sha. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/** `<registry>/<app>-<binary>`. */
export function imageRepository(registry: string, app: string, binary: string): string {
  return `${registry.replace(/\/+$/, "")}/${app}-${binary}`;
}

/** The architecture part of a per-arch tag: amd64, arm64, armv7, s390x, riscv64. */
export function archOf(platform: Platform | string): string {
  const [, arch = "", variant = ""] = platform.split("/");
  return `${arch}${variant}`;
}

/**
 * The image tag of a run: a version tag by `tagFormat` (`auto`: release `1.2.3` without v, release
 * candidate and other prerelease tags as written, `v1.2.0-rc.1`); the default branch and release
 * branches `sha-<7>`; pull request `pr-<n>-<7>`; any other branch its slug; a manual promotion the
 * tag's, as its release had it. Always a valid OCI tag of at most {@link MAX_MAIN_TAG} characters:
 * semver build metadata's `+` becomes `_` (`v1.2.3-rc.1+build` -> `v1.2.3-rc.1_build`), as Helm
 * does for chart tags. `rules` may be the default branch's name alone.
 */
export function imageTag(event: PipelineEvent, rules: NameRules | string = "main"): string {
  return toOciTag(rawImageTag(event, rulesOf(rules)), MAX_MAIN_TAG);
}

/** A version tag's image tag under `format`. */
function versionTag(tag: string, format: TagFormat, release: boolean): string {
  const v = parseTagVersion(tag);
  if (!v) return tag;
  if (format === "version") return v.version;
  if (format === "tag") return `${tag.startsWith("v") ? "v" : ""}${v.version}`;
  return release || v.coerced ? v.version : tag;
}

function rawImageTag(event: PipelineEvent, rules: Required<NameRules>): string {
  switch (event.kind) {
    case "release-tag":
    case "promotion": {
      if (event.tag) return versionTag(event.tag, rules.tagFormat, !parseTagVersion(event.tag)?.prerelease);
      return `sha-${shortSha(event.sha)}`;
    }
    case "rc-tag":
    case "prerelease-tag":
      return versionTag(event.tag!, rules.tagFormat, false);
    case "pull-request":
      return `pr-${event.pr}-${shortSha(event.sha)}`;
    case "branch":
      return branchKind(event.branch, rules) === "other"
        ? slugify(event.branch ?? "detached")
        : `sha-${shortSha(event.sha)}`;
  }
}

/** Extra tags every build gets (`sha` -> `sha-<7>`), without repeating the main tag. */
export function extraTags(kinds: readonly string[], event: PipelineEvent, mainTag: string): string[] {
  const tags = kinds.includes("sha") ? [`sha-${shortSha(event.sha)}`] : [];
  return tags.filter((t) => t !== mainTag);
}

/** `<tag>-<arch>` for one platform. */
export function perArchTag(tag: string, platform: Platform | string): string {
  return `${tag}-${archOf(platform)}`;
}

/**
 * The chart version of a run: release and rc tags their version without `v`; the default branch
 * and release branches `<next version>-sha-<7>`; pull request `0.0.0-pr-<n>-<7>`; another branch
 * `0.0.0-<slug>`. `nextVersion` is the computed build version (its prerelease part is dropped for
 * branches). A chart on its own line (`chart.version: chart`) is decided by core/release/chart-version.ts.
 */
export function chartVersion(
  event: PipelineEvent,
  nextVersion: string,
  rules: NameRules | string = "main",
): string {
  switch (event.kind) {
    case "release-tag":
    case "rc-tag":
    case "prerelease-tag":
    case "promotion":
      if (event.tag) return parseTagVersion(event.tag)?.version ?? event.tag.replace(/^v/, "");
      return nextVersion;
    case "pull-request":
      return `0.0.0-pr-${event.pr}-${shortSha(event.sha)}`;
    case "branch": {
      if (branchKind(event.branch, rulesOf(rules)) !== "other") {
        const core = semver.coerce(nextVersion)?.version ?? nextVersion;
        return `${core}-sha-${shortSha(event.sha)}`;
      }
      return `0.0.0-${slugify(event.branch ?? "detached")}`;
    }
  }
}

/** OCI annotations (and image labels) for one binary's image. */
export function ociAnnotations(input: {
  version: string;
  revision: string;
  source: string;
  created: string;
  title: string;
}): Record<string, string> {
  return {
    "org.opencontainers.image.title": input.title,
    "org.opencontainers.image.version": input.version,
    "org.opencontainers.image.revision": input.revision,
    ...(input.source ? { "org.opencontainers.image.source": input.source } : {}),
    "org.opencontainers.image.created": input.created,
  };
}
