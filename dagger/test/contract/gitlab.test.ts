/**
 * .gitlab-ci.yml calls the module that exists: every `dagger call` in its jobs names a registered
 * function with arguments it declares (secrets as env:, required ones given). Its rules run the
 * right jobs per branch and tag (evaluated here as GitLab evaluates them), prod waits for a
 * person, its tag detection tells annotated from lightweight tags in a real repo, and the
 * GitLab-style example config plans what its rules say.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/adapters/config/config-file.js";
import { loginVariables } from "../../src/core/registry/logins.js";
import type { PipelineEvent } from "../../src/core/release/event.js";
import { assemblePlan } from "../../src/core/release/plan.js";
import { git, repoWithFiles } from "../support/git.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { runModule } from "./harness.js";
import { type RegisteredFunction, registeredFunctions } from "./registration.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
const ci = parse(readFileSync(join(repoRoot, ".gitlab-ci.yml"), "utf8")) as Record<string, Job>;
const KEYWORDS = new Set([
  "stages",
  "variables",
  "workflow",
  "default",
  "include",
  "image",
  "services",
  "cache",
]);

interface Rule {
  if?: string;
  when?: string;
  variables?: Record<string, string>;
}
interface Job {
  extends?: string | string[];
  rules?: Rule[];
  script?: string[];
  before_script?: string[];
  stage?: string;
  environment?: { name: string };
  needs?: (string | { job: string })[];
  id_tokens?: Record<string, { aud?: string }>;
}

/** A job with its `extends` templates merged (later ones win, the job itself last), as GitLab does. */
function resolved(name: string): Job {
  const job = ci[name]!;
  const bases = [job.extends ?? []].flat().map(resolved);
  return Object.assign({}, ...bases, job);
}

const jobs = Object.keys(ci)
  .filter((k) => !k.startsWith(".") && !KEYWORDS.has(k))
  .map((name) => ({ name, job: resolved(name) }));

/** One `dagger call`: the function and its flags with their values. */
interface Call {
  where: string;
  fn: string;
  flags: Map<string, string>;
}

const camel = (kebab: string) => kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function daggerCalls(): Call[] {
  const calls: Call[] = [];
  for (const { name, job } of jobs) {
    for (const line of [...(job.before_script ?? []), ...(job.script ?? [])]) {
      for (const m of line.matchAll(/dagger call ([^\n|;&>]+)/g)) {
        // `${X:+--flag "$X"}` passes --flag only when X is set: count it as the flag.
        const tokens = m[1]!
          .replace(/\$\{\w+:\+(--[a-z-]+) [^}]*\}/g, "$1 VALUE")
          .trim()
          .split(/\s+/);
        const fn = tokens.shift()!;
        const flags = new Map<string, string>();
        while (tokens[0]?.startsWith("--")) {
          const flag = tokens.shift()!.slice(2);
          flags.set(flag, tokens[0] && !tokens[0].startsWith("--") ? tokens.shift()! : "true");
        }
        calls.push({ where: `job ${name}`, fn, flags });
      }
    }
  }
  return calls;
}

/** Evaluates one GitLab `if:` of the forms this file uses: `$A`, `$A == "x"`, `$A == $B`, `$A =~ /re/`. */
function evalIf(expression: string, vars: Record<string, string>): boolean {
  const value = (token: string) =>
    token.startsWith("$") ? (vars[token.slice(1)] ?? "") : token.replace(/^"|"$/g, "");
  const match = /^(\$\w+)\s*(==|=~)\s*(.+)$/.exec(expression.trim());
  if (!match) return value(expression.trim()) !== "";
  const [, left, op, right] = match as unknown as [string, string, string, string];
  if (op === "==") return value(left) === value(right.trim());
  const re = /^\/(.*)\/$/.exec(right.trim())![1]!;
  return new RegExp(re).test(value(left));
}

/** The jobs a pipeline for `vars` runs, with `when` (on_success or manual). */
function pipelineFor(vars: Record<string, string>): Record<string, string> {
  const all = { CI_DEFAULT_BRANCH: "main", ...vars };
  const out: Record<string, string> = {};
  for (const { name, job } of jobs) {
    const rule = (job.rules ?? [{}]).find((r) => r.if === undefined || evalIf(r.if, all));
    if (rule && rule.when !== "never") out[name] = rule.when ?? "on_success";
  }
  return out;
}

