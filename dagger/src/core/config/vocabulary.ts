/**
 * The words pipeline.yaml and every stage share: stages, event kinds and platforms. Kept apart
 * from the schema and the resolver so a stage can name them without loading either.
 */

/** Every stage a run can contain, in the order a full release runs them. */
export const STAGES = [
  "lint",
  "test",
  "chart-lint",
  "build",
  "images",
  "publish",
  "manifests",
  "helm-push",
  // After both pushes: it signs and attests the images and the chart (SBOMs, signatures, provenance).
  "sign",
  "latest",
  "release-notes",
  "preview",
  "promote",
] as const;
/** A stage name. */
export type Stage = (typeof STAGES)[number];

/** The kinds of run context the event classifier knows. */
export const EVENT_KINDS = [
  "branch",
  "pull-request",
  "release-tag",
  "rc-tag",
  "prerelease-tag",
  "promotion",
] as const;
/** An event kind. */
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * Platforms the Go toolchain can cross-compile to and images can be built for: every `linux/*` of
 * `go tool dist list`, by its OCI name (the architecture is GOARCH, as the image spec says; arm's
 * variant is GOARM: `linux/arm/v6` is GOARCH=arm GOARM=6). Go 1.26's list: 386, amd64, arm,
 * arm64, loong64, mips, mips64, mips64le, mipsle, ppc64, ppc64le, riscv64, s390x.
 */
export const PLATFORMS = [
  "linux/amd64",
  "linux/arm64",
  "linux/arm/v7",
  "linux/arm/v6",
  "linux/arm/v5",
  "linux/386",
  "linux/ppc64le",
  "linux/ppc64",
  "linux/s390x",
  "linux/riscv64",
  "linux/loong64",
  "linux/mips64le",
  "linux/mips64",
  "linux/mipsle",
  "linux/mips",
] as const;
/** A supported platform. */
export type Platform = (typeof PLATFORMS)[number];

/**
 * `image.tagFormat`: how a version tag becomes an image tag. `auto` (the default): a release's
 * version without `v` (`0.31.0`), a release candidate or other prerelease tag as written
 * (`v0.32.0-rc.1`); `version`: every version without `v` (`0.31.0`, `0.32.0-rc.1`); `tag`: every
 * version with the `v` the git tag has (`v0.31.0`, `v0.32.0-rc.1`; a tag without one, none).
 */
export const TAG_FORMATS = ["auto", "version", "tag"] as const;
/** An image tag format. */
export type TagFormat = (typeof TAG_FORMATS)[number];

/** `versioning.releaseBranches`' default: `release-1.4`, `release/1.4`, `v1.4`, `v1.4.x`. */
export const DEFAULT_RELEASE_BRANCHES: readonly string[] = ["release-*", "release/*", "v*.*"];
