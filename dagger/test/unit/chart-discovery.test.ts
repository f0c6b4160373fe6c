import { describe, expect, it } from "vitest";
import { chartLintSteps, helmPackageArgv } from "../../src/core/chart/commands.js";
import {
  chartDirs,
  chooseChart,
  kubernetesVersionFor,
  kubeVersionOf,
  lowestKubeVersion,
  stagesWithChart,
} from "../../src/core/chart/discovery.js";
import { resolveConfig } from "../../src/core/config/config.js";
import { UsageError } from "../../src/core/errors.js";
import type { PipelineEvent } from "../../src/core/release/event.js";
import { assemblePlan } from "../../src/core/release/plan.js";
import { formatPlan } from "../../src/core/release/plan-text.js";

describe("the lowest Kubernetes version a chart's kubeVersion admits", () => {
  it.each([
    [">=1.27.0-0", "1.27.0"],
    [">= 1.23", "1.23.0"],
    [">=1.23", "1.23.0"],
    ["^1.25", "1.25.0"],
    ["~1.26.2", "1.26.2"],
    ["~> 1.26", "1.26.0"],
    ["1.28.x", "1.28.0"],
    ["1.29", "1.29.0"],
    ["=1.29.3", "1.29.3"],
    ["v1.30.1", "1.30.1"],
    [">1.26.3", "1.26.4"],
    [">=1.22.0 <1.30.0", "1.22.0"],
    [">=1.22.0, <1.30.0", "1.22.0"],
    [">=1.20.0-0 >=1.24.0-0", "1.24.0"],
    [">=1.25.0-0 || >=1.19.0-0", "1.19.0"],
    [">=1.22 <1.30 || ^1.31", "1.22.0"],
    [">=1.22.0 != 1.23.0", "1.22.0"],
    ["<1.30.0", null],
    [">=1.25 || <1.20", null],
    ["*", null],
    ["", null],
    ["latest", null],
    [">=one.two", null],
    [null, null],
    [undefined, null],
  ])("%j -> %s", (constraint, lowest) => {
    expect(lowestKubeVersion(constraint)).toBe(lowest);
  });

  it.each([
    ["1.30.0", ">=1.27.0-0", "1.30.0"],
    [undefined, ">=1.27.0-0", "1.27.0"],
    [undefined, "<1.30", "1.31.0"],
    [undefined, null, "1.31.0"],
  ])("chart-lint uses pipeline.yaml's %s, else the chart's %s: %s", (configured, chart, version) => {
    expect(kubernetesVersionFor(configured, chart)).toBe(version);
  });

  it.each([
    [{ kubeVersion: ">=1.23" }, ">=1.23"],
    [{ kubeVersion: 1.23 }, null],
    [{ name: "x" }, null],
    [["kubeVersion"], null],
    [null, null],
  ])("reads kubeVersion from Chart.yaml %j", (chart, kubeVersion) => {
    expect(kubeVersionOf(chart)).toBe(kubeVersion);
  });
});

describe("finding the chart a repository ships", () => {
  it.each([
    [["helm/sample-app/Chart.yaml", "helm/sample-app/values.yaml"], ["helm/sample-app"]],
    [["charts/web/Chart.yaml"], ["charts/web"]],
    [["chart/Chart.yaml"], ["chart"]],
    [["deploy/k8s/helm/app/Chart.yaml"], ["deploy/k8s/helm/app"]],
    [["deploy/a/b/c/d/Chart.yaml"], []],
    [["charts/web/charts/redis/Chart.yaml", "charts/web/Chart.yaml"], ["charts/web"]],
    [["Chart.yaml", "src/Chart.yaml", "helmfile/x/Chart.yaml"], []],
    [
      ["helm/b/Chart.yaml", "helm/a/Chart.yaml"],
      ["helm/a", "helm/b"],
    ],
  ])("%j -> %j", (files, dirs) => {
    expect(chartDirs(files)).toEqual(dirs);
  });

  it.each([
    [[], "shop", null],
    [["helm/sample-app"], "shop", "helm/sample-app"],
    [["charts/shop", "charts/redis"], "shop", "charts/shop"],
  ])("chooses among %j for %s: %s", (dirs, app, chosen) => {
    expect(chooseChart(dirs, app)).toBe(chosen);
  });

  it("refuses to guess among several charts, none named after the app", () => {
    const attempt = () => chooseChart(["charts/a", "helm/b"], "shop");
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(/^chart\.path: 2 charts found \(charts\/a, helm\/b\).*set chart\.path/);
  });

  it("leaves the chart stages out when there is no chart, and says why", () => {
    const { stages, skipped } = stagesWithChart(
      ["lint", "chart-lint", "build", "helm-push", "promote"],
      false,
    );
    expect(stages).toEqual(["lint", "build"]);
    expect(skipped.map((s) => s.stage)).toEqual(["chart-lint", "helm-push", "promote"]);
    expect(skipped[0]!.reason).toMatch(/no Helm chart/);
    expect(stagesWithChart(["chart-lint"], true)).toEqual({ stages: ["chart-lint"], skipped: [] });
  });
});

