/** How `pipeline init` versions the chart and tags images from what the repository shows (core/init/version-plan.ts). */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { RepoListing } from "../../src/core/init/listing.js";
import { planInit } from "../../src/core/init/plan.js";
import { chartVersions, planVersioning, vPrefixedAppVersion } from "../../src/core/init/version-plan.js";

/** A repository with a chart under charts/app: its Chart.yaml and templates. */
function listing(
  chartYaml: string,
  templates: Record<string, string> = {},
  tags: string[] = [],
): RepoListing {
  const texts: Record<string, string> = {
    "go.mod": "module example.com/app\n",
    "cmd/app/main.go": "package main\n",
    "charts/app/Chart.yaml": chartYaml,
    "charts/app/values.yaml": 'image:\n  repository: example.com/app\n  tag: ""\n',
    ...Object.fromEntries(Object.entries(templates).map(([f, t]) => [`charts/app/templates/${f}`, t])),
  };
  return { name: "app", files: Object.keys(texts), texts, defaultBranch: "main", originUrl: null, tags };
}

describe("chartVersions", () => {
  it.each([
    ["version: 2.7.0\nappVersion: 0.31.0\n", { version: "2.7.0", appVersion: "0.31.0" }],
    ['version: 1.0.0\nappVersion: "v1.0.0"\n', { version: "1.0.0", appVersion: "1.0.0" }],
    ["version: 0.1.0\n", { version: "0.1.0", appVersion: null }],
    ["version: 0.1.0\nappVersion: latest\n", { version: "0.1.0", appVersion: null }],
    [": not yaml :\n  - [", { version: null, appVersion: null }],
  ])("%j", (text, want) => {
    expect(chartVersions(text)).toEqual(want);
  });
});

describe("vPrefixedAppVersion", () => {
  it.each([
    [
      "v{{ .Chart.AppVersion }}",
      'image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default (print "v" .Chart.AppVersion) }}"',
    ],
    ["printf", 'tag: {{ .Values.image.tag | default (printf "v%s" .Chart.AppVersion) }}'],
    ["trimmed braces", "image: repo:v{{- .Chart.AppVersion -}}"],
    ["a _helpers.tpl", '{{- define "app.tag" -}}v{{ .Chart.AppVersion }}{{- end -}}'],
  ])("finds %s", (_, text) => {
    expect(vPrefixedAppVersion(listing("version: 1.0.0\n", { "t.yaml": text }), "charts/app")).toBe(
      "charts/app/templates/t.yaml",
    );
  });

  it.each([
    ["the plain default", 'image: "repo:{{ .Values.image.tag | default .Chart.AppVersion }}"'],
    ["a v elsewhere", "name: {{ .Release.Name }}-v{{ .Values.x }}\nappVersion: {{ .Chart.AppVersion }}"],
    ["a word ending in v", "labels: { rev: dev{{ .Chart.AppVersion }} }"],
  ])("leaves %s alone", (_, text) => {
    expect(vPrefixedAppVersion(listing("version: 1.0.0\n", { "t.yaml": text }), "charts/app")).toBeNull();
  });
});

describe("planVersioning", () => {
  it.each([
    [
      "a chart on its own line: appVersion is the newest release, version is not",
      "version: 2.7.0\nappVersion: 0.31.0\n",
      ["v0.30.0", "v0.31.0", "v0.32.0-rc.1"],
      { chart: { version: "chart" }, image: {} },
      "chart.version: chart: Chart.yaml's version 2.7.0 is a line of its own (its appVersion 0.31.0 is the newest release, v0.31.0)",
    ],
    [
      "a chart at the app's version",
      "version: 0.31.0\nappVersion: 0.31.0\n",
      ["v0.31.0"],
      { chart: {}, image: {} },
      null,
    ],
    [
      "no tags: nothing to tell by",
      "version: 2.7.0\nappVersion: 0.31.0\n",
      [],
      { chart: {}, image: {} },
      null,
    ],
    [
      "a version that differs from a release its appVersion does not name: said, not set",
      "version: 0.1.0\nappVersion: 1.16.0\n",
      ["v0.4.0"],
      { chart: {}, image: {} },
      "Chart.yaml's version 0.1.0 is not the newest release's (v0.4.0): the chart is pushed at the app's version; if it has a version line of its own, set chart.version: chart",
    ],
  ])("%s", (_, chartYaml, tags, fit, finding) => {
    const findings: string[] = [];
    expect(planVersioning(listing(chartYaml), "charts/app", tags, findings)).toEqual(fit);
    if (finding) expect(findings.join("\n")).toContain(finding);
    else expect(findings).toEqual([]);
  });

  it.each([
    ["v-tagged releases", ["v1.2.0"], null],
    ["releases tagged without a v: said", ["1.2.0"], "your newest release tag 1.2.0 has no v"],
  ])("templates adding a v: chart.appVersion version and image.tagFormat tag, for %s", (_, tags, warning) => {
    const findings: string[] = [];
    const fit = planVersioning(
      listing("version: 1.2.0\nappVersion: 1.2.0\n", {
        "deployment.yaml": "image: r:v{{ .Chart.AppVersion }}",
      }),
      "charts/app",
      tags,
      findings,
    );
    expect(fit).toEqual({ chart: { appVersion: "version" }, image: { tagFormat: "tag" } });
    expect(findings.join("\n")).toContain(
      "chart.appVersion: version and image.tagFormat: tag: charts/app/templates/deployment.yaml puts a v before .Chart.AppVersion",
    );
    if (warning) expect(findings.join("\n")).toContain(warning);
    else expect(findings.join("\n")).not.toContain("has no v");
  });
});

describe("pipeline init writes them into pipeline.yaml", () => {
  it("with both: the chart's own line and a v-prefixed default", () => {
    const plan = planInit(
      listing(
        "apiVersion: v2\nname: app\nversion: 2.7.0\nappVersion: 0.31.0\n",
        {
          "deployment.yaml": 'image: "r:{{ .Values.image.tag | default (printf "v%s" .Chart.AppVersion) }}"',
        },
        ["v0.30.0", "v0.31.0"],
      ),
      { module: "github.com/acme/pipeline@v1.0.0", schema: "./pipeline.schema.json" },
    );
    const config = parse(plan.files[0]!.text);
    expect(config.chart).toMatchObject({ path: "charts/app", version: "chart", appVersion: "version" });
    expect(config.image).toEqual({ tagFormat: "tag" });
  });
});
