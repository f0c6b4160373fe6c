/**
 * The default branch rules: what runs for pull requests, the default branch, release branches, feature branches,
 * release candidates, releases, prereleases and production promotions when pipeline.yaml has no
 * `rules`. Every other default lives in the schema (core/config/schema-table.ts), where docs/config.md
 * and pipeline.schema.json read it.
 */
import type { BranchRule } from "./types.js";
import { DEFAULT_RELEASE_BRANCHES } from "./vocabulary.js";

/**
 * The default branch rules for a default branch other than `main` and the release branches of
 * `versioning.releaseBranches`: the `main` rule matches the default branch and is named after it,
 * the `release-branch` rule matches the release branches (none: the rule is left out).
 */
export function defaultRules(
  defaultBranch: string,
  releaseBranches: readonly string[] = DEFAULT_RELEASE_BRANCHES,
): BranchRule[] {
  return structuredClone(DEFAULT_RULES).flatMap((rule) => {
    if (rule.name === "main") return [{ ...rule, name: defaultBranch, branches: [defaultBranch] }];
    if (rule.name === "release-branch")
      return releaseBranches.length ? [{ ...rule, branches: [...releaseBranches] }] : [];
    return [rule];
  });
}

/** The default branch rules (issue #3): pull requests, main, release branches, feature branches, rc tags, releases, prod. */
export const DEFAULT_RULES: BranchRule[] = [
  {
    name: "pull-request",
    events: ["pull-request"],
    branches: [],
    stages: ["lint", "test", "chart-lint", "build", "images", "publish", "helm-push", "preview"],
  },
  {
    name: "main",
    events: ["branch"],
    branches: ["main"],
    stages: ["lint", "test", "chart-lint", "build", "images", "publish", "helm-push", "promote"],
    promote: "staging",
  },
  {
    // Patch releases are cut on release branches (versioning.releaseBranches): each push is built,
    // published and its chart pushed, versioned from the branch's own tags; nothing is promoted.
    name: "release-branch",
    events: ["branch"],
    branches: [...DEFAULT_RELEASE_BRANCHES],
    stages: ["lint", "test", "chart-lint", "build", "images", "publish", "helm-push"],
  },
  {
    name: "feature",
    events: ["branch"],
    branches: ["fix/*", "feat/*", "test/*", "chore/*"],
    stages: ["lint", "test"],
  },
  {
    name: "release-candidate",
    events: ["rc-tag"],
    branches: [],
    // Signed like a release: uat runs what prod will verify.
    stages: ["lint", "test", "chart-lint", "build", "images", "publish", "helm-push", "sign", "promote"],
    promote: "uat",
  },
  {
    name: "release",
    events: ["release-tag"],
    branches: [],
    stages: [
      "lint",
      "test",
      "chart-lint",
      "build",
      "images",
      "publish",
      "helm-push",
      "sign",
      "latest",
      "release-notes",
    ],
  },
  {
    name: "prerelease",
    events: ["prerelease-tag"],
    branches: [],
    stages: ["lint", "test", "chart-lint", "build", "images", "publish", "helm-push"],
  },
  { name: "prod", events: ["promotion"], branches: [], stages: ["promote"], promote: "prod" },
];
