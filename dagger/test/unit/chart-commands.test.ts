import { describe, expect, it } from "vitest";
import {
  chartEnvironments,
  chartLintPlan,
  helmLintArgv,
  helmTemplateArgv,
  kubeconformArgv,
} from "../../src/core/chart-commands.js";
import { resolveConfig } from "../../src/core/config.js";

describe("chart commands", () => {
  it.each([
    [helmLintArgv("helm/app"), ["helm", "lint", "--strict", "helm/app"]],
    [helmLintArgv("helm/app", ["a.yaml"]), ["helm", "lint", "--strict", "helm/app", "--values", "a.yaml"]],
    [
      helmTemplateArgv("app", "helm/app", "v.yaml", "ns"),
      ["helm", "template", "app", "helm/app", "--namespace", "ns", "--values", "v.yaml"],
    ],
    [
      kubeconformArgv({ kubernetesVersion: "1.31.0" }),
      ["kubeconform", "-strict", "-summary", "-output", "text", "-kubernetes-version", "1.31.0", "-"],
    ],
    [
      kubeconformArgv({ kubernetesVersion: "1.30.2", schemaLocations: ["/s/{{ .ResourceKind }}.json"] }),
      [
        "kubeconform",
        "-strict",
        "-summary",
        "-output",
        "text",
        "-kubernetes-version",
        "1.30.2",
        "-schema-location",
        "/s/{{ .ResourceKind }}.json",
        "-",
      ],
    ],
  ])("builds %j", (argv, expected) => {
    expect(argv).toEqual(expected);
  });

  it("lints once, then renders and validates every environment including previews", () => {
    const config = resolveConfig({ app: "shop" }, "pipeline.yaml", ["api"]);
    const plan = chartLintPlan("shop", "helm/shop", chartEnvironments(config), "1.31.0");
    expect(plan.map((s) => (s.kind === "lint" ? "lint" : s.environment))).toEqual([
      "lint",
      "staging",
      "uat",
      "prod",
      "preview",
    ]);
    const staging = plan[1]!;
    expect(staging.kind === "render" && staging.template).toEqual([
      "helm",
      "template",
      "shop",
      "helm/shop",
      "--namespace",
      "shop-staging",
      "--values",
      "environments/staging/values.yaml",
    ]);
    const preview = plan[4]!;
    expect(preview.kind === "render" && preview.template).toContain("preview-0");
    expect(plan.slice(1).every((s) => s.kind === "render" && s.validate.includes("-strict"))).toBe(true);
  });
});