/** CI variables of a release tag's pipeline, for running job scripts. */
const TAG_VARS = {
  PIPELINE_REF: "refs/tags/v1.2.0",
  CI_COMMIT_SHA: "c".repeat(40),
  CI_REGISTRY_IMAGE: "registry.gitlab.example/acme/shop",
  CI_REGISTRY_USER: "gitlab-ci-token",
  CI_PROJECT_URL: "https://gitlab.example/acme/shop",
  CI_SERVER_URL: "https://gitlab.example",
  IMAGE_TAG: "1.2.0",
  CHART_VERSION: "1.2.0",
};

/** Runs a job's script with a stand-in `dagger` that records its argv: its dagger calls, in order. */
function scriptCalls(name: string, env: Record<string, string>): string[] {
  const dir = tempDir("gitlab-script-");
  const log = join(dir, "calls");
  writeFileSync(join(dir, "dagger"), `#!/bin/sh\necho "$*" >> "${log}"\n`, { mode: 0o755 });
  for (const line of resolved(name).script!)
    execFileSync("sh", ["-euc", line], {
      env: { PATH: `${dir}:${process.env.PATH}`, ...TAG_VARS, ...env },
      stdio: "pipe",
    });
  return readFileSync(log, "utf8").trim().split("\n");
}

describe(".gitlab-ci.yml", () => {
  let functions: RegisteredFunction[];
  beforeAll(async () => {
    functions = registeredFunctions(await runModule(null));
  }, 120_000);

  it("calls only registered functions, with declared arguments, secrets as env: and required ones given", () => {
    const calls = daggerCalls();
    expect(calls.length).toBeGreaterThanOrEqual(12);
    let secrets = 0;
    for (const call of calls) {
      const fn = functions.find((f) => f.name === camel(call.fn));
      expect(fn, `${call.where}: dagger call ${call.fn}`).toBeDefined();
      for (const [flag, value] of call.flags) {
        const arg = fn!.args.find((a) => a.name === camel(flag));
        expect(arg, `${call.where}: ${call.fn} --${flag}`).toBeDefined();
        if (arg!.type === "Secret") secrets++;
        if (arg!.type === "Secret")
          expect(value, `${call.where}: --${flag} is a secret`).toMatch(/^env:[A-Z_]+$/);
      }
      for (const arg of fn!.args.filter((a) => !a.optional))
        expect([...call.flags.keys()].map(camel), `${call.where}: ${call.fn} needs --${arg.name}`).toContain(
          arg.name,
        );
    }
    expect(secrets).toBe(18);
  });

  it("runs the engine on a docker:dind service with pinned images and the pinned dagger version", () => {
    const base = ci[".dagger"]!;
    expect(JSON.stringify(base)).toMatch(/docker:\d+\.\d+\.\d+-dind/);
    expect(JSON.stringify(base)).toMatch(/"image":"docker:\d+\.\d+\.\d+-cli"/);
    expect((ci.variables as unknown as Record<string, string>).DAGGER_VERSION).toBe("0.21.9");
    expect((ci.variables as unknown as Record<string, string>).DOCKER_HOST).toBe("tcp://docker:2376");
    for (const { job } of jobs)
      expect(job.before_script?.join("\n")).toMatch(/DAGGER_VERSION="\$DAGGER_VERSION"/);
  });

  it.each([
    [{ CI_COMMIT_BRANCH: "feat/login" }, ["lint", "plan", "test"]],
    [{ CI_COMMIT_BRANCH: "fix/typo" }, ["lint", "plan", "test"]],
    [{ CI_COMMIT_BRANCH: "test/more" }, ["lint", "plan", "test"]],
    [{ CI_COMMIT_BRANCH: "chore/deps" }, ["lint", "plan", "test"]],
    [{ CI_COMMIT_BRANCH: "wip/other" }, []],
    [{ CI_COMMIT_BRANCH: "staging" }, ["build", "lint", "plan", "publish", "test"]],
    [
      { CI_COMMIT_BRANCH: "main" },
      ["chart-lint", "helm-push", "lint", "plan", "promote-staging", "publish", "test"],
    ],
    [
      { CI_COMMIT_TAG: "v1.2.0-rc.1" },
      ["chart-lint", "helm-push", "lint", "plan", "promote-uat", "publish", "sign", "test"],
    ],
    [
      { CI_COMMIT_TAG: "v1.2.0" },
      ["chart-lint", "helm-push", "latest", "lint", "plan", "promote-prod", "publish", "sign", "test"],
    ],
  ])("for %j runs %j", (vars, expected) => {
    expect(Object.keys(pipelineFor(vars)).sort()).toEqual(expected);
  });

  it("promotes prod only by hand, in the prod environment, after verify", () => {
    expect(pipelineFor({ CI_COMMIT_TAG: "v1.2.0" })["promote-prod"]).toBe("manual");
    expect(pipelineFor({ CI_COMMIT_TAG: "v1.2.0" }).publish).toBe("on_success");
    const prod = resolved("promote-prod");
    expect(prod.environment?.name).toBe("prod");
    const calls = scriptCalls("promote-prod", {});
    expect(calls.map((c) => c.split(" ")[1])).toEqual(["verify", "promote"]);
    expect(resolved("promote-staging").environment?.name).toBe("staging");
    expect(resolved("promote-uat").environment?.name).toBe("uat");
  });

  it.each([
    [
      "against the release's public key when the project has COSIGN_PUBLIC_KEY",
      { COSIGN_PUBLIC_KEY: "fake-public-pem" },
      "--key env:COSIGN_PUBLIC_KEY --sha cccccccccccccccccccccccccccccccccccccccc",
    ],
    [
      "keylessly against this project's GitLab pipeline identity without it",
      {},
      "--keyless --certificate-identity-regexp ^https://gitlab\\.example/acme/shop// --certificate-oidc-issuer https://gitlab.example --sha cccccccccccccccccccccccccccccccccccccccc",
    ],
  ])("verifies prod's signatures, SBOMs and provenance %s", (_, env, flags) => {
    expect(scriptCalls("promote-prod", env)[0]).toBe(
      `call verify --image-tag 1.2.0 --chart-version 1.2.0 --registry registry.gitlab.example/acme/shop --username gitlab-ci-token --password env:CI_REGISTRY_PASSWORD ${flags}`,
    );
  });

  describe("signs release candidates and releases before they are promoted", () => {
    const signCalls = (env: Record<string, string>) => scriptCalls("sign", env);
    const common =
      "--ref refs/tags/v1.2.0 --sha cccccccccccccccccccccccccccccccccccccccc --registry registry.gitlab.example/acme/shop --username gitlab-ci-token --password env:CI_REGISTRY_PASSWORD";

    it("after publish and helm-push, and before promote-uat and promote-prod", () => {
      const needs = (name: string) =>
        (resolved(name).needs ?? []).map((n) => (typeof n === "string" ? n : n.job));
      expect(needs("sign")).toEqual(expect.arrayContaining(["publish", "helm-push"]));
      expect(needs("promote-uat")).toContain("sign");
      expect(needs("promote-prod")).toContain("sign");
      expect(ci.stages as unknown as string[]).toEqual([
        "plan",
        "check",
        "build",
        "publish",
        "sign",
        "deploy",
      ]);
    });

    it("with the project's COSIGN_PRIVATE_KEY: SBOMs, then signatures and provenance with the key", () => {
      expect(signCalls({ COSIGN_PRIVATE_KEY: "fake-pem-for-the-test" })).toEqual([
        `call sbom ${common}`,
        `call sign --key env:COSIGN_PRIVATE_KEY ${common}`,
        `call attest --key env:COSIGN_PRIVATE_KEY ${common}`,
      ]);
    });

    it("without it: keylessly, with the job's sigstore OIDC token as a secret", () => {
      expect(resolved("sign").id_tokens).toEqual({ SIGSTORE_ID_TOKEN: { aud: "sigstore" } });
      expect(signCalls({ SIGSTORE_ID_TOKEN: "fake.oidc.token" })).toEqual([
        `call sbom ${common}`,
        `call sign --identity-token env:SIGSTORE_ID_TOKEN ${common}`,
        `call attest --identity-token env:SIGSTORE_ID_TOKEN ${common}`,
      ]);
    });
  });

  it("logs in to each host of REGISTRY_HOSTS with its own variables, named as the module and CLI name them", () => {
    const snippet = (ci[".dagger"]!.before_script ?? []).find((l) => l.includes("REGISTRY_HOSTS"))!;
    const logins = (hosts: string) =>
      execFileSync("sh", ["-euc", `${snippet}\nprintf %s "$REGISTRY_LOGINS"`], {
        env: { PATH: process.env.PATH, REGISTRY_HOSTS: hosts },
        encoding: "utf8",
      });
    expect(logins("")).toBe("");
    const hosts = ["quay.io", "registry.acme.dev:5000", "123456789012.dkr.ecr.eu-west-1.amazonaws.com"];
    const names = hosts.map(loginVariables);
    const flags = logins(hosts.join(" "));
    expect(flags).toBe(
      [
        `--registry-hosts ${hosts.join(",")}`,
        `--registry-usernames ${names.map((n) => `env:${n.username}`).join(",")}`,
        `--registry-passwords ${names.map((n) => `env:${n.password}`).join(",")}`,
      ].join(" "),
    );
    // Every job that reaches a registry hands them on, after the project registry's own login.
    const calls = scriptCalls("sign", { COSIGN_PRIVATE_KEY: "fake-pem", REGISTRY_LOGINS: flags });
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect(call).toContain(`--password env:CI_REGISTRY_PASSWORD ${flags}`);
      const fn = functions.find((f) => f.name === camel(call.split(" ")[1]!))!;
      expect(fn.args.find((a) => a.name === "registryPasswords")?.type).toBe("[Secret]");
    }
    for (const { job } of jobs)
      for (const line of job.script ?? [])
        for (const m of line.matchAll(/dagger call [^\n]*--password env:CI_REGISTRY_PASSWORD[^\n]*/g))
          expect(m[0]).toMatch(/\$\{REGISTRY_LOGINS:-\}$/);
  });

  it("needs only jobs that exist", () => {
    const names = new Set(jobs.map((j) => j.name));
    for (const { name, job } of jobs)
      for (const need of job.needs ?? [])
        expect(names, `${name} needs`).toContain(typeof need === "string" ? need : need.job);
  });

  it("tells an annotated release tag from a lightweight one with git cat-file", () => {
    const detect = resolved("plan").script!.find((s) => s.includes("git cat-file -t"))!;
    const repo = repoWithFiles({ "README.md": "x\n" });
    git(repo, "tag", "-a", "v1.0.0", "-m", "release 1.0.0");
    git(repo, "tag", "v1.0.1");
    const tagType = (tag: string) => {
      execFileSync("sh", ["-euc", detect], { cwd: repo, env: { ...process.env, CI_COMMIT_TAG: tag } });
      return readFileSync(join(repo, "plan.env"), "utf8");
    };
    expect(tagType("v1.0.0")).toBe("TAG_TYPE=annotated\n");
    expect(tagType("v1.0.1")).toBe("TAG_TYPE=lightweight\n");
    expect(tagType("")).toBe("TAG_TYPE=\n");
    removeTempDirs();
  });
});

