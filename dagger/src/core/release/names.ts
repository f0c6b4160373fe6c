/**
 * Names and tags per event: image repositories and tags, per-arch tags, chart versions and OCI
 * annotations (preview names: core/gitops/preview.ts). Pure: the creation time is an input, never read from a clock.
 */

import type { Platform } from "../config/config.js";
import { toOciTag } from "../validate.js";
import type { PipelineEvent } from "./event.js";
import * as semver from "./semver.js";
import { parseTagVersion, slugify } from "./version.js";

/**
 * The longest main tag: room is left for the longest per-arch suffix (`-armv7`) within the OCI
 * limit of 128 characters.
 */
export const MAX_MAIN_TAG = 120;

/** First seven hex digits of a sha. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/** `<registry>/<app>-<binary>`. */
export function imageRepository(registry: string, app: string, binary: string): string {
  return `${registry.replace(/\/+$/, "")}/${app}-${binary}`;
}

/** The architecture part of a per-arch tag: amd64, arm64, armv7. */
export function archOf(platform: Platform | string): string {
  const [, arch = "", variant = ""] = platform.split("/");
  return `${arch}${variant}`;
}

/**
 * The image tag of a run: release `1.2.3` (tag without v); release candidate and other prerelease
 * tags as written (`v1.2.0-rc.1`); main and other branches with a promote rule `sha-<7>`; pull
 * request `pr-<n>-<7>`; any other branch its slug; a manual promotion the tag's version.
 * Always a valid OCI tag of at most {@link MAX_MAIN_TAG} characters: semver build metadata's `+`
 * becomes `_` (`v1.2.3-rc.1+build` -> `v1.2.3-rc.1_build`), as Helm does for chart tags.
 */
export function imageTag(event: PipelineEvent, defaultBranch = "main"): string {
  return toOciTag(rawImageTag(event, defaultBranch), MAX_MAIN_TAG);
}

function rawImageTag(event: PipelineEvent, defaultBranch: string): string {
  switch (event.kind) {
    case "release-tag":
    case "promotion": {
      if (event.tag) return parseTagVersion(event.tag)?.version ?? event.tag;
      return `sha-${shortSha(event.sha)}`;
    }
    case "rc-tag":
    case "prerelease-tag": {
      const v = parseTagVersion(event.tag!);
      return v?.coerced ? v.version : event.tag!;
    }
    case "pull-request":
      return `pr-${event.pr}-${shortSha(event.sha)}`;
    case "branch":
      return event.branch === defaultBranch
        ? `sha-${shortSha(event.sha)}`
        : slugify(event.branch ?? "detached");
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
 * The chart version of a run: release and rc tags their version without `v`; main
 * `<next version>-sha-<7>`; pull request `0.0.0-pr-<n>-<7>`; another branch `0.0.0-<slug>`.
 * `nextVersion` is the computed build version (its prerelease part is dropped for main).
 */
export function chartVersion(event: PipelineEvent, nextVersion: string, defaultBranch = "main"): string {
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
      if (event.branch === defaultBranch) {
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
