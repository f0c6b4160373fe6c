/**
 * The default branch rules: what runs for pull requests, the default branch, feature branches,
 * release candidates, releases, prereleases and production promotions when pipeline.yaml has no
 * `rules`. Every other default lives in the schema (core/config/schema-table.ts), where docs/config.md
 * and pipeline.schema.json read it.
 */
import type { BranchRule } from "./types.js";

/**
 * The default branch rules for a default branch other than `main`: the `main` rule matches it
 * and is named after it.
 */
export function defaultRules(defaultBranch: string): BranchRule[] {
  return structuredClone(DEFAULT_RULES).map((rule) =>
    rule.name === "main" ? { ...rule, name: defaultBranch, branches: [defaultBranch] } : rule,
  );
}

/** The default branch rules (issue #3): feature branches, pull requests, main, rc tags, releases, prod. */
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
