import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { classifyEvent } from "../../src/core/release/event.js";

const git = { sha: "1111111aaaaaaa", branch: "feat/x" };
const sha = "abcdef1234567890";

describe("classifyEvent", () => {
  it.each([
    [
      "a local branch",
      {},
      {},
      {},
      { kind: "branch", branch: "feat/x", ref: "refs/heads/feat/x", source: "git" },
    ],
    ["a local tag at HEAD", {}, {}, {}, { kind: "release-tag" }, { tagAtHead: "v1.0.0" }],
    ["--ref main", { ref: "refs/heads/main" }, {}, {}, { kind: "branch", branch: "main", source: "flags" }],
    ["--ref a pull request", { ref: "refs/pull/42/merge" }, {}, {}, { kind: "pull-request", pr: 42 }],
    ["--pr alone", { pr: 7 }, {}, {}, { kind: "pull-request", pr: 7, ref: "refs/pull/7/merge" }],
    ["an rc tag", { ref: "refs/tags/v1.2.0-rc.1" }, {}, {}, { kind: "rc-tag", tag: "v1.2.0-rc.1" }],
    ["another prerelease tag", { ref: "refs/tags/1.8.7alpha" }, {}, {}, { kind: "prerelease-tag" }],
    ["a release tag", { ref: "refs/tags/1.2.3" }, {}, {}, { kind: "release-tag", tag: "1.2.3" }],
    [
      "a manual promotion",
      { ref: "refs/tags/v1.2.3", event: "promotion" },
      {},
      {},
      { kind: "promotion", tag: "v1.2.3" },
    ],
    [
      "a GitHub pull request with its head sha",
      {},
      { GITHUB_ACTIONS: "true", GITHUB_REF: "refs/pull/9/merge", GITHUB_SHA: "9999999" },
      { prNumber: 9, prHeadSha: sha },
      { kind: "pull-request", pr: 9, sha, source: "github" },
    ],
    [
      "a GitHub push to main",
      {},
      { GITHUB_ACTIONS: "true", GITHUB_REF: "refs/heads/main", GITHUB_SHA: sha },
      {},
      { kind: "branch", branch: "main", sha, source: "github" },
    ],
    [
      "a GitLab tag",
      {},
      { GITLAB_CI: "true", CI_COMMIT_TAG: "v2.0.0", CI_COMMIT_SHA: sha },
      {},
      { kind: "release-tag", sha, source: "gitlab" },
    ],
    [
      "a GitLab merge request",
      {},
      { GITLAB_CI: "true", CI_MERGE_REQUEST_IID: "5" },
      {},
      { kind: "pull-request", pr: 5, source: "gitlab" },
    ],
    [
      "a GitLab branch",
      {},
      { GITLAB_CI: "true", CI_COMMIT_BRANCH: "staging" },
      {},
      { kind: "branch", branch: "staging" },
    ],
    [
      "flags over GitHub",
      { ref: "refs/heads/main", sha },
      { GITHUB_ACTIONS: "true", GITHUB_REF: "refs/pull/9/merge" },
      {},
      { kind: "branch", branch: "main", sha, source: "flags" },
    ],
    [
      "GitHub over GitLab",
      {},
      { GITHUB_ACTIONS: "true", GITHUB_REF: "refs/heads/main", GITLAB_CI: "true", CI_COMMIT_TAG: "v1.0.0" },
      {},
      { kind: "branch", source: "github" },
    ],
  ])("classifies %s", (_name, flags, env, github, expected, head: { tagAtHead?: string } = {}) => {
    expect(classifyEvent(flags, env, { ...git, ...head }, github)).toMatchObject(expected);
  });

  it.each([
    [{ ref: "main" }, /--ref "main" is not a full git ref/],
    [{ ref: "refs/remotes/origin/main" }, /not a full git ref/],
    [{ sha: "xyz123456" }, /--sha "xyz123456" is not a commit sha/],
    [{ ref: "refs/tags/nightly" }, /tag "nightly" is not a version/],
    [{ event: "deploy" }, /--event "deploy" is not known/],
  ])("rejects %j with a usage error", (flags, message) => {
    expect(() => classifyEvent(flags, {}, git)).toThrow(UsageError);
    expect(() => classifyEvent(flags, {}, git)).toThrow(message);
  });
});
