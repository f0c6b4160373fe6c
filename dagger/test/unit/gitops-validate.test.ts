/**
 * Promotion commits only what renders (issue #22): which chart a promotion renders
 * (`gitops.validate`), the refusal it prints, what `gitops init` seeds each environment with, and
 * the one-path schema check that keeps placeholders the chart's values.schema.json rejects out.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { resolveConfig } from "../../src/core/config/config.js";
import { scaffoldWithNotes } from "../../src/core/gitops/layout.js";
import { renderChartSource, renderRefusal, renderStep } from "../../src/core/gitops/validation.js";
import { schemaAccepts } from "../../src/core/gitops/values-schema.js";

const config = (extra: Record<string, unknown> = {}) =>
  resolveConfig(
    {
      app: "shop",
      image: { registry: "r.io/acme" },
      images: { shop: { binaries: { shop: "/app/shop" }, values: "image" } },
      ...extra,
    },
    "pipeline.yaml",
    ["shop"],
    { charts: [{ path: "charts/shop", kubeVersion: null }] },
  );

describe("which chart a promotion renders", () => {
  it.each([
    ["auto", true, { kind: "repo", path: "charts/shop" }],
    ["auto", false, { kind: "none", reason: expect.stringContaining("no chart in this checkout") }],
    ["repo", true, { kind: "repo", path: "charts/shop" }],
    ["registry", true, { kind: "registry", version: "1.2.3" }],
    ["registry", false, { kind: "registry", version: "1.2.3" }],
    ["off", true, { kind: "none", reason: "gitops.validate is off" }],
  ])("gitops.validate: %s, chart in the checkout: %s", (validate, here, source) => {
    expect(renderChartSource(config({ gitops: { validate } }), "1.2.3", here)).toEqual(source);
  });

  it("refuses gitops.validate: repo without the chart, before anything is pushed", () => {
    expect(() => renderChartSource(config({ gitops: { validate: "repo" } }), "1.2.3", false)).toThrow(
      /gitops.validate is repo, but the chart folder "charts\/shop" is not in this checkout; .*nothing was pushed/,
    );
  });

  it("defaults to auto, and refuses a mode it doesn't know", () => {
    expect(config().gitops.validate).toBe("auto");
    expect(() => config({ gitops: { validate: "always" } })).toThrow(/gitops.validate/);
  });

  it("renders at chart-lint's Kubernetes version, in the environment's namespace, with the preview's parameters as --set", () => {
    expect(
      renderStep(config(), {
        what: "preview-7",
        chart: "/c",
        valuesFile: "/g/environments/preview.yaml",
        namespace: "preview-7",
        set: { "image.tag": "pr-7" },
      }).argv,
    ).toEqual([
      "helm",
      "template",
      "shop",
      "/c",
      "--namespace",
      "preview-7",
      "--values",
      "/g/environments/preview.yaml",
      "--kube-version",
      "1.31.0",
      "--set",
      "image.tag=pr-7",
    ]);
  });

  it("quotes helm's own error and says nothing was pushed", () => {
    const message = renderRefusal(
      "promote staging",
      "charts/shop",
      "Error: values don't meet the specifications of the schema(s) in the following chart(s):\nshop:\n- image.digest: Does not match pattern '^sha256:[a-f0-9]{64}$'\n",
    );
    expect(message).toContain("promote staging: the chart charts/shop does not render");
    expect(message).toContain("nothing was committed or pushed");
    expect(message).toContain(
      "helm said: Error: values don't meet the specifications of the schema(s) in the following chart(s): shop: - image.digest: Does not match pattern",
    );
    expect(message).not.toContain("\n");
  });
});

describe("a chart's values.schema.json, one key at a time", () => {
  const schema = {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    required: ["database"],
    properties: {
      image: {
        type: "object",
        additionalProperties: false,
        properties: {
          repository: { type: "string", minLength: 1 },
          tag: { $ref: "#/definitions/tag" },
          digest: { type: "string", pattern: "^sha256:[a-f0-9]{64}$" },
        },
      },
      webhook: { properties: { image: { type: "object" } } },
      database: { type: "object", required: ["url"] },
    },
    definitions: { tag: { anyOf: [{ type: "string", pattern: "^v?\\d" }, { type: "null" }] } },
  };

  it.each([
    ["image.repository", "r.io/acme/shop", true],
    ["image.repository", "", false],
    ["image.tag", "", false],
    ["image.tag", "v1.2.3", true],
    ["image.digest", "", false],
    ["image.digest", `sha256:${"a".repeat(64)}`, true],
    ["image.pullPolicy", "Always", false],
    ["webhook.image.tag", "", true],
    ["extra.anything", "", true],
  ])("%s = %j accepted: %s", (key, value, accepted) => {
    expect(schemaAccepts(schema, key, value)).toBe(accepted);
  });

  it("accepts everything without a schema", () => {
    expect(schemaAccepts(undefined, "image.digest", "")).toBe(true);
  });
});

describe("gitops init's environment values", () => {
  const schema = {
    properties: {
      image: {
        properties: {
          tag: { type: "string", minLength: 1 },
          digest: { type: "string", pattern: "^sha256:" },
        },
      },
    },
  };

  it("writes repository and an empty tag, never an empty digest, without seeds", () => {
    const { files } = scaffoldWithNotes(config());
    expect(Object.keys(files).filter((f) => f.endsWith("values.yaml"))).toHaveLength(3);
    expect(parse(files["environments/staging/values.yaml"]!)).toEqual({
      image: { repository: "r.io/acme/shop", tag: "" },
    });
  });

  it("starts from the repository's own values, keeps its comments and required values, and leaves out what the schema rejects", () => {
    const seed =
      '# staging of shop\ndatabase:\n  url: postgres://db/shop # required by the chart\nimage:\n  repository: docker.io/acme/shop\n  tag: latest\n  digest: ""\n';
    const { files, notes } = scaffoldWithNotes(config(), "0.1.0", {
      environments: { staging: seed },
      schema,
    });
    const text = files["environments/staging/values.yaml"]!;
    expect(text).toContain("# Seeded from the app repository's environments/staging/values.yaml.");
    expect(text).toContain("url: postgres://db/shop # required by the chart");
    expect(parse(text)).toEqual({
      database: { url: "postgres://db/shop" },
      image: { repository: "r.io/acme/shop", tag: "latest" },
    });
    expect(notes.filter((n) => n.startsWith("staging:"))).toEqual([
      "staging: seeded from the app repository's environments/staging/values.yaml",
      expect.stringMatching(/^staging: image.tag left out: the chart's values.schema.json rejects "" there/),
      expect.stringMatching(/^staging: image.digest left out/),
    ]);
  });

  it("seeds the preview values from the repository's preview file, with the repositories only", () => {
    const { files } = scaffoldWithNotes(config(), "0.1.0", { preview: "replicas: 1\n" });
    expect(parse(files["environments/preview.yaml"]!)).toEqual({
      replicas: 1,
      image: { repository: "r.io/acme/shop" },
    });
  });

  it("treats an empty seed ({} as init writes it) as none", () => {
    const { files } = scaffoldWithNotes(config(), "0.1.0", { environments: { staging: "# comment\n{}\n" } });
    expect(files["environments/staging/values.yaml"]).not.toContain("Seeded");
  });
});
