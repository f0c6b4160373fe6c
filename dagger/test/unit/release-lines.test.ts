/**
 * Versions and tags as a repository has them (issue #22): image tag formats, release branches,
 * main after releases cut elsewhere, and a chart on its own version line.
 */
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/core/config/config.js";
import { branchKind, branchLine, isReleaseBranch } from "../../src/core/release/branches.js";
import {
  chartHistoryFromDiff,
  chartLineForBranch,
  chartLineForTag,
  previousRelease,
} from "../../src/core/release/chart-version.js";
import type { PipelineEvent } from "../../src/core/release/event.js";
import { chartVersion, imageTag } from "../../src/core/release/names.js";
import { assemblePlan } from "../../src/core/release/plan.js";
import { selectStages } from "../../src/core/release/stages.js";
import { computeVersion } from "../../src/core/release/version.js";

const sha = "0a1b2c3d4e5f";
const ev = (kind: PipelineEvent["kind"], extra: Partial<PipelineEvent> = {}): PipelineEvent => ({
  kind,
  ref: "r",
  sha,
  source: "flags",
  ...extra,
});
const RELEASE = ["release-*", "release/*", "v*.*"];

describe("image tags by image.tagFormat: one rule for rc and release tags alike", () => {
  it.each([
    ["auto", "v0.31.0", "release-tag", "0.31.0"],
    ["auto", "v0.32.0-rc.1", "rc-tag", "v0.32.0-rc.1"],
    ["auto", "1.8.7alpha", "prerelease-tag", "1.8.7-alpha"],
    ["version", "v0.31.0", "release-tag", "0.31.0"],
    ["version", "v0.32.0-rc.1", "rc-tag", "0.32.0-rc.1"],
    ["version", "v0.32.0-beta.2", "prerelease-tag", "0.32.0-beta.2"],
    ["tag", "v0.31.0", "release-tag", "v0.31.0"],
    ["tag", "v0.32.0-rc.1", "rc-tag", "v0.32.0-rc.1"],
    ["tag", "0.31.0", "release-tag", "0.31.0"],
    ["tag", "v1.2", "release-tag", "v1.2.0"],
    ["tag", "v0.31.0", "promotion", "v0.31.0"],
    ["auto", "v0.32.0-rc.1", "promotion", "v0.32.0-rc.1"],
  ] as const)("%s: %s (%s) -> %s", (tagFormat, tag, kind, expected) => {
    expect(imageTag(ev(kind, { tag }), { tagFormat })).toBe(expected);
  });

  it("keeps branch, pull request and default-branch tags whatever the format", () => {
    for (const tagFormat of ["auto", "version", "tag"] as const) {
      expect(imageTag(ev("branch", { branch: "main" }), { tagFormat })).toBe("sha-0a1b2c3");
      expect(imageTag(ev("pull-request", { pr: 7 }), { tagFormat })).toBe("pr-7-0a1b2c3");
    }
  });
});

describe("release branches", () => {
  it.each([
    ["release-1.4", true],
    ["release/1.4", true],
    ["v1.4", true],
    ["v1.4.x", true],
    ["very-cool", false],
    ["main", false],
    ["feat/v1.4", false],
  ])("%s is a release branch: %s", (branch, expected) => {
    expect(isReleaseBranch(branch, RELEASE)).toBe(expected);
  });

  it.each([
    ["v1.4", { major: 1, minor: 4 }],
    ["release-1.4", { major: 1, minor: 4 }],
    ["release/2.10.x", { major: 2, minor: 10 }],
    ["release-next", null],
  ])("%s carries the line %j", (branch, line) => {
    expect(branchLine(branch)).toEqual(line);
  });

  it("tells the default branch first, then release branches, then the rest", () => {
    const rules = { defaultBranch: "main", releaseBranches: RELEASE };
    expect(branchKind("main", rules)).toBe("default");
    expect(branchKind("v1.4", rules)).toBe("release");
    expect(branchKind("feat/x", rules)).toBe("other");
    expect(branchKind("v1.4", { defaultBranch: "v1.4", releaseBranches: RELEASE })).toBe("default");
  });

  it("tags and versions the chart of a release branch build like the default branch's", () => {
    const rules = { releaseBranches: RELEASE };
    const event = ev("branch", { branch: "v1.4" });
    expect(imageTag(event, rules)).toBe("sha-0a1b2c3");
    expect(chartVersion(event, "1.4.2-v1-4.3", rules)).toBe("1.4.2-sha-0a1b2c3");
    expect(imageTag(event)).toBe("v1-4");
  });

  it("runs the default release-branch rule, which follows versioning.releaseBranches", () => {
    const config = resolveConfig({ app: "x", versioning: { releaseBranches: ["stable/*"] } }, "p.yaml", []);
    expect(selectStages(config.rules, ev("branch", { branch: "stable/2" })).rule).toBe("release-branch");
    expect(selectStages(config.rules, ev("branch", { branch: "release-1.4" })).rule).toBeNull();
    const none = resolveConfig({ app: "x", versioning: { releaseBranches: [] } }, "p.yaml", []);
    expect(none.rules.map((r) => r.name)).not.toContain("release-branch");
    const defaults = resolveConfig({ app: "x" }, "p.yaml", []);
    const selected = selectStages(defaults.rules, ev("branch", { branch: "release-1.4" }));
    expect(selected).toEqual({
      rule: "release-branch",
      stages: ["lint", "test", "chart-lint", "build", "images", "publish", "helm-push"],
    });
  });
});