describe("the GitLab-style example config", () => {
  // The example is a config for a repository with a chart (found under helm/, charts/...); the
  // examples folder has none, so the chart a real checkout would find stands in for it here.
  const loaded = loadConfig(join(repoRoot, "examples/gitlab-style/pipeline.yaml"));
  const config = { ...loaded, chart: { ...loaded.chart, path: "helm/shop" } };
  const plan = (event: Partial<PipelineEvent>) =>
    assemblePlan({
      config,
      event: {
        kind: "branch",
        ref: "r",
        sha: "0123456789abcdef",
        source: "flags",
        ...event,
      } as PipelineEvent,
      version: { version: "1.2.0", source: "tag", coerced: false },
      created: "2026-11-25T00:00:00.000Z",
    });

  it("plans build and manifests for the staging branch, and nothing for another branch", () => {
    expect(plan({ branch: "staging" })).toMatchObject({
      rule: "staging-branch",
      stages: ["lint", "test", "build", "manifests"],
    });
    expect(plan({ branch: "feat/x" }).stages).toEqual([]);
  });

  it("plans everything with latest for a release tag", () => {
    const release = plan({ kind: "release-tag", tag: "v1.2.0", ref: "refs/tags/v1.2.0" });
    expect(release.rule).toBe("tags");
    expect(release.stages).toEqual(expect.arrayContaining(["publish", "manifests", "helm-push", "latest"]));
  });
});
