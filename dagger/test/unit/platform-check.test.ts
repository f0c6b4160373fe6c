import { describe, expect, it } from "vitest";
import {
  normalizePlatform,
  platformMismatches,
  platformString,
} from "../../src/core/images/platform-check.js";

describe("platform check of a multi-arch publish", () => {
  it.each([
    [{ os: "linux", architecture: "amd64" }, "linux/amd64"],
    [{ os: "linux", architecture: "arm64", variant: "v8" }, "linux/arm64"],
    [{ os: "linux", architecture: "arm", variant: "v7" }, "linux/arm/v7"],
    [{}, "?/?"],
  ])("writes the config platform %j as %s", (config, expected) => {
    expect(platformString(config)).toBe(expected);
  });

  it("treats linux/arm64/v8 as linux/arm64", () => {
    expect(normalizePlatform("linux/arm64/v8")).toBe("linux/arm64");
  });

  it("accepts variants whose configs name their platform", () => {
    expect(
      platformMismatches([
        { binary: "api", platform: "linux/amd64", config: { os: "linux", architecture: "amd64" } },
        {
          binary: "api",
          platform: "linux/arm64",
          config: { os: "linux", architecture: "arm64", variant: "v8" },
        },
      ]),
    ).toEqual([]);
  });

  it("names each variant built on another platform", () => {
    expect(
      platformMismatches([
        { binary: "api", platform: "linux/arm64", config: { os: "linux", architecture: "amd64" } },
        {
          binary: "worker",
          platform: "linux/arm/v7",
          config: { os: "linux", architecture: "arm", variant: "v6" },
        },
      ]),
    ).toEqual([
      "api for linux/arm64: the image config says linux/amd64 (does the base image have linux/arm64?)",
      "worker for linux/arm/v7: the image config says linux/arm/v6 (does the base image have linux/arm/v7?)",
    ]);
  });
});
