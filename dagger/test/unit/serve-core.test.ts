import { describe, expect, it } from "vitest";
import { DEFAULT_RULES } from "../../src/core/config/config.js";
import { afterCrash, concurrencyOf, isFinal, stageExecution } from "../../src/core/serve/queue.js";
import { allows, parseTokens, requiredRole } from "../../src/core/serve/roles.js";
import { githubDecision, gitlabDecision, manualDecision } from "../../src/core/serve/webhook-events.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";

describe("webhook decisions follow the plan's rules", () => {
  const cases: [string, ReturnType<typeof githubDecision>["action"], string, unknown][] = [
    ["push", "run", "a push to main", { ref: "refs/heads/main", after: SHA }],
    ["push", "run", "a release tag push", { ref: "refs/tags/v1.2.3", after: SHA }],
    ["push", "ignore", "a tag that is not a version", { ref: "refs/tags/nightly", after: SHA }],
    ["push", "ignore", "a deleted branch", { ref: "refs/heads/main", after: SHA, deleted: true }],
    [
      "pull_request",
      "run",
      "an opened pull request",
      { action: "opened", number: 7, pull_request: { head: { sha: SHA } } },
    ],
    [
      "pull_request",
      "run",
      "a synchronized pull request",
      { action: "synchronize", number: 7, pull_request: { head: { sha: SHA } } },
    ],
    ["pull_request", "cleanup", "a closed pull request", { action: "closed", number: 7 }],
    ["pull_request", "ignore", "a labeled pull request", { action: "labeled", number: 7 }],
    ["issues", "ignore", "an issues event", {}],
    ["ping", "ignore", "a ping", {}],
  ];
  it.each(cases)("GitHub %s gives %s for %s", (event, action, _what, body) => {
    expect(githubDecision(event, body, DEFAULT_RULES).action).toBe(action);
  });

  it("a pull request run fetches refs/pull/N/head and plans refs/pull/N/merge", () => {
    const decision = githubDecision(
      "pull_request",
      { action: "opened", number: 7, pull_request: { head: { sha: SHA } } },
      DEFAULT_RULES,
    );
    expect(decision).toMatchObject({
      action: "run",
      ref: "refs/pull/7/merge",
      fetchRef: "refs/pull/7/head",
      pr: 7,
      sha: SHA,
    });
  });

  const gitlab: [string, string, unknown][] = [
    ["run", "a push", { object_kind: "push", ref: "refs/heads/main", checkout_sha: SHA }],
    ["run", "a tag push", { object_kind: "tag_push", ref: "refs/tags/v1.0.0-rc.1", checkout_sha: SHA }],
    [
      "ignore",
      "a deleted tag",
      { object_kind: "tag_push", ref: "refs/tags/v1.0.0", after: "0".repeat(40), checkout_sha: null },
    ],
    [
      "run",
      "an opened merge request",
      {
        object_kind: "merge_request",
        object_attributes: { iid: 3, action: "open", last_commit: { id: SHA } },
      },
    ],
    [
      "cleanup",
      "a merged merge request",
      { object_kind: "merge_request", object_attributes: { iid: 3, action: "merge" } },
    ],
    ["ignore", "a note", { object_kind: "note" }],
  ];
  it.each(gitlab)("GitLab gives %s for %s", (action, _what, body) => {
    expect(gitlabDecision(body, DEFAULT_RULES).action).toBe(action);
  });

  it("a branch no rule matches is ignored with a reason naming the ref", () => {
    const rules = [
      { name: "main", events: ["branch" as const], branches: ["main"], stages: ["lint" as const] },
    ];
    const decision = githubDecision("push", { ref: "refs/heads/other", after: SHA }, rules);
    expect(decision).toEqual({
      action: "ignore",
      reason: "no rule in pipeline.yaml matches branch refs/heads/other",
    });
    expect(manualDecision("refs/heads/main", SHA, rules)).toMatchObject({ action: "run", rule: "main" });
  });
});

describe("queue rules", () => {
  it.each([
    [{ kind: "build" as const, ref: "refs/pull/4/merge", pr: 4 }, "pr:4", "cancel-older"],
    [{ kind: "build" as const, ref: "refs/heads/main" }, "branch:main", "cancel-older"],
    [{ kind: "build" as const, ref: "refs/tags/v1.0.0" }, "ref:refs/tags/v1.0.0", "queue"],
    [{ kind: "promote" as const, env: "prod" }, "env:prod", "queue"],
    [{ kind: "rollback" as const, env: "prod" }, "env:prod", "queue"],
    [{ kind: "cleanup" as const, pr: 4 }, "pr:4", "cancel-older"],
  ])("%o contends on %s and %s", (run, key, policy) => {
    expect(concurrencyOf(run)).toEqual({ key, policy });
  });

  it("a crashed run is retried once, then left interrupted", () => {
    expect([afterCrash(1), afterCrash(2)]).toEqual(["retry", "give-up"]);
    expect(["queued", "running", "succeeded", "interrupted"].map((s) => isFinal(s as "queued"))).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });

  it.each([
    ["lint", "cli"],
    ["chart-lint", "cli"],
    ["promote", "promote"],
    ["preview", "preview"],
    ["latest", "skip"],
  ])("stage %s runs via %s", (stage, via) => {
    expect(stageExecution(stage as "lint").via).toBe(via);
  });
});

describe("roles", () => {
  it.each([
    ["viewer", "viewer", true],
    ["viewer", "deployer", false],
    ["deployer", "deployer", true],
    ["admin", "deployer", true],
    ["deployer", "admin", false],
  ])("%s may act as %s: %s", (role, needed, ok) => {
    expect(allows(role as "viewer", needed as "viewer")).toBe(ok);
  });

  it.each([
    ["GET", "/api/runs", "viewer"],
    ["POST", "/api/runs", "deployer"],
    ["POST", "/api/environments/prod/rollback", "deployer"],
    ["GET", "/api/openapi.json", null],
    ["GET", "/healthz", null],
  ])("%s %s needs %s", (method, path, role) => {
    expect(requiredRole(method, path)).toBe(role);
  });

  it("parses role:token pairs and never shows a token in its errors", () => {
    expect(parseTokens("viewer:aaaaaaaaaaaaaaaa, admin:bbbbbbbbbbbbbbbb", "PIPELINE_API_TOKENS")).toEqual([
      { role: "viewer", token: "aaaaaaaaaaaaaaaa" },
      { role: "admin", token: "bbbbbbbbbbbbbbbb" },
    ]);
    expect(() => parseTokens("root:cccccccccccccccccc", "x")).toThrow(/entry 1 is not role:token/);
    expect(() => parseTokens("root:cccccccccccccccccc", "x")).not.toThrow(/cccc/);
    expect(() => parseTokens("viewer:short", "x")).toThrow(/shorter than 16/);
  });
});
