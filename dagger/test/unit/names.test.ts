import { describe, expect, it } from "vitest";
import { previewNamespace } from "../../src/core/gitops/preview.js";
import type { PipelineEvent } from "../../src/core/release/event.js";
import {
  archOf,
  chartVersion,
  extraTags,
  imageRepository,
  imageTag,
  ociAnnotations,
  perArchTag,
} from "../../src/core/release/names.js";

const sha = "0a1b2c3d4e5f";
const ev = (kind: PipelineEvent["kind"], extra: Partial<PipelineEvent> = {}): PipelineEvent => ({
  kind,
  ref: "r",
  sha,
  source: "flags",
  ...extra,
});

describe("tags and chart versions per event", () => {
  it.each([
    ["release", ev("release-tag", { tag: "v1.2.3" }), "1.2.3", "1.2.3"],
    ["release without v", ev("release-tag", { tag: "1.2.3" }), "1.2.3", "1.2.3"],
    ["rc", ev("rc-tag", { tag: "v1.2.0-rc.1" }), "v1.2.0-rc.1", "1.2.0-rc.1"],
    ["coerced prerelease", ev("prerelease-tag", { tag: "1.8.7alpha" }), "1.8.7-alpha", "1.8.7-alpha"],
    ["main", ev("branch", { branch: "main" }), "sha-0a1b2c3", "1.2.4-sha-0a1b2c3"],
    ["pull request", ev("pull-request", { pr: 42 }), "pr-42-0a1b2c3", "0.0.0-pr-42-0a1b2c3"],
    ["other branch", ev("branch", { branch: "feat/Login" }), "feat-login", "0.0.0-feat-login"],
    ["promotion", ev("promotion", { tag: "v2.0.0" }), "2.0.0", "2.0.0"],
  ])("%s", (_name, event, tag, chart) => {
    expect(imageTag(event)).toBe(tag);
    expect(chartVersion(event, "1.2.4-main.3")).toBe(chart);
  });
});

describe("names", () => {
  it("builds repositories, per-arch tags and extra tags", () => {
    expect(imageRepository("ghcr.io/acme/", "shop", "api")).toBe("ghcr.io/acme/shop-api");
    expect(perArchTag("1.2.3", "linux/amd64")).toBe("1.2.3-amd64");
    expect(perArchTag("1.2.3", "linux/arm/v7")).toBe("1.2.3-armv7");
    expect(archOf("linux/arm64")).toBe("arm64");
    expect(extraTags(["sha"], ev("release-tag", { tag: "v1.0.0" }), "1.0.0")).toEqual(["sha-0a1b2c3"]);
    expect(extraTags(["sha"], ev("branch", { branch: "main" }), "sha-0a1b2c3")).toEqual([]);
    expect(extraTags([], ev("branch", { branch: "main" }), "x")).toEqual([]);
    expect(previewNamespace("preview-{pr}", 42)).toBe("preview-42");
  });

  it("annotates images with version, revision, source, created and title", () => {
    expect(
      ociAnnotations({
        version: "1.2.3",
        revision: sha,
        source: "https://x/y",
        created: "2026-01-01T00:00:00.000Z",
        title: "shop-api",
      }),
    ).toEqual({
      "org.opencontainers.image.title": "shop-api",
      "org.opencontainers.image.version": "1.2.3",
      "org.opencontainers.image.revision": sha,
      "org.opencontainers.image.source": "https://x/y",
      "org.opencontainers.image.created": "2026-01-01T00:00:00.000Z",
    });
  });
});