describe("chart.kubernetesVersion, resolved", () => {
  it.each([
    [{}, ">=1.27.0-0", "1.27.0"],
    [{ kubernetesVersion: "1.29.0" }, ">=1.27.0-0", "1.29.0"],
    [{}, null, "1.31.0"],
  ])("chart %j with kubeVersion %s: %s", (chart, kubeVersion, expected) => {
    const config = resolveConfig({ app: "a", chart }, "pipeline.yaml", ["api"], {
      charts: [{ path: "helm/sample-app", kubeVersion }],
    });
    expect(config.chart.kubernetesVersion).toBe(expected);
  });
});

describe("the plan of a repository without a chart", () => {
  const configWith = (charts: { path: string; kubeVersion: null }[]) =>
    resolveConfig({ app: "shop", gitops: { repo: "https://git.example/g.git" } }, "pipeline.yaml", ["api"], {
      charts,
    });
  const ev = (kind: PipelineEvent["kind"], extra: Partial<PipelineEvent> = {}): PipelineEvent => ({
    kind,
    ref: "r",
    sha: "0123456789abcdef",
    source: "flags",
    ...extra,
  });
  const planOf = (charts: { path: string; kubeVersion: null }[], event: PipelineEvent) =>
    assemblePlan({
      config: configWith(charts),
      event,
      version: { version: "1.2.4", source: "next", coerced: false },
      created: "2026-11-25T00:00:00.000Z",
    });

  it.each([
    ["main", ev("branch", { branch: "main" }), ["chart-lint", "helm-push", "promote"]],
    [
      "a pull request",
      ev("pull-request", { pr: 7, branch: "feat/x" }),
      ["chart-lint", "helm-push", "preview"],
    ],
    ["a release candidate", ev("rc-tag", { tag: "v1.2.4-rc.1" }), ["chart-lint", "helm-push", "promote"]],
    ["a release", ev("release-tag", { tag: "v1.2.4" }), ["chart-lint", "helm-push"]],
    ["a feature branch", ev("branch", { branch: "feat/x" }), []],
  ])("%s: leaves out %j and says why", (_name, event, left) => {
    const withChart = planOf([{ path: "helm/shop", kubeVersion: null }], event);
    const without = planOf([], event);
    expect(withChart.skipped).toEqual([]);
    expect(without.skipped.map((s) => s.stage)).toEqual(left);
    expect(without.stages).toEqual(withChart.stages.filter((s) => !left.includes(s)));
    expect(without.promotions).toEqual([]);
    expect(without.preview).toBeNull();
    expect(without.chart.push).toBe(false);
    const text = formatPlan(without);
    if (left.length) expect(text).toContain(`left out: ${left.join(", ")} (no Helm chart: `);
    else expect(text).not.toContain("left out");
    expect(formatPlan(withChart)).not.toContain("left out");
  });

  it("refuses chart-lint and helm package argv without a chart, naming the stage", () => {
    const config = configWith([]);
    expect(() => chartLintSteps(config, () => false)).toThrow(
      /^chart-lint: no Helm chart: .*set chart\.path$/,
    );
    expect(() => helmPackageArgv(config.chart.path, "1.0.0", "1.0.0", ".out")).toThrow(
      /^helm-push: no Helm chart/,
    );
  });
});
