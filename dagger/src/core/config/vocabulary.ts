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

/** Platforms the Go toolchain can cross-compile to and images can be built for. */
export const PLATFORMS = ["linux/amd64", "linux/arm64", "linux/arm/v7"] as const;
/** A supported platform. */
export type Platform = (typeof PLATFORMS)[number];
