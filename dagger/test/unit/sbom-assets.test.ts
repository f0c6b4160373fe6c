import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { sbomAssetNames } from "../../src/core/sbom-assets.js";

const TAKEN = ["hello_1.1.0_linux_amd64.tar.gz", "SHA256SUMS"];

describe("sbomAssetNames", () => {
  it.each([
    {
      what: "keeps only *.spdx.json, sorted",
      entries: ["web_linux_arm64.spdx.json", "notes.txt", "api_linux_amd64.spdx.json", "x.spdx.json.bak"],
      want: ["api_linux_amd64.spdx.json", "web_linux_arm64.spdx.json"],
    },
    { what: "one file", entries: ["app.spdx.json"], want: ["app.spdx.json"] },
  ])("$what", ({ entries, want }) => {
    expect(sbomAssetNames(entries, TAKEN, "sboms")).toEqual(want);
  });

  it.each([
    { what: "an empty folder", entries: [], message: "holds no *.spdx.json file" },
    { what: "only other files", entries: ["a.json", ".spdx.json"], message: "holds no *.spdx.json file" },
    { what: "a name GitHub rewrites", entries: ["my app.spdx.json"], message: "would be renamed by GitHub" },
    {
      what: "a name an asset already has",
      entries: ["a.spdx.json"],
      taken: ["a.spdx.json"],
      message: "has the name of another release asset",
    },
  ])("refuses $what", ({ entries, taken, message }) => {
    const call = () => sbomAssetNames(entries, taken ?? TAKEN, "sboms");
    expect(call).toThrow(UsageError);
    expect(call).toThrow(message);
  });
});
