import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/core/config/config.js";
import { UsageError } from "../../src/core/errors.js";
import { planPromotion } from "../../src/core/gitops/promotion.js";

const config = resolveConfig(
  { app: "shop", go: { binaries: { migrator: { image: true } } } },
  "pipeline.yaml",
  ["api", "migrator", "tool"],
);

describe("planPromotion", () => {
  it("changes every image tag in the values and the chart revision in the Application", () => {
    const plan = planPromotion(config, {
      environment: "staging",
      imageTag: "sha-abc1234",
      chartVersion: "1.0.1-sha-abc1234",
      sourceSha: "abc1234def",
    });
    expect(plan.files).toEqual([
      {
        path: "environments/staging/values.yaml",
        changes: [
          { key: "images.api.tag", value: "sha-abc1234" },
          { key: "images.migrator.tag", value: "sha-abc1234" },
          { key: "images.tool.tag", value: "sha-abc1234" },
        ],
      },
      {
        path: "apps/staging/shop.yaml",
        changes: [{ key: "spec.sources[0].targetRevision", value: "1.0.1-sha-abc1234" }],
      },
    ]);
  });

  it("pins digests when given and names app, env, version and sha in the message", () => {
    const plan = planPromotion(config, {
      environment: "prod",
      imageTag: "1.2.3",
      chartVersion: "1.2.3",
      digests: { api: `sha256:${"a".repeat(64)}` },
      sourceSha: "abc1234def",
      runUrl: "https://ci/run/1",
      rollback: true,
    });
    expect(plan.files[0]!.changes).toContainEqual({
      key: "images.api.digest",
      value: `sha256:${"a".repeat(64)}`,
    });
    expect(plan.message).toMatch(/^rollback\(prod\): shop 1\.2\.3\n/);
    for (const trailer of [
      "Pipeline-App: shop",
      "Pipeline-Env: prod",
      "Pipeline-Version: 1.2.3",
      "Pipeline-Chart-Version: 1.2.3",
      "Pipeline-Source-Sha: abc1234def",
      "Pipeline-Run: https://ci/run/1",
      "Pipeline-Rollback: true",
    ]) {
      expect(plan.message).toContain(trailer);
    }
  });

  it("puts files under gitops.path when apps share a repo", () => {
    const shared = resolveConfig({ app: "shop", gitops: { path: "teams/shop" } }, "pipeline.yaml", ["api"]);
    const plan = planPromotion(shared, {
      environment: "uat",
      imageTag: "t",
      chartVersion: "1.0.0",
      sourceSha: "abc1234",
    });
    expect(plan.files.map((f) => f.path)).toEqual([
      "teams/shop/environments/uat/values.yaml",
      "teams/shop/apps/uat/shop.yaml",
    ]);
  });

  it("rejects an unknown environment, naming the known ones", () => {
    const promote = () =>
      planPromotion(config, {
        environment: "qa",
        imageTag: "t",
        chartVersion: "1.0.0",
        sourceSha: "abc1234",
      });
    expect(promote).toThrow(UsageError);
    expect(promote).toThrow(/unknown environment "qa"; pipeline.yaml defines: staging, uat, prod/);
  });
});
