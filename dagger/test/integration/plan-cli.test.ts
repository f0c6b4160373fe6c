import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { git, repoWithFiles } from "../support/git.js";
import { removeTempDirs } from "../support/temp.js";

afterAll(removeTempDirs);

const files = {
  "pipeline.yaml":
    "app: shop\nimage:\n  registry: registry.example.com/acme\nchart:\n  registry: oci://registry.example.com/charts\n",
  "src/go.mod": "module example.com/shop\n\ngo 1.26\n",
  "src/cmd/api/main.go": "package main\n\nfunc main() {}\n",
  "src/cmd/worker/main.go": "package main\n\nfunc main() {}\n",
  "src/cmd/migrator/main.go": "package main\n\nfunc main() {}\n",
  // Found without chart.path; without a chart the plan would leave the chart stages out.
  "helm/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
};

// CI variables of the machine running the tests must not leak into the plans.
const env = {
  GITHUB_ACTIONS: undefined,
  GITHUB_REF: undefined,
  GITLAB_CI: undefined,
  TAG_TYPE_OVERRIDE: undefined,
};

let repo: string;
let sha: string;
beforeAll(() => {
  repo = repoWithFiles(files);
  git(repo, "tag", "-a", "v1.10.0", "-m", "release 1.10.0");
  git(repo, "commit", "-q", "--allow-empty", "-m", "second");
  git(repo, "commit", "-q", "--allow-empty", "-m", "third");
  sha = git(repo, "rev-parse", "HEAD");
});

