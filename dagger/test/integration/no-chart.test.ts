/**
 * A Go service without a Helm chart, through the real CLI on a temp git repo: chart.path is not
 * set and nothing is found under helm/, charts/, chart/ or deploy/, so `config check` says the
 * chart stages are left out (a warning; an error with --strict), and `plan` leaves them out and
 * says why, instead of failing at chart-lint. A chart added later is found without a config change,
 * and this repository's own sample plans exactly as before. The whole local loop skips what needs a
 * chart instead of failing on it.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, runCliAsync } from "../support/cli.js";
import { git } from "../support/git.js";
import { removeTempDirs, tempDir } from "../support/temp.js";

afterAll(removeTempDirs);

const repoRoot = resolve(import.meta.dirname, "../../..");

function makeRepo(files: Record<string, string>): string {
  const repo = tempDir("no-chart-repo-");
  for (const [path, text] of Object.entries({
    "go.mod": "module example.com/svc\n\ngo 1.26\n",
    "cmd/svc/main.go": "package main\n\nfunc main() {}\n",
    "pipeline.yaml": "app: svc\ngo: { source: . }\n",
    ...files,
  })) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), text);
  }
  git(repo, "init", "-q", "-b", "main");
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "initial");
  return repo;
}

const ENV = {
  GITHUB_SHA: undefined,
  CI_COMMIT_SHA: undefined,
  GITHUB_EVENT_NAME: undefined,
  GITHUB_REF: undefined,
};

describe("a repository without a chart", () => {
  const repo = makeRepo({});

  it("config check warns that the chart stages are left out, and --strict refuses", () => {
    const check = runCli(["config", "check", "--json"], { cwd: repo, env: ENV });
    expect(check.code, check.stderr).toBe(0);
    const report = JSON.parse(check.stdout);
    expect(report.chart.path).toBe("");
    expect(report.warnings).toEqual([
      {
        key: "chart.path",
        message: expect.stringMatching(
          /^no Helm chart: chart\.path is not set and no Chart\.yaml was found under helm\/, charts\/, chart\/, deploy\/: chart-lint, helm-push, promote, preview need one/,
        ),
      },
    ]);
    const strict = runCli(["config", "check", "--strict"], { cwd: repo, env: ENV });
    expect(strict.code).toBe(2);
    expect(strict.stderr.trim().split("\n")).toHaveLength(1);
    expect(strict.stderr).toContain("chart.path");
  });

  it("plans main without chart-lint, helm-push and promote, and says why", () => {
    const json = runCli(["plan", "--json"], { cwd: repo, env: ENV });
    expect(json.code, json.stderr).toBe(0);
    const plan = JSON.parse(json.stdout);
    expect(plan.rule).toBe("main");
    expect(plan.stages).toEqual(["lint", "test", "build", "images", "publish"]);
    expect(plan.skipped.map((s: { stage: string }) => s.stage)).toEqual([
      "chart-lint",
      "helm-push",
      "promote",
    ]);
    expect(plan.promotions).toEqual([]);
    const text = runCli(["plan"], { cwd: repo, env: ENV });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^left out: chart-lint, helm-push, promote \(no Helm chart: /m);
    expect(text.stdout).not.toMatch(/^chart:/m);
  });

  it("renders without helm commands", () => {
    const out = join(tempDir("no-chart-render-"), "r");
    const render = runCli(["render", "--out", out], { cwd: repo, env: ENV });
    expect(render.code, render.stderr).toBe(0);
    expect(readdirSync(out)).not.toContain("helm.json");
  });

  it("finds a chart added under charts/ without a config change", () => {
    const charted = makeRepo({
      "charts/svc/Chart.yaml": 'apiVersion: v2\nname: svc\nversion: 0.1.0\nkubeVersion: ">=1.28.0-0"\n',
    });
    const check = runCli(["config", "check", "--json"], { cwd: charted, env: ENV });
    expect(check.code, check.stderr).toBe(0);
    const report = JSON.parse(check.stdout);
    expect(report.chart).toMatchObject({ path: "charts/svc", kubernetesVersion: "1.28.0" });
    const plan = JSON.parse(runCli(["plan", "--json"], { cwd: charted, env: ENV }).stdout);
    expect(plan.skipped).toEqual([]);
    expect(plan.stages).toContain("chart-lint");
  });

  it("runs the whole local loop, skipping chart-lint, deploy and helm-test with the reason", async () => {
    const loopRepo = makeRepo({
      "pipeline.yaml": "app: svc\ngo: { source: . }\ncoverage: { minimum: 0 }\nimage: { base: scratch }\n",
    });
    const run = await runCliAsync(["--runner", "host", "--json"], { cwd: loopRepo, env: ENV });
    expect(run.code, run.stderr).toBe(0);
    const outcomes: { stage: string; status: string; detail?: string }[] = JSON.parse(run.stdout).stages;
    expect(outcomes.map((o) => `${o.stage}:${o.status}`)).toEqual([
      "lint:ok",
      "test:ok",
      "chart-lint:skipped",
      "build:ok",
      "images:ok",
      "publish:ok",
      "deploy:skipped",
      "helm-test:skipped",
    ]);
    for (const o of outcomes.filter((o) => o.status === "skipped"))
      expect(o.detail).toMatch(/^no Helm chart: chart\.path is not set/);
  });

  it("refuses to guess between two charts, none named after the app: exit 2, one line", () => {
    const two = makeRepo({
      "charts/a/Chart.yaml": "apiVersion: v2\nname: a\nversion: 0.1.0\n",
      "deploy/b/Chart.yaml": "apiVersion: v2\nname: b\nversion: 0.1.0\n",
    });
    const check = runCli(["config", "check"], { cwd: two, env: ENV });
    expect(check.code).toBe(2);
    expect(check.stderr.trim().split("\n")).toHaveLength(1);
    expect(check.stderr).toContain("chart.path: 2 charts found (charts/a, deploy/b)");
  });
});

describe("this repository's sample", () => {
  it("finds helm/sample-app as before and leaves nothing out", () => {
    const check = JSON.parse(runCli(["config", "check", "--json"], { cwd: repoRoot, env: ENV }).stdout);
    expect(check.chart).toMatchObject({ path: "helm/sample-app", kubernetesVersion: "1.31.0" });
    const plan = runCli(["plan", "--json", "--ref", "refs/heads/main"], { cwd: repoRoot, env: ENV });
    expect(plan.code, plan.stderr).toBe(0);
    const parsed = JSON.parse(plan.stdout);
    expect(parsed.skipped).toEqual([]);
    expect(parsed.stages).toEqual(expect.arrayContaining(["chart-lint", "helm-push", "promote"]));
  });
});
