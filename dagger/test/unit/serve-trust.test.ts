import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/core/config/config.js";
import type { HistoryEntry } from "../../src/core/gitops/layout.js";
import { rollbackTarget } from "../../src/core/gitops/rollback-target.js";
import { containerArgv } from "../../src/core/runners/container.js";
import { landedEntry, operationOf, operationUrl } from "../../src/core/serve/effects.js";
import { isFinal, isSettled } from "../../src/core/serve/queue.js";
import { isStageVariable, stageEnvironment } from "../../src/core/serve/stage-env.js";
import {
  gateStage,
  serverOwnedDifferences,
  serverOwnedRefusal,
  trustedConfig,
  usesCredentials,
} from "../../src/core/serve/trust.js";
import { githubDecision, gitlabDecision, manualDecision } from "../../src/core/serve/webhook-events.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const SERVER = {
  app: "shop",
  image: { registry: "registry.acme.dev/shop" },
  gitops: { repo: "https://git.acme.dev/gitops.git" },
  environments: { staging: {}, uat: {}, prod: { promotion: "manual" } },
};
const config = (raw: object) => resolveConfig(raw, "pipeline.yaml", ["api"]);

describe("what a commit may change (core/serve/trust.ts)", () => {
  const server = config(SERVER);
  it.each([
    ["nothing (the same file)", {}, []],
    [
      "the build shape only",
      { go: { source: "src" }, platforms: ["linux/arm64"], coverage: { minimum: 90 } },
      [],
    ],
    ["gitops.repo (another host)", { gitops: { repo: "http://127.0.0.1:9/x.git" } }, ["gitops"]],
    ["gitops.repo (a local path)", { gitops: { repo: "/srv/other.git" } }, ["gitops"]],
    ["gitops left out", { gitops: undefined }, ["gitops"]],
    ["image.registry", { image: { registry: "evil.example/x" } }, ["image.registry", "image.registries"]],
    [
      "image.extraTags (other tags in the registry)",
      { image: { registry: SERVER.image.registry, extraTags: [] } },
      ["image.extraTags"],
    ],
    [
      "an environment's promotion rule",
      { environments: { ...SERVER.environments, prod: { promotion: "auto" } } },
      ["environments.prod"],
    ],
    ["a new environment", { environments: { ...SERVER.environments, qa: {} } }, ["environments.qa"]],
    ["app", { app: "other" }, expect.arrayContaining(["app", "images (names and values keys)"])],
    ["module", { module: "github.com/evil/module@main" }, ["module"]],
  ])("%s", (_what, change, differences) => {
    expect(serverOwnedDifferences(server, config({ ...SERVER, ...change }))).toEqual(differences);
  });

  it("keeps the commit's build shape and takes every deploy target from the server", () => {
    const commit = config({
      ...SERVER,
      platforms: ["linux/arm64"],
      image: { ...SERVER.image, base: "scratch" },
    });
    const trusted = trustedConfig(server, { ...commit, gitops: { ...commit.gitops, repo: "/tmp/x" } });
    expect(trusted.platforms).toEqual(["linux/arm64"]);
    expect(trusted.image.base).toBe("scratch");
    expect(trusted.gitops.repo).toBe(SERVER.gitops.repo);
    expect(trusted.environments).toBe(server.environments);
  });

  it("refuses naming the keys and saying nothing ran with a credential", () => {
    expect(serverOwnedRefusal(SHA, ["gitops"])).toMatch(
      /^commit 0123456789ab's pipeline\.yaml changes what only the server's own pipeline\.yaml decides \(gitops\).*nothing ran with a credential/,
    );
  });

  const selection = {
    rule: "pull-request",
    stages: ["test" as const, "publish" as const, "preview" as const],
  };
  it.each([
    ["test", { fork: true, approved: false }, { action: "run" }],
    ["publish", { fork: false, approved: false }, { action: "run" }],
    ["publish", { fork: true, approved: false }, { action: "await-approval" }],
    ["preview", { fork: true, approved: true }, { action: "run" }],
    [
      "promote",
      { fork: false, approved: false },
      { action: "skip", reason: expect.stringMatching(/does not run promote/) },
    ],
  ])("stage %s of a run %o: %o", (stage, trust, gate) => {
    expect(gateStage(stage as "test", selection, trust)).toEqual(gate);
  });

  it("promotes only where the server's rule says", () => {
    const rule = { rule: "main", stages: ["promote" as const], promote: "staging" };
    expect(gateStage("promote", rule, { fork: false, approved: false })).toEqual({
      action: "run",
      environment: "staging",
    });
    expect(
      ["lint", "test", "chart-lint", "build", "images"].map((s) => usesCredentials(s as "lint")),
    ).toEqual([false, false, false, false, false]);
    expect(["publish", "helm-push", "preview", "promote"].every((s) => usesCredentials(s as "lint"))).toBe(
      true,
    );
  });
});

