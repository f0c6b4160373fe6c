import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/adapters/config/config-file.js";
import { type PipelineConfig, resolveConfig } from "../../src/core/config/config.js";
import { configWarnings, namedPaths } from "../../src/core/config/warnings.js";

function configOf(yaml: string, binaries: string[] = ["api"]): PipelineConfig {
  return resolveConfig(parseConfigText(yaml, "pipeline.yaml"), "pipeline.yaml", binaries);
}

const GITOPS = "gitops: { repo: https://git.example/gitops.git }\n";

/** Every path the config names, as present, unless listed as missing. */
function facts(
  config: PipelineConfig,
  missing: string[] = [],
  chartValues: unknown = { images: { api: {} } },
) {
  return {
    present: new Set(
      namedPaths(config)
        .map((p) => p.path)
        .filter((p) => !missing.includes(p)),
    ),
    chartValues,
  };
}

describe("config check warnings", () => {
  it("has none for a config whose paths, binaries, values keys and gitops repo all exist", () => {
    const config = configOf(`app: shop\n${GITOPS}`);
    expect(configWarnings(config, facts(config))).toEqual([]);
  });

  it.each([
    ["go.source", "go: { source: nope }", ["nope", "nope/go.mod"], "nope: no such folder"],
    ["go.source", "go: { source: svc }", ["svc/go.mod"], "svc/go.mod: no such file"],
    ["chart.path", "chart: { path: nowhere }", ["nowhere", "nowhere/Chart.yaml"], "nowhere: no such folder"],
    [
      "images.web.files",
      "images: { web: { binaries: { api: /app/api }, files: { ui: /app/ui }, values: images.api } }",
      ["ui"],
      "ui: no such path",
    ],
  ])("warns once about %s when %s names what the repository lacks", (key, yaml, missing, message) => {
    const config = configOf(`app: shop\n${GITOPS}${yaml}\n`);
    const warnings = configWarnings(config, facts(config, missing));
    expect(warnings.map((w) => w.key)).toEqual([key]);
    expect(warnings[0]!.message).toContain(message);
  });

  it("warns once, and about nothing else of the chart, when the repository has no chart", () => {
    const config = resolveConfig({ app: "shop" }, "pipeline.yaml", ["api"], { charts: [] });
    expect(config.chart.path).toBe("");
    expect(namedPaths(config).map((p) => p.key)).not.toContain("chart.path");
    const warnings = configWarnings(config, facts(config, [], undefined));
    // No gitops warning either: without a chart nothing is promoted.
    expect(warnings).toEqual([
      {
        key: "chart.path",
        message: expect.stringMatching(
          /^no Helm chart: .* chart-lint, helm-push, promote, preview need one and are left out of every plan/,
        ),
      },
    ]);
  });

  it("warns when no binaries are found", () => {
    const config = configOf(`app: shop\n${GITOPS}archives: []\n`, []);
    const warnings = configWarnings(config, facts(config));
    expect(warnings.map((w) => w.key)).toEqual(["go.binaries"]);
    expect(warnings[0]!.message).toContain("src/cmd/<name>");
  });

  it("warns when an image's values key is not a mapping in the chart's values.yaml", () => {
    const config = configOf(
      `app: shop\n${GITOPS}images: { shop: { binaries: { api: /app/api }, values: image } }\n`,
    );
    const warnings = configWarnings(config, facts(config, [], { images: { api: { tag: "" } } }));
    expect(warnings).toEqual([
      {
        key: "images.shop.values",
        message: expect.stringContaining("image: not a mapping in helm/shop/values.yaml"),
      },
    ]);
    expect(configWarnings(config, facts(config, [], { image: { repository: "x", tag: "" } }))).toEqual([]);
  });

  it("finds a nested values key (api.image)", () => {
    const config = configOf(
      `app: shop\n${GITOPS}images: { shop: { binaries: { api: /app/api }, values: api.image } }\n`,
    );
    expect(configWarnings(config, facts(config, [], { api: { image: { tag: "" } } }))).toEqual([]);
  });

  it("says nothing about values keys when the chart has no values.yaml", () => {
    const config = configOf(`app: shop\n${GITOPS}`);
    expect(configWarnings(config, facts(config, [], undefined))).toEqual([]);
  });

  it("warns for each rule that promotes while gitops.repo is empty", () => {
    const config = configOf("app: shop\n");
    const warnings = configWarnings(config, facts(config));
    expect(warnings.map((w) => w.key)).toEqual(
      config.rules.flatMap((r, i) => (r.stages.includes("promote") ? [`rules[${i}]`] : [])),
    );
    expect(warnings[0]!.message).toMatch(/promotes to staging, but gitops\.repo is empty/);
  });
});