describe("computeVersion with release branches and releases HEAD does not reach", () => {
  const base = { branch: "main", distance: 4, initial: "0.1.0" };
  it.each([
    [
      "a release branch: next patch after its own newest tag",
      { ...base, branch: "v1.4", releaseBranch: true, reachableTags: ["v1.0.0", "v1.4.0", "v1.4.1"] },
      "1.4.2-v1-4.4",
      "v1.4.1",
    ],
    [
      "a release branch before its first tag: its line's .0",
      { ...base, branch: "release-1.5", releaseBranch: true, reachableTags: ["v1.4.1"] },
      "1.5.0-release-1-5.4",
      "v1.4.1",
    ],
    [
      "a release branch ignores newer releases elsewhere",
      {
        ...base,
        branch: "v1.4",
        releaseBranch: true,
        reachableTags: ["v1.4.1"],
        allTags: ["v1.4.1", "v1.5.0"],
      },
      "1.4.2-v1-4.4",
      "v1.4.1",
    ],
    [
      "main reaching only an ancient tag: next minor after the newest release anywhere",
      { ...base, reachableTags: ["v0.1.0"], allTags: ["v0.1.0", "v1.4.0", "v1.4.1", "v1.5.0-rc.1"] },
      "1.5.0-main.4",
      "v1.4.1",
    ],
    [
      "main reaching no tag at all",
      { ...base, reachableTags: [], allTags: ["v1.4.1"] },
      "1.5.0-main.4",
      "v1.4.1",
    ],
    [
      "main reaching the newest release: next patch, as before",
      { ...base, reachableTags: ["v2.0.0"], allTags: ["v1.4.5", "v2.0.0"] },
      "2.0.1-main.4",
      "v2.0.0",
    ],
  ])("%s", (_name, input, version, from) => {
    expect(computeVersion(input)).toMatchObject({ version, base: from, source: "next" });
  });
});

describe("a chart on its own version line", () => {
  it.each([
    [["v0.30.0", "v0.31.0", "v0.32.0-rc.1", "v0.32.0"], "0.32.0", "v0.31.0"],
    [["v0.30.0", "v0.31.0", "v0.32.0-rc.1"], "0.32.0-rc.2", "v0.31.0"],
    [["v1.4.0", "v1.4.1", "v1.5.0"], "1.4.2", "v1.4.1"],
    [["v0.1.0"], "0.1.0", null],
  ])("among %j, the release before %s is %s", (tags, version, previous) => {
    expect(previousRelease(tags, version)?.tag ?? null).toBe(previous);
  });

  const diff = (chartYaml: string) =>
    [
      "diff --git a/charts/dns/templates/deployment.yaml b/charts/dns/templates/deployment.yaml",
      "@@ -3 +3 @@",
      "-  replicas: 1",
      "+  replicas: 2",
      ...(chartYaml ? ["diff --git a/charts/dns/Chart.yaml b/charts/dns/Chart.yaml", chartYaml] : []),
      "",
    ].join("\n");

  it.each([
    ["no change", "", "2.7.0", { changed: false, released: "2.7.0" }],
    ["a template changed, Chart.yaml did not", diff(""), "2.7.0", { changed: true, released: "2.7.0" }],
    [
      "Chart.yaml raised its version",
      diff('@@ -4 +4 @@\n-version: "2.7.0"\n+version: 2.8.0'),
      "2.8.0",
      { changed: true, released: "2.7.0" },
    ],
    [
      "a dependency's indented version is not the chart's",
      diff("@@ -9 +9 @@\n-    version: 1.0.0\n+    version: 1.1.0"),
      "2.7.0",
      { changed: true, released: "2.7.0" },
    ],
  ])("reads the history: %s", (_name, text, current, expected) => {
    expect(chartHistoryFromDiff(text, "charts/dns", "v0.31.0", current)).toEqual({
      since: "v0.31.0",
      ...expected,
    });
  });

  const tagged = (kind: PipelineEvent["kind"], tag: string) => ev(kind, { tag });
  const since = (changed: boolean, released = "2.7.0") => ({ since: "v0.31.0", changed, released });
  it.each([
    ["the first release", tagged("release-tag", "v0.31.0"), "2.7.0", null, "2.7.0", true],
    [
      "unchanged: the released version, not pushed",
      tagged("release-tag", "v0.32.0"),
      "2.7.0",
      since(false),
      "2.7.0",
      false,
    ],
    ["changed and raised", tagged("release-tag", "v0.32.0"), "2.8.0", since(true), "2.8.0", true],
    [
      "a release candidate adds its prerelease",
      tagged("rc-tag", "v0.32.0-rc.1"),
      "2.8.0",
      since(true),
      "2.8.0-rc.1",
      true,
    ],
    [
      "an unchanged release candidate",
      tagged("rc-tag", "v0.32.0-rc.1"),
      "2.7.0",
      since(false),
      "2.7.0",
      false,
    ],
    ["a promotion of the release", tagged("promotion", "v0.32.0"), "2.8.0", since(true), "2.8.0", true],
  ] as const)("%s", (_name, event, current, history, version, push) => {
    expect(chartLineForTag({ event, chartPath: "charts/dns", current, history })).toMatchObject({
      version,
      push,
    });
  });

  it("refuses a changed chart whose version did not go up, saying what to do", () => {
    expect(() =>
      chartLineForTag({
        event: tagged("release-tag", "v0.32.0"),
        chartPath: "charts/dns",
        current: "2.7.0",
        history: since(true),
      }),
    ).toThrow(
      /charts\/dns changed since v0\.31\.0, but its Chart\.yaml version "2\.7\.0" is not above "2\.7\.0".*raise version in charts\/dns\/Chart\.yaml \(e\.g\. 2\.7\.1\).*nothing was pushed/,
    );
  });

  it("versions a branch build above every release of the line", () => {
    expect(chartLineForBranch("2.7.0", sha)).toBe("2.7.1-sha-0a1b2c3");
  });
});

