/**
 * The image model of issue #22: an image with `values: none` ships without any chart value, and
 * every Linux platform Go cross-compiles to has its OCI name, per-arch tag, build target and output.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { imageValues } from "../../src/core/chart/commands.js";
import { PLATFORMS, resolveConfig } from "../../src/core/config/config.js";
import { configWarnings } from "../../src/core/config/warnings.js";
import { deployValues } from "../../src/core/deploy/commands.js";
import { planPromotion } from "../../src/core/gitops/promotion.js";
import { seededValues } from "../../src/core/gitops/seed.js";
import { buildOutputPath, goTarget } from "../../src/core/go/commands.js";
import { normalizePlatform, platformString } from "../../src/core/images/platform-check.js";
import { archOf, MAX_MAIN_TAG, perArchTag } from "../../src/core/release/names.js";

const config = (images: object) =>
  resolveConfig(
    {
      app: "dns",
      go: { source: ".", binaries: { dns: { main: "." } } },
      image: { registry: "r.io/acme" },
      images,
    },
    "pipeline.yaml",
    ["ctl"],
  );

describe("an image no chart value reads (values: none)", () => {
  const both = config({
    dns: { binaries: { dns: "/app/dns" }, values: "image" },
    "dns-ctl": { binaries: { ctl: "/usr/local/bin/ctl" }, values: "none" },
  });

  it("resolves to no values key, and is still an image that ships", () => {
    expect(both.images.map((i) => [i.name, i.values])).toEqual([
      ["dns", "image"],
      ["dns-ctl", null],
    ]);
  });

  it("lets several images be none without a clash", () => {
    const two = config({
      a: { binaries: { dns: "/a" }, values: "none" },
      b: { binaries: { ctl: "/b" }, values: "none" },
    });
    expect(two.images.map((i) => i.values)).toEqual([null, null]);
  });

  it("is left out of promotion's value edits, which still move the chart", () => {
    const plan = planPromotion(both, {
      environment: "staging",
      imageTag: "1.2.3",
      chartVersion: "1.2.3",
      sourceSha: "0123456",
      digests: { "dns-ctl": `sha256:${"a".repeat(64)}`, dns: `sha256:${"b".repeat(64)}` },
    });
    expect(plan.files[0]!.changes).toEqual([
      { key: "image.tag", value: "1.2.3" },
      { key: "image.digest", value: `sha256:${"b".repeat(64)}` },
    ]);
    expect(plan.files[1]!.changes).toEqual([{ key: "spec.sources[0].targetRevision", value: "1.2.3" }]);
  });

  it("is not looked for by chart-lint's probe, nor set by deploys, nor seeded into gitops values", () => {
    expect(imageValues(both).map((i) => i.image)).toEqual(["dns"]);
    expect(deployValues(both, { set: {} } as never, { imageTag: "1.2.3", registry: "r.io/acme" })).toEqual({
      "image.repository": "r.io/acme/dns",
      "image.tag": "1.2.3",
    });
    const seeded = seededValues(both, {
      header: "",
      seed: null,
      seedFile: "",
      schema: undefined,
      withTags: true,
    });
    expect(seeded.text).toContain("image:");
    expect(seeded.text).not.toContain("dns-ctl");
  });

  it("raises no values warning for it", () => {
    const warnings = configWarnings(both, { present: new Set(["."]), chartValues: { image: { tag: "" } } });
    expect(warnings.map((w) => w.key)).not.toContain("images.dns-ctl.values");
  });
});

describe("platforms: every linux/* of go tool dist list, by its OCI name", () => {
  it.each(PLATFORMS.map((p) => [p]))("%s builds, tags and checks as itself", (platform) => {
    const [, arch = "", variant = ""] = platform.split("/");
    const target = goTarget(platform);
    expect(target.GOOS).toBe("linux");
    expect(target.GOARCH).toBe(arch);
    expect(target.GOARM).toBe(arch === "arm" ? variant.slice(1) : undefined);
    expect(perArchTag("1.2.3", platform)).toBe(`1.2.3-${arch}${variant}`);
    expect(buildOutputPath(platform, "x")).toBe(`linux-${arch}${variant}/x`);
    expect(platformString({ os: "linux", architecture: arch, variant: variant || undefined })).toBe(
      normalizePlatform(platform),
    );
  });

  it("covers the toolchain's own list, and leaves room for the longest per-arch suffix", () => {
    let listed: string[];
    try {
      listed = execFileSync("go", ["tool", "dist", "list"], { encoding: "utf8" }).split("\n");
    } catch {
      listed = [];
    }
    const linux = listed.filter((p) => p.startsWith("linux/"));
    if (linux.length > 0) {
      const arches = new Set(PLATFORMS.map((p) => p.split("/")[1]));
      expect(linux.filter((p) => !arches.has(p.split("/")[1]))).toEqual([]);
    }
    const longest = Math.max(...PLATFORMS.map((p) => archOf(p).length + 1));
    expect(MAX_MAIN_TAG + longest).toBeLessThanOrEqual(128);
  });

  it("accepts s390x, ppc64le and riscv64 in pipeline.yaml", () => {
    const c = resolveConfig(
      { app: "x", platforms: ["linux/s390x", "linux/ppc64le", "linux/riscv64"] },
      "pipeline.yaml",
      ["x"],
    );
    expect(c.images[0]!.platforms).toEqual(["linux/s390x", "linux/ppc64le", "linux/riscv64"]);
  });
});