describe("a stage process's environment (core/serve/stage-env.ts)", () => {
  it("passes an allow-list and never a credential, whatever its name", () => {
    const env = stageEnvironment(
      {
        PATH: "/usr/bin",
        HOME: "/home/ci",
        LC_ALL: "C.UTF-8",
        GOPROXY: "https://proxy.golang.org",
        GITOPS_TOKEN: "t",
        GITHUB_TOKEN: "t",
        REGISTRY_PASSWORD: "p",
        PIPELINE_API_TOKENS: "viewer:x",
        PIPELINE_GITHUB_SECRET: "s",
        AWS_SECRET_ACCESS_KEY: "k",
        DOCKER_CONFIG: "/root/.docker",
        DATABASE_URL: "postgres://u:p@db/x",
        HTTPS_PROXY: "http://user:pass@proxy:3128",
        NO_PROXY: "localhost",
      },
      { TMPDIR: "/work/run-1/tmp" },
    );
    expect(env).toEqual({
      PATH: "/usr/bin",
      HOME: "/home/ci",
      LC_ALL: "C.UTF-8",
      GOPROXY: "https://proxy.golang.org",
      NO_PROXY: "localhost",
      TMPDIR: "/work/run-1/tmp",
    });
    expect(["PATH", "GOCACHE", "GITOPS_TOKEN", "DOCKER_CONFIG"].map(isStageVariable)).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe("fork pull requests (core/serve/webhook-events.ts)", () => {
  const pr = (head?: string, base?: string) => ({
    action: "opened",
    number: 7,
    pull_request: {
      head: { sha: SHA, repo: head ? { full_name: head } : null },
      base: { repo: { full_name: base } },
    },
  });
  it.each([
    ["the same repository", pr("acme/shop", "acme/shop"), false],
    ["a fork", pr("mallory/shop", "acme/shop"), true],
    ["a deleted fork (no head repository)", pr(undefined, "acme/shop"), true],
  ])("GitHub: %s", (_what, body, fork) => {
    expect(githubDecision("pull_request", body, [])).toMatchObject({ action: "ignore" });
    const rules = [
      { name: "pr", events: ["pull-request" as const], branches: [], stages: ["test" as const] },
    ];
    expect(githubDecision("pull_request", body, rules)).toMatchObject({ action: "run", fork });
  });

  it("GitLab: another source project is a fork; a manual run by a deployer is not", () => {
    const rules = [
      { name: "pr", events: ["pull-request" as const], branches: [], stages: ["test" as const] },
    ];
    const mr = (source: number, target: number) => ({
      object_kind: "merge_request",
      object_attributes: {
        iid: 3,
        action: "open",
        last_commit: { id: SHA },
        source_project_id: source,
        target_project_id: target,
      },
    });
    expect(gitlabDecision(mr(5, 5), rules)).toMatchObject({ fork: false });
    expect(gitlabDecision(mr(6, 5), rules)).toMatchObject({ fork: true });
    expect(manualDecision("refs/pull/3/merge", SHA, rules)).toMatchObject({ fork: false });
  });

  it("a run waiting for approval is settled but not final", () => {
    expect([isFinal("awaiting_approval"), isSettled("awaiting_approval"), isSettled("running")]).toEqual([
      false,
      true,
      false,
    ]);
  });
});

describe("exactly-once gitops changes (core/serve/effects.ts, core/gitops/rollback-target.ts)", () => {
  const entry = (version: string, run?: string): HistoryEntry => ({
    commit: `c-${version}`,
    environment: "staging",
    version,
    chartVersion: version,
    at: "2026-01-01T00:00:00Z",
    author: "a",
    sourceSha: SHA,
    rollback: false,
    ...(run ? { run } : {}),
  });
  const op = { installation: "a1b2c3", run: 42 };

  it("names the operation in the Pipeline-Run trailer, whatever host or port serve had", () => {
    const url = operationUrl("http://127.0.0.1:8080/", op);
    expect(url).toBe("http://127.0.0.1:8080/api/runs/42?op=a1b2c3-42");
    expect(operationOf(url.replace("127.0.0.1:8080", "ci.acme.dev"))).toBe("a1b2c3-42");
    expect(operationOf("https://github.com/acme/shop/actions/runs/1")).toBeNull();
    expect(operationOf(undefined)).toBeNull();
  });

  it("finds the commit an earlier attempt landed, anywhere in the history", () => {
    const history = [entry("1.3.0"), entry("1.1.0", operationUrl("http://x", op)), entry("1.2.0")];
    expect(landedEntry(history, op)?.commit).toBe("c-1.1.0");
    expect(landedEntry(history, { ...op, run: 43 })).toBeUndefined();
    expect(landedEntry(history, { ...op, installation: "other" })).toBeUndefined();
  });

  it("decides a rollback's target once, from the history it is given", () => {
    const history = [entry("1.2.0"), entry("1.1.0"), entry("1.0.0")];
    expect(rollbackTarget(history, "staging")).toEqual({
      version: "1.1.0",
      chartVersion: "1.1.0",
      sourceSha: SHA,
      reason: "rollback from 1.2.0",
    });
    expect(rollbackTarget(history, "staging", "1.0.0").version).toBe("1.0.0");
    expect(() => rollbackTarget([entry("1.0.0")], "staging")).toThrow(/no previous version/);
    expect(() => rollbackTarget([], "staging")).toThrow(/no promotion/);
  });
});

describe("repository code in a container (core/runners/container.ts)", () => {
  it("mounts only the given folders, passes variables by name and never the host's PATH", () => {
    expect(
      containerArgv({
        image: "local/go:1",
        argv: ["go", "test", "./..."],
        cwd: "/w/run-1/repo/src",
        mounts: ["/w/run-1/repo", "/w/run-1/tmp"],
        env: ["CGO_ENABLED", "PATH", "HOME", "GOCACHE", "bad name"],
        name: "pipeline-x",
        user: "1000:1000",
      }),
    ).toEqual([
      "docker",
      "run",
      "--rm",
      "--init",
      "--name",
      "pipeline-x",
      "--network",
      "host",
      "--user",
      "1000:1000",
      "-v",
      "/w/run-1/repo:/w/run-1/repo",
      "-v",
      "/w/run-1/tmp:/w/run-1/tmp",
      "-w",
      "/w/run-1/repo/src",
      "-e",
      "CGO_ENABLED",
      "-e",
      "HOME",
      "-e",
      "GOCACHE",
      "local/go:1",
      "go",
      "test",
      "./...",
    ]);
  });
});