describe("the plan of a chart on its own line, and its appVersion", () => {
  const config = (chart: object, image: object = {}) =>
    resolveConfig(
      { app: "dns", chart: { path: "charts/dns", ...chart }, image: { registry: "r.io/acme", ...image } },
      "pipeline.yaml",
      ["dns"],
      { charts: [{ path: "charts/dns", kubeVersion: null, version: "2.7.0" }] },
    );
  const version = (v: string) => ({ version: v, source: "tag" as const, coerced: false });
  const created = "2026-11-25T00:00:00Z";

  it("leaves helm-push out, saying why, when the chart is unchanged, and promotes the released chart", () => {
    const plan = assemblePlan({
      config: config({ version: "chart" }),
      event: ev("rc-tag", { tag: "v0.32.0-rc.1" }),
      version: version("0.32.0-rc.1"),
      created,
      chartHistory: { since: "v0.31.0", changed: false, released: "2.7.0" },
    });
    expect(plan.stages).not.toContain("helm-push");
    expect(plan.skipped).toContainEqual({
      stage: "helm-push",
      reason: "charts/dns is unchanged since v0.31.0: chart 2.7.0 is already released",
    });
    expect(plan.chart).toMatchObject({ version: "2.7.0", push: false, appVersion: "v0.32.0-rc.1" });
    expect(plan.promotions[0]?.files.some((f) => JSON.stringify(f).includes("2.7.0"))).toBe(true);
  });

  it("pushes Chart.yaml's version on the default branch as its next patch, and the app's otherwise", () => {
    const main = ev("branch", { branch: "main" });
    const next = { version: "0.31.1-main.2", source: "next" as const, coerced: false };
    expect(
      assemblePlan({ config: config({ version: "chart" }), event: main, version: next, created }).chart,
    ).toMatchObject({
      version: "2.7.1-sha-0a1b2c3",
      appVersion: "sha-0a1b2c3",
      push: true,
    });
    expect(assemblePlan({ config: config({}), event: main, version: next, created }).chart.version).toBe(
      "0.31.1-sha-0a1b2c3",
    );
  });

  it("gives appVersion without the v for a chart whose template adds it, with tags that keep it", () => {
    const plan = assemblePlan({
      config: config({ appVersion: "version" }, { tagFormat: "tag" }),
      event: ev("release-tag", { tag: "v0.31.0" }),
      version: version("0.31.0"),
      created,
    });
    expect(plan.tags.image).toBe("v0.31.0");
    expect(plan.chart).toMatchObject({ version: "0.31.0", appVersion: "0.31.0" });
    expect(plan.manifests.map((m) => m.ref)).toContain("r.io/acme/dns-dns:v0.31.0");
  });

  it("refuses chart.version: chart when Chart.yaml has no semantic version", () => {
    expect(() =>
      resolveConfig(
        { app: "dns", chart: { path: "charts/dns", version: "chart" } },
        "pipeline.yaml",
        ["dns"],
        {
          charts: [{ path: "charts/dns", kubeVersion: null, version: "latest" }],
        },
      ),
    ).toThrow(
      /chart\.version: chart ships charts\/dns\/Chart\.yaml's own version, and "latest" is not a semantic version/,
    );
  });
});
