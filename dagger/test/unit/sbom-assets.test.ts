import { describe, expect, it } from "vitest";
import { FailureError, UsageError } from "../../src/core/errors.js";
import {
  chooseSbom,
  missingSbomsError,
  refuseUnusableNames,
  releaseImages,
  releaseSbomName,
  sbomAssetNames,
} from "../../src/core/supply-chain/sbom-assets.js";

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

describe("releaseSbomName", () => {
  it.each([
    ["sample-app-api", "1.2.3", "linux/amd64", "sample-app-api_1.2.3_linux_amd64.spdx.json"],
    ["sample-app-api", "1.2.3", "linux/arm64", "sample-app-api_1.2.3_linux_arm64.spdx.json"],
    ["worker", "2.0.0-rc.1", "linux/arm/v7", "worker_2.0.0-rc.1_linux_armv7.spdx.json"],
    ["api", "1.0.0+build.5", "linux/amd64", "api_1.0.0.build.5_linux_amd64.spdx.json"],
  ])("%s %s %s -> %s", (image, version, platform, want) => {
    expect(releaseSbomName(image, version, platform)).toBe(want);
  });
});

describe("releaseImages", () => {
  const config = { defaultBranch: "main", images: [{ name: "app-api" }, { name: "app-worker" }] };
  const commit = "a".repeat(40);
  it.each([
    { tag: "v1.2.3", registry: "ghcr.io/acme/", want: "1.2.3" },
    { tag: "1.2.3", registry: "ghcr.io/acme", want: "1.2.3" },
    { tag: "v1.2", registry: "ghcr.io/acme", want: "1.2.0" },
  ])("names each image at the tag publish pushed for $tag", ({ tag, registry, want }) => {
    expect(releaseImages(config, registry, { tag, commit })).toEqual([
      { name: "app-api", ref: `ghcr.io/acme/app-api:${want}` },
      { name: "app-worker", ref: `ghcr.io/acme/app-worker:${want}` },
    ]);
  });
});

describe("chooseSbom", () => {
  const at = (digest: string, created?: string) => ({
    digest: `sha256:${digest.repeat(64)}`,
    ...(created ? { annotations: { "org.opencontainers.image.created": created } } : {}),
  });
  it.each([
    { what: "none attached", referrers: [], want: null },
    { what: "the only one", referrers: [at("a")], want: at("a") },
    {
      what: "the newest by its created annotation",
      referrers: [at("a", "2026-01-01T00:00:00Z"), at("b", "2026-03-01T00:00:00Z"), at("c")],
      want: at("b", "2026-03-01T00:00:00Z"),
    },
    {
      what: "the same one in any order when the times tie",
      referrers: [at("1", "2026-01-01T00:00:00Z"), at("f", "2026-01-01T00:00:00Z")],
      want: at("f", "2026-01-01T00:00:00Z"),
    },
  ])("$what", ({ referrers, want }) => {
    expect(chooseSbom(referrers)).toEqual(want);
    expect(chooseSbom([...referrers].reverse())).toEqual(want);
  });
});

describe("refuseUnusableNames", () => {
  it("accepts distinct names GitHub keeps", () => {
    expect(() =>
      refuseUnusableNames(["a.spdx.json", "b.spdx.json"], TAKEN, "--registry-sboms"),
    ).not.toThrow();
  });
  it.each([
    {
      names: ["a.spdx.json", "a.spdx.json"],
      message: `--registry-sboms: "a.spdx.json" has the name of another`,
    },
    { names: ["SHA256SUMS"], message: "has the name of another release asset" },
    { names: ["a+b.spdx.json"], message: "would be renamed by GitHub" },
  ])("refuses $names", ({ names, message }) => {
    const call = () => refuseUnusableNames(names, TAKEN, "--registry-sboms");
    expect(call).toThrow(UsageError);
    expect(call).toThrow(message);
  });
});

describe("missingSbomsError", () => {
  it("names the first missing platform, counts the rest and says how to attach them, in one line", () => {
    const error = missingSbomsError(
      ["r/api:1.2.3 linux/amd64", "r/api:1.2.3 linux/arm64", "r/web:1.2.3 linux/amd64"],
      ["r/api:1.2.3", "r/web:1.2.3"],
      "1.2.3",
    );
    expect(error).toBeInstanceOf(FailureError);
    expect(error.message).toBe(
      "--registry-sboms: no SBOM attached to r/api:1.2.3 linux/amd64 and 2 more; attach them first (pipeline sbom r/api:1.2.3 r/web:1.2.3 --version 1.2.3) or leave out --registry-sboms",
    );
  });
});
