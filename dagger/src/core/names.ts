/**
 * Names and tags per event: image repositories and tags, per-arch tags, chart versions, preview
 * namespaces and OCI annotations. Pure: the creation time is an input, never read from a clock.
 */

import type { Platform } from "./config.js";
import { UsageError } from "./errors.js";
import type { PipelineEvent } from "./event.js";
import * as semver from "./semver.js";
import { isDnsLabel, isPrNumber, safeEcho, toOciTag } from "./validate.js";
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

/**
 * The preview namespace of a pull request from the template (`preview-{pr}`). Throws a UsageError
 * when the number is not a pull request number or the result is not a DNS label.
 */
export function previewNamespace(template: string, pr: number): string {
  if (!isPrNumber(pr)) throw new UsageError(`pull request ${safeEcho(pr)} is not a positive whole number`);
  const namespace = template.replaceAll("{pr}", String(pr));
  if (!isDnsLabel(namespace)) {
    throw new UsageError(
      `preview.namespace: ${safeEcho(namespace)} is not a DNS label (lowercase letters, digits and -, at most 63; example: preview-{pr})`,
    );
  }
  return namespace;
}

/**
 * The host of a pull request's preview from the `preview.host` template (`pr-{pr}.preview.example.com`);
 * null when no template is configured. Throws a UsageError when the result is not a DNS name.
 */
export function previewHost(template: string, pr: number): string | null {
  if (!template) return null;
  if (!isPrNumber(pr)) throw new UsageError(`pull request ${safeEcho(pr)} is not a positive whole number`);
  const host = template.replaceAll("{pr}", String(pr));
  if (host.length > 253 || !host.split(".").every(isDnsLabel)) {
    throw new UsageError(
      `preview.host: ${safeEcho(host)} is not a host name (lowercase DNS labels joined by dots; example: pr-{pr}.preview.example.com)`,
    );
  }
  return host;
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
