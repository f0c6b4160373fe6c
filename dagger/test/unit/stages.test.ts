import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/adapters/config/config-file.js";
import { DEFAULT_RULES } from "../../src/core/config/config.js";
import type { PipelineEvent } from "../../src/core/release/event.js";
import { matchGlob } from "../../src/core/release/glob.js";
import { selectStages } from "../../src/core/release/stages.js";

const ev = (kind: PipelineEvent["kind"], extra: Partial<PipelineEvent> = {}): PipelineEvent => ({
  kind,
  ref: "refs/x",
  sha: "abc1234",
  source: "flags",
  ...extra,
});
const FULL = ["lint", "test", "chart-lint", "build", "images", "publish", "helm-push"];

describe("default rules", () => {
  it.each([
    [
      "feature branch feat/login",
      ev("branch", { branch: "feat/login" }),
      "feature",
      ["lint", "test"],
      undefined,
    ],
    ["feature branch fix/bug", ev("branch", { branch: "fix/bug" }), "feature", ["lint", "test"], undefined],
    [
      "feature branch chore/deps",
      ev("branch", { branch: "chore/deps" }),
      "feature",
      ["lint", "test"],
      undefined,
    ],
    ["feature branch test/x", ev("branch", { branch: "test/x" }), "feature", ["lint", "test"], undefined],
    ["pull request", ev("pull-request", { pr: 42 }), "pull-request", [...FULL, "preview"], undefined],
    ["main", ev("branch", { branch: "main" }), "main", [...FULL, "promote"], "staging"],
    [
      "rc tag",
      ev("rc-tag", { tag: "v1.2.0-rc.1" }),
      "release-candidate",
      [...FULL, "sign", "promote"],
      "uat",
    ],
    [
      "release tag",
      ev("release-tag", { tag: "v1.2.3" }),
      "release",
      [...FULL, "sign", "latest", "release-notes"],
      undefined,
    ],
    ["prod promotion", ev("promotion", { tag: "v1.2.3" }), "prod", ["promote"], "prod"],
    ["an unmatched branch", ev("branch", { branch: "experiment" }), null, [], undefined],
  ])("%s", (_name, event, rule, stages, promote) => {
    const selection = selectStages(DEFAULT_RULES, event);
    expect(selection.rule).toBe(rule);
    expect(selection.stages).toEqual(stages);
    expect(selection.promote).toBe(promote);
  });
});

describe("the GitLab-style example config", () => {
  const config = loadConfig(resolve(import.meta.dirname, "../../../examples/gitlab-style/pipeline.yaml"));
  it.each([
    ["branch staging", ev("branch", { branch: "staging" }), ["lint", "test", "build", "manifests"]],
    [
      "a release tag",
      ev("release-tag", { tag: "v1.0.0" }),
      [
        "lint",
        "test",
        "chart-lint",
        "build",
        "images",
        "publish",
        "manifests",
        "helm-push",
        "latest",
        "release-notes",
      ],
    ],
    [
      "an rc tag",
      ev("rc-tag", { tag: "v1.0.0-rc.1" }),
      [
        "lint",
        "test",
        "chart-lint",
        "build",
        "images",
        "publish",
        "manifests",
        "helm-push",
        "latest",
        "release-notes",
      ],
    ],
    ["a merge request", ev("pull-request", { pr: 3 }), ["lint", "test"]],
    ["branch main (no rule)", ev("branch", { branch: "main" }), []],
  ])("%s", (_name, event, stages) => {
    expect(selectStages(config.rules, event).stages).toEqual(stages);
  });
});

describe("matchGlob", () => {
  it.each([
    ["feat/*", "feat/login", true],
    ["feat/*", "feat/a/b", false],
    ["feat/**", "feat/a/b", true],
    ["main", "main", true],
    ["main", "mainline", false],
    ["release-?", "release-1", true],
    ["v1.*", "v1x2", false],
  ])("%s vs %s -> %s", (pattern, name, expected) => {
    expect(matchGlob(pattern, name)).toBe(expected);
  });
});
