import { describe, expect, it } from "vitest";
import {
  attestCommand,
  keylessReferences,
  keylessVerifyFlags,
  registryHosts,
  releaseArtifacts,
  sbomCommand,
  signCommand,
} from "../../src/core/supply-chain/cli-argv.js";

const plan = { tags: { image: "1.2.3" }, chart: { ref: "oci://ghcr.io/acme/charts/shop:1.2.3", push: true } };
const artifacts = releaseArtifacts([{ name: "shop-api" }, { name: "shop-worker" }], "ghcr.io/acme/", plan);

describe("the supply-chain commands the module runs", () => {
  it("covers every image at the plan's tag under the registry, and the chart", () => {
    expect(artifacts).toEqual({
      images: ["ghcr.io/acme/shop-api:1.2.3", "ghcr.io/acme/shop-worker:1.2.3"],
      chart: "oci://ghcr.io/acme/charts/shop:1.2.3",
    });
  });

  it("leaves the chart out when the plan does not push it", () => {
    const noChart = releaseArtifacts([{ name: "shop-api" }], "ghcr.io/acme", {
      ...plan,
      chart: { ...plan.chart, push: false },
    });
    expect(signCommand(noChart)).toEqual(["sign", "ghcr.io/acme/shop-api:1.2.3"]);
  });

  it.each([
    [
      "sbom",
      sbomCommand({ images: artifacts.images, version: "1.2.3" }),
      "sbom ghcr.io/acme/shop-api:1.2.3 ghcr.io/acme/shop-worker:1.2.3 --version 1.2.3",
    ],
    [
      "sign",
      signCommand(artifacts),
      "sign ghcr.io/acme/shop-api:1.2.3 ghcr.io/acme/shop-worker:1.2.3 oci://ghcr.io/acme/charts/shop:1.2.3",
    ],
    [
      "attest",
      attestCommand(artifacts, { commit: "c".repeat(40), gitRef: "refs/tags/v1.2.3" }),
      `attest ghcr.io/acme/shop-api:1.2.3 ghcr.io/acme/shop-worker:1.2.3 oci://ghcr.io/acme/charts/shop:1.2.3 --commit ${"c".repeat(40)} --git-ref refs/tags/v1.2.3`,
    ],
  ])("%s: %s", (_name, argv, expected) => {
    expect(argv.join(" ")).toBe(expected);
    // The key is read from COSIGN_PRIVATE_KEY: no argv carries a key flag.
    expect(argv).not.toContain("--key");
  });
});

describe("the references keyless cosign signs, before they are pinned to digests", () => {
  const imageOnly = releaseArtifacts([{ name: "shop-api" }], "ghcr.io/acme", {
    ...plan,
    chart: { ...plan.chart, push: false },
  });
  const otherChartHost = {
    images: ["ghcr.io/acme/shop-api:1.2.3"],
    chart: "oci://registry.example.com/charts/shop:1.2.3",
  };
  it.each([
    [
      "images and the chart, the chart without oci://",
      artifacts,
      ["ghcr.io/acme/shop-api:1.2.3", "ghcr.io/acme/shop-worker:1.2.3", "ghcr.io/acme/charts/shop:1.2.3"],
      ["ghcr.io"],
    ],
    ["no chart when the plan does not push it", imageOnly, ["ghcr.io/acme/shop-api:1.2.3"], ["ghcr.io"]],
    [
      "a chart on another registry host",
      otherChartHost,
      ["ghcr.io/acme/shop-api:1.2.3", "registry.example.com/charts/shop:1.2.3"],
      ["ghcr.io", "registry.example.com"],
    ],
  ])("%s", (_name, input, expected, hosts) => {
    expect(keylessReferences(input)).toEqual(expected);
    expect(registryHosts(input)).toEqual(hosts);
  });

  it.each([
    [{}, ["--keyless"]],
    [
      { identityRegexp: "^https://gitlab.com/acme/", issuer: "https://gitlab.com" },
      [
        "--keyless",
        "--certificate-identity-regexp",
        "^https://gitlab.com/acme/",
        "--certificate-oidc-issuer",
        "https://gitlab.com",
      ],
    ],
  ])("verify flags for %j", (input, expected) => {
    expect(keylessVerifyFlags(input)).toEqual(expected);
  });
});
