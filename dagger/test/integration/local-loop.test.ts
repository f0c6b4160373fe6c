import { mkdirSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool } from "../support/tools.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
afterAll(removeTempDirs);

/** A PATH with git and node only: no docker, kind, kubectl or dagger. */
function barePath(): string {
  const bin = tempDir("pipeline-bin-");
  mkdirSync(bin, { recursive: true });
  for (const tool of ["git", "node"]) symlinkSync(findTool(tool) ?? process.execPath, join(bin, tool));
  return bin;
}

describe("npm run pipeline on a machine without Go, Docker, Kind or Dagger", () => {
  it("picks the host runner, skips each stage naming what to install, tabulates, and exits 3 within 5 s", () => {
    const started = Date.now();
    // No KUBECONFIG either: the host runner has no cluster to deploy to.
    const result = runCli([], {
      cwd: repoRoot,
      env: { PATH: barePath(), GITHUB_ACTIONS: undefined, KUBECONFIG: undefined },
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toMatch(/^runner: host \(auto: no dagger CLI on PATH\)$/m);
    expect(result.stdout).toMatch(/^skip {2}lint .* lint needs go, gofmt: install Go 1\.26/m);
    expect(result.stdout).toMatch(
      /^skip {2}chart-lint .* chart-lint needs helm, kubeconform: go install helm\.sh/m,
    );
    expect(result.stdout).toMatch(
      /^deploy +skipped +0\.0 +deploy needs a Kubernetes cluster, which the host runner does not create: pass --kubeconfig <file> or set KUBECONFIG/m,
    );
    expect(result.stdout).toMatch(/^total +incomplete/m);
    expect(result.stderr.trim()).toBe(
      "pipeline: lint, test, chart-lint, build, images, publish, deploy, helm-test could not run here for lack of a tool or cluster (see above)",
    );
  });

  it("with --runner dagger names what is missing and how to install it, prints the plan, and exits 3 within 5 s", () => {
    const started = Date.now();
    const result = runCli(["--runner", "dagger"], {
      cwd: repoRoot,
      env: { PATH: barePath(), GITHUB_ACTIONS: undefined, KUBECONFIG: undefined },
    });
    const elapsed = Date.now() - started;
    expect(result.code).toBe(3);
    expect(elapsed).toBeLessThan(5000);
    expect(result.stdout).toMatch(
      /The local loop needs docker, kind, kubectl, dagger, which this machine lacks:/,
    );
    expect(result.stdout).toMatch(/^ {2}kind {5}go install sigs\.k8s\.io\/kind@/m);
    expect(result.stdout).toMatch(/^ {2}dagger {3}curl -fsSL https:\/\/dl\.dagger\.io/m);
    expect(result.stdout).toMatch(
      /It would have run: lint -> test -> chart-lint -> build -> images -> publish -> deploy -> helm-test/,
    );
    expect(result.stdout).toMatch(/The plan of this commit:\nsample-app /);
    expect(result.stderr.trim()).toBe(
      "pipeline: missing docker, kind, kubectl, dagger: install them and run again",
    );
  });

  it("runs one stage with `npm run pipeline -- <stage>`, needing only dagger for it", () => {
    const result = runCli(["lint", "--runner", "dagger"], { cwd: repoRoot, env: { PATH: barePath() } });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/The local loop needs dagger, which this machine lacks/);
    expect(result.stdout).toMatch(/It would have run: lint\n {2}dagger call -m \S+ --source \. lint\n/);
  });

  it("refuses an unknown runner with exit 2", () => {
    const result = runCli(["lint", "--runner", "docker"], { cwd: repoRoot });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('pipeline: --runner "docker" must be host, dagger or auto');
  });

  it("plans the GitLab-style example: its staging rule runs build and manifests", () => {
    const result = runCli(
      ["plan", "-c", "examples/gitlab-style/pipeline.yaml", "--ref", "refs/heads/staging", "--json"],
      { cwd: repoRoot },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      app: "shop",
      rule: "staging-branch",
      stages: ["lint", "test", "build", "manifests"],
    });
  });

  it("lists the loop and every stage in --help", () => {
    const help = runCli(["--help"], { cwd: repoRoot }).stdout;
    for (const command of [
      "local",
      "lint",
      "test",
      "chart-lint",
      "build",
      "images",
      "publish",
      "deploy",
      "helm-test",
      "plan",
      "render",
      "promote",
      "rollback",
    ]) {
      expect(help).toMatch(new RegExp(`^ {2}${command}\\b`, "m"));
    }
  });
});
