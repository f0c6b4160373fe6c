import { describe, expect, it } from "vitest";
import {
  chartEnvironments,
  chartLintSteps,
  helmLintArgv,
  helmTemplateArgv,
  imageValues,
  kubeconformArgv,
  PROBE_TAG,
  unreadImageValues,
} from "../../src/core/chart/commands.js";
import { resolveConfig } from "../../src/core/config/config.js";

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

  it.each([
    [helmLintArgv("c", [], "1.31.0"), ["helm", "lint", "--strict", "c", "--kube-version", "1.31.0"]],
    [
      helmTemplateArgv("app", "c", null, "ns", {
        kubeVersion: "1.31.0",
        set: { "image.tag": "x", "image.repository": "r/a" },
      }),
      [
        "helm",
        "template",
        "app",
        "c",
        "--namespace",
        "ns",
        "--kube-version",
        "1.31.0",
        "--set",
        "image.tag=x",
        "--set",
        "image.repository=r/a",
      ],
    ],
  ])("passes the Kubernetes version and --set pairs: %j", (argv, expected) => {
    expect(argv).toEqual(expected);
  });

  it("lints and renders every environment with its values, at the Kubernetes version, then probes the image keys", () => {
    const config = resolveConfig({ app: "shop", image: { registry: "r.example/acme" } }, "pipeline.yaml", [
      "api",
    ]);
    const plan = chartLintSteps(config, () => true);
    expect(plan.map((s) => `${s.kind}:${s.kind === "images" ? "" : s.environment}`)).toEqual([
      "lint:staging",
      "render:staging",
      "lint:uat",
      "render:uat",
      "lint:prod",
      "render:prod",
      "lint:preview",
      "render:preview",
      "images:",
    ]);
    expect(plan[0]!.kind === "lint" && plan[0]!.argv).toEqual([
      "helm",
      "lint",
      "--strict",
      "helm/shop",
      "--values",
      "environments/staging/values.yaml",
      "--kube-version",
      "1.31.0",
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
      "--kube-version",
      "1.31.0",
    ]);
    expect(plan[7]!.kind === "render" && plan[7]!.template).toContain("preview-0");
    const probe = plan[8]!;
    expect(probe.kind === "images" && probe.template.slice(-4)).toEqual([
      "--set",
      "images.api.repository=r.example/acme/shop-api",
      "--set",
      `images.api.tag=${PROBE_TAG}`,
    ]);
    expect(probe.kind === "images" && probe.expect).toEqual([
      { image: "shop-api", key: "images.api", reference: `r.example/acme/shop-api:${PROBE_TAG}` },
    ]);
  });

  it.each([
    ["every values file", () => true, ["staging", "uat", "prod", "preview"]],
    ["only prod's", (f: string) => f === "environments/prod/values.yaml", ["prod"]],
    ["none: the chart's defaults, once", () => false, ["defaults"]],
  ])("renders the environments the app repo has values for: %s", (_, present, names) => {
    const config = resolveConfig({ app: "shop" }, "pipeline.yaml", ["api"]);
    const envs = chartEnvironments(config, present);
    expect(envs.map((e) => e.name)).toEqual(names);
    if (names[0] === "defaults")
      expect(envs[0]).toEqual({ name: "defaults", valuesFile: null, namespace: "shop" });
  });

  it("probes the values key an images entry names", () => {
    const config = resolveConfig(
      {
        app: "web",
        image: { registry: "ghcr.io/o" },
        images: { web: { binaries: { api: "/app/api" }, values: "image" } },
      },
      "pipeline.yaml",
      ["api"],
    );
    expect(imageValues(config)).toEqual([{ image: "web", key: "image", repository: "ghcr.io/o/web" }]);
  });

  it.each([
    ["every image appears", `image: r/a:${PROBE_TAG}\nimage: r/b:${PROBE_TAG}`, null],
    [
      "one image is missing",
      `image: r/a:${PROBE_TAG}\nimage: old/b:1.0`,
      /does not read images\.b\.repository\/images\.b\.tag \(image b\): no manifest shows r\/b:chart-lint-probe/,
    ],
  ])("tells when the chart ignores an image's values key: %s", (_, rendered, problem) => {
    const expected = [
      { image: "a", key: "images.a", reference: `r/a:${PROBE_TAG}` },
      { image: "b", key: "images.b", reference: `r/b:${PROBE_TAG}` },
    ];
    const verdict = unreadImageValues(rendered, expected);
    if (problem === null) expect(verdict).toBeNull();
    else expect(verdict).toMatch(problem);
  });
});
