import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/core/config/config.js";
import type { PipelineEvent } from "../../src/core/release/event.js";
import { assemblePlan } from "../../src/core/release/plan.js";
import { formatPlan } from "../../src/core/release/plan-text.js";

const sha = "0123456789abcdef";
const config = (raw: object = {}) =>
  resolveConfig({ app: "shop", image: { registry: "r.io/acme" }, ...raw }, "pipeline.yaml", [
    "api",
    "worker",
  ]);
const ev = (kind: PipelineEvent["kind"], extra: Partial<PipelineEvent> = {}): PipelineEvent => ({
  kind,
  ref: "r",
  sha,
  source: "flags",
  ...extra,
});
const version = { version: "1.2.4-main.3", source: "next" as const, coerced: false };
const created = "2026-11-25T00:00:00.000Z";

describe("assemblePlan", () => {
  it("lists one image per binary and platform and one manifest per tag", () => {
    const plan = assemblePlan({
      config: config(),
      event: ev("branch", { branch: "main" }),
      version,
      created,
    });
    expect(plan.images.map((i) => i.ref)).toEqual([
      "r.io/acme/shop-api:sha-0123456-amd64",
      "r.io/acme/shop-api:sha-0123456-arm64",
      "r.io/acme/shop-worker:sha-0123456-amd64",
      "r.io/acme/shop-worker:sha-0123456-arm64",
    ]);
    expect(plan.manifests.map((m) => m.ref)).toEqual([
      "r.io/acme/shop-api:sha-0123456",
      "r.io/acme/shop-worker:sha-0123456",
    ]);
    expect(plan.annotations["org.opencontainers.image.created"]).toBe(created);
    expect(plan.schemaVersion).toBe(1);
  });

  it("uses the merged tag for every platform without per-arch tags, and respects per-binary platforms", () => {
    const plan = assemblePlan({
      config: config({
        image: { registry: "r.io/acme", perArchTags: false },
        go: { binaries: { worker: { platforms: ["linux/amd64"] } } },
      }),
      event: ev("release-tag", { tag: "v1.0.0" }),
      version: { version: "1.0.0", source: "tag", coerced: false },
      created,
    });
    expect(plan.images).toEqual([
      { binary: "api", image: "shop-api", platform: "linux/amd64", ref: "r.io/acme/shop-api:1.0.0" },
      { binary: "api", image: "shop-api", platform: "linux/arm64", ref: "r.io/acme/shop-api:1.0.0" },
      { binary: "worker", image: "shop-worker", platform: "linux/amd64", ref: "r.io/acme/shop-worker:1.0.0" },
    ]);
    expect(plan.manifests.map((m) => m.ref)).toContain("r.io/acme/shop-api:sha-0123456");
  });

  it("plans nothing for a branch no rule matches", () => {
    const plan = assemblePlan({
      config: config(),
      event: ev("branch", { branch: "spike" }),
      version,
      created,
    });
    expect(plan.rule).toBeNull();
    expect(plan.stages).toEqual([]);
    expect(plan.images).toEqual([]);
    expect(formatPlan(plan)).toMatch(/rule: none matched: nothing runs/);
  });

  it("says when latest's current version is left to the registry", () => {
    const plan = assemblePlan({
      config: config(),
      event: ev("release-tag", { tag: "v3.0.0" }),
      version: { version: "3.0.0", source: "tag", coerced: false },
      created,
    });
    expect(plan.latest?.update).toBe(true);
    expect(plan.latest?.reason).toMatch(/reads latest's current version from the registry/);
  });
});

describe("the default branch", () => {
  it.each([
    [
      "main by default",
      {},
      "main",
      { rule: "main", tag: "sha-0123456", chart: "1.2.4-sha-0123456", promote: "staging" },
    ],
    [
      "master from pipeline.yaml",
      { defaultBranch: "master" },
      "master",
      { rule: "master", tag: "sha-0123456", chart: "1.2.4-sha-0123456", promote: "staging" },
    ],
    [
      "main is then just a branch",
      { defaultBranch: "master" },
      "main",
      { rule: null, tag: "main", chart: "0.0.0-main", promote: null },
    ],
  ])("%s", (_, raw, branch, want) => {
    const plan = assemblePlan({ config: config(raw), event: ev("branch", { branch }), version, created });
    expect(plan.rule).toBe(want.rule);
    expect(plan.tags.image).toBe(want.tag);
    expect(plan.chart.version).toBe(want.chart);
    expect(plan.promotions[0]?.environment ?? null).toBe(want.promote);
  });

  it("comes from the checkout's origin/HEAD when pipeline.yaml does not name it, and pipeline.yaml wins", () => {
    const detected = (raw: object, defaultBranch?: string) =>
      resolveConfig({ app: "shop", ...raw }, "pipeline.yaml", ["api"], { defaultBranch }).defaultBranch;
    expect(detected({}, "master")).toBe("master");
    expect(detected({}, undefined)).toBe("main");
    expect(detected({}, "-bad")).toBe("main");
    expect(detected({ defaultBranch: "trunk" }, "master")).toBe("trunk");
  });
});

describe("the images of an images: map", () => {
  it("lists each configured image per platform under its own name, and one manifest per tag", () => {
    const plan = assemblePlan({
      config: config({
        images: { web: { binaries: { api: "/app/api", worker: "/usr/local/bin/worker" }, values: "image" } },
      }),
      event: ev("release-tag", { tag: "v1.0.0" }),
      version: { version: "1.0.0", source: "tag", coerced: false },
      created,
    });
    expect(plan.images.map((i) => `${i.image} ${i.binary} ${i.platform} ${i.ref}`)).toEqual([
      "web api linux/amd64 r.io/acme/web:1.0.0-amd64",
      "web api linux/arm64 r.io/acme/web:1.0.0-arm64",
    ]);
    expect(plan.manifests.map((m) => m.ref)).toEqual(["r.io/acme/web:1.0.0", "r.io/acme/web:sha-0123456"]);
  });
});