function plan(...args: string[]) {
  const result = runCli(["plan", "--json", ...args], { cwd: repo, env });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

const short = () => sha.slice(0, 7);

describe("pipeline plan --json", () => {
  it("plans lint and test only for a feature branch", () => {
    const p = plan("--ref", "refs/heads/feat/login");
    expect(p.event).toMatchObject({ kind: "branch", branch: "feat/login", sha });
    expect(p.version).toBe("1.10.1-feat-login.2");
    expect(p.stages).toEqual(["lint", "test"]);
    expect(p.images).toEqual([]);
    expect(p.promotions).toEqual([]);
    expect(p.chart.version).toBe("0.0.0-feat-login");
  });

  it("plans a release to staging for main", () => {
    const p = plan("--ref", "refs/heads/main");
    expect(p.stages).toEqual([
      "lint",
      "test",
      "chart-lint",
      "build",
      "images",
      "publish",
      "helm-push",
      "promote",
    ]);
    expect(p.tags.image).toBe(`sha-${short()}`);
    expect(p.chart).toMatchObject({
      version: `1.10.1-sha-${short()}`,
      appVersion: `sha-${short()}`,
      push: true,
    });
    expect(p.images).toContainEqual({
      binary: "api",
      image: "shop-api",
      platform: "linux/arm64",
      ref: `registry.example.com/acme/shop-api:sha-${short()}-arm64`,
    });
    expect(p.manifests).toContainEqual({
      ref: `registry.example.com/acme/shop-worker:sha-${short()}`,
      sources: [
        `registry.example.com/acme/shop-worker:sha-${short()}-amd64`,
        `registry.example.com/acme/shop-worker:sha-${short()}-arm64`,
      ],
    });
    expect(p.promotions).toHaveLength(1);
    expect(p.promotions[0].environment).toBe("staging");
    expect(p.promotions[0].files[1]).toEqual({
      path: "apps/staging/shop.yaml",
      changes: [{ key: "spec.sources[0].targetRevision", value: `1.10.1-sha-${short()}` }],
    });
    expect(p.latest).toBeNull();
    expect(p.preview).toBeNull();
  });

  it("plans a preview for pull request 42", () => {
    const p = plan("--pr", "42");
    expect(p.event).toMatchObject({ kind: "pull-request", pr: 42, ref: "refs/pull/42/merge" });
    expect(p.stages).toEqual([
      "lint",
      "test",
      "chart-lint",
      "build",
      "images",
      "publish",
      "helm-push",
      "preview",
    ]);
    expect(p.tags.image).toBe(`pr-42-${short()}`);
    expect(p.chart.version).toBe(`0.0.0-pr-42-${short()}`);
    expect(p.preview).toEqual({ namespace: "preview-42", action: "up", host: null });
    expect(p.promotions).toEqual([]);
  });

  it("plans a promotion to uat for v1.2.0-rc.1", () => {
    const p = plan("--ref", "refs/tags/v1.2.0-rc.1");
    expect(p.event.kind).toBe("rc-tag");
    expect(p.version).toBe("1.2.0-rc.1");
    expect(p.tags.image).toBe("v1.2.0-rc.1");
    expect(p.chart.version).toBe("1.2.0-rc.1");
    expect(p.promotions.map((x: { environment: string }) => x.environment)).toEqual(["uat"]);
    expect(p.promotions[0].files[0].changes[0]).toEqual({ key: "images.api.tag", value: "v1.2.0-rc.1" });
  });

  it("keeps latest for 1.2.3 annotated when latest is at 1.10.0 (semver, not text)", () => {
    const p = plan("--ref", "refs/tags/1.2.3", "--tag-type", "annotated", "--latest-current", "1.10.0");
    expect(p.stages).toEqual([
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
    ]);
    expect(p.tags).toEqual({ image: "1.2.3", extra: [`sha-${short()}`] });
    expect(p.chart.version).toBe("1.2.3");
    expect(p.latest).toMatchObject({ update: false, tags: [], tagType: "annotated", current: "1.10.0" });
    expect(p.latest.reason).toMatch(/older than 1\.10\.0/);
  });

  it("moves latest for 1.11.0 annotated when latest is at 1.10.0", () => {
    git(repo, "tag", "-a", "1.11.0", "-m", "release 1.11.0");
    const p = plan("--ref", "refs/tags/1.11.0", "--latest-current", "1.10.0");
    expect(p.latest).toMatchObject({
      update: true,
      tags: ["latest"],
      tagType: "annotated",
      tagTypeSource: "git",
    });
    expect(p.promotions).toEqual([]);
  });

  it("keeps latest for 1.8.7alpha, a lightweight tag, and reports the coercion", () => {
    git(repo, "tag", "1.8.7alpha");
    const p = plan("--ref", "refs/tags/1.8.7alpha", "--latest-current", "1.10.0");
    expect(p.event.kind).toBe("prerelease-tag");
    expect(p.version).toBe("1.8.7-alpha");
    expect(p.coerced).toBe(true);
    expect(p.chart.version).toBe("1.8.7-alpha");
    // The default rules run no latest stage for prereleases; the decision itself says lightweight.
    expect(p.latest).toBeNull();
    const asRelease = plan("--ref", "refs/tags/1.8.7alpha", "--event", "promotion", "--env", "prod");
    expect(asRelease.promotions[0].environment).toBe("prod");
  });

  it("decides latest for a lightweight tag from the git object type", () => {
    git(repo, "tag", "2.0.0");
    const p = plan("--ref", "refs/tags/2.0.0", "--latest-current", "1.10.0");
    expect(p.latest).toMatchObject({ update: false, tagType: "lightweight", tagTypeSource: "git" });
  });

  it("prints a short human plan grouped by stage", () => {
    const result = runCli(["plan", "--ref", "refs/heads/main"], { cwd: repo, env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^shop \S+-main\.\d+: branch \(branch main\)/);
    expect(result.stdout).toMatch(/stages: lint -> test -> chart-lint/);
    expect(result.stdout).toMatch(
      /promote staging:\n {2}environments\/staging\/values\.yaml {2}images\.api\.tag/,
    );
  });

  it("reads GitHub Actions variables when no flag is given", () => {
    const result = runCli(["plan", "--json"], {
      cwd: repo,
      env: { ...env, GITHUB_ACTIONS: "true", GITHUB_REF: "refs/heads/main", GITHUB_SHA: sha },
    });
    expect(JSON.parse(result.stdout).event).toMatchObject({ kind: "branch", branch: "main" });
  });

  it("prints the version with pipeline version", () => {
    const result = runCli(["version", "--ref", "refs/tags/v1.2"], { cwd: repo, env });
    expect(result.stdout).toBe("1.2.0\n");
  });

  it.each([
    [["--ref", "main"], /--ref "main" is not a full git ref/],
    [["--sha", "not-hex"], /--sha "not-hex" is not a commit sha/],
    [["--event", "promotion", "--env", "qa"], /--env "qa" is not an environment/],
    [["--pr", "x"], /"x" is not a whole number/],
    [["--tag-type", "signed"], /--tag-type "signed" must be annotated or lightweight/],
  ])("exits 2 with one line for bad input %j", (args, message) => {
    const result = runCli(["plan", ...args], { cwd: repo, env });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });
});
