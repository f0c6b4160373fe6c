import { describe, expect, it } from "vitest";
import {
  attestCommand,
  releaseArtifacts,
  sbomCommand,
  signCommand,
} from "../../src/core/supply-chain-argv.js";

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
