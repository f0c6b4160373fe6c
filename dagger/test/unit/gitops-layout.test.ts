import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { resolveConfig } from "../../src/core/config/config.js";
import {
  freezeMarker,
  parseDuration,
  parsePromotionCommit,
  previewApplicationYaml,
  previewsToSweep,
  scaffold,
} from "../../src/core/gitops/layout.js";
import { planPromotion, promotionMessage } from "../../src/core/gitops/promotion.js";
import { getValue } from "../../src/core/gitops/yaml-edit.js";

const config = resolveConfig(
  {
    app: "shop",
    chart: { registry: "oci://ghcr.io/acme/charts" },
    gitops: { repo: "https://github.com/acme/gitops.git" },
  },
  "pipeline.yaml",
  ["api", "worker"],
);

describe("gitops layout", () => {
  it("scaffolds an Application and values per environment, plus the shared preview values", () => {
    const files = scaffold(config);
    expect(Object.keys(files).sort()).toEqual([
      "apps/prod/shop.yaml",
      "apps/staging/shop.yaml",
      "apps/uat/shop.yaml",
      "environments/preview.yaml",
      "environments/prod/values.yaml",
      "environments/staging/values.yaml",
      "environments/uat/values.yaml",
    ]);
    const app = parse(files["apps/staging/shop.yaml"]!);
    expect(app.spec.sources[0]).toMatchObject({
      repoURL: "ghcr.io/acme/charts",
      chart: "shop",
      targetRevision: "0.1.0",
      helm: { valueFiles: ["$values/environments/staging/values.yaml"] },
    });
    expect(app.spec.sources[1]).toEqual({
      repoURL: "https://github.com/acme/gitops.git",
      targetRevision: "main",
      ref: "values",
    });
    expect(app.spec.destination.namespace).toBe("shop-staging");
    expect(app.spec.syncPolicy).toEqual({
      automated: { prune: true, selfHeal: true },
      syncOptions: ["CreateNamespace=true"],
    });
  });

  it("scaffolds exactly the keys a promotion changes", () => {
    const files = scaffold(config);
    const plan = planPromotion(config, {
      environment: "uat",
      imageTag: "t",
      chartVersion: "1.0.0",
      sourceSha: "abc1234",
    });
    for (const file of plan.files) {
      for (const change of file.changes)
        expect(getValue(files[file.path]!, change.key), `${file.path} ${change.key}`).not.toBeUndefined();
    }
  });

  it("writes a preview Application for namespace preview-<n> with its creation time", () => {
    const app = parse(
      previewApplicationYaml(config, {
        pr: 42,
        imageTag: "pr-42-abc1234",
        chartVersion: "0.0.0-pr-42-abc1234",
        createdAt: "2026-01-01T00:00:00Z",
      }),
    );
    expect(app.metadata.name).toBe("shop-pr-42");
    expect(app.spec.destination.namespace).toBe("preview-42");
    expect(app.spec.sources[0].helm.parameters).toContainEqual({
      name: "images.api.tag",
      value: "pr-42-abc1234",
    });
    expect(app.metadata.annotations["pipeline.dev/created-at"]).toBe("2026-01-01T00:00:00Z");
  });

  it.each([
    [
      "old previews",
      [
        { pr: 1, createdAt: "2026-01-01T00:00:00Z" },
        { pr: 2, createdAt: "2026-01-09T00:00:00Z" },
      ],
      undefined,
      [1],
    ],
    [
      "closed pull requests",
      [
        { pr: 1, createdAt: "2026-01-09T00:00:00Z" },
        { pr: 2, createdAt: "2026-01-09T00:00:00Z" },
      ],
      [2],
      [1],
    ],
  ])("sweeps %s", (_name, previews, open, removed) => {
    const sweep = previewsToSweep(previews, new Date("2026-01-10T00:00:00Z"), 7 * 86_400_000, open);
    expect(sweep.map((s) => s.pr)).toEqual(removed);
  });

  it.each([
    ["72h", 72 * 3_600_000],
    ["7d", 7 * 86_400_000],
    ["30m", 1_800_000],
    ["1w", 604_800_000],
    ["soon", null],
  ])("parses the duration %s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it("reads a promotion back from its commit message", () => {
    const message = promotionMessage("shop", {
      environment: "prod",
      imageTag: "1.2.3",
      chartVersion: "1.2.3",
      sourceSha: "abc",
      rollback: true,
      runUrl: "u",
    });
    expect(parsePromotionCommit({ sha: "s", author: "bot", date: "d", message }, "shop")).toEqual({
      commit: "s",
      environment: "prod",
      version: "1.2.3",
      chartVersion: "1.2.3",
      at: "d",
      author: "bot",
      sourceSha: "abc",
      rollback: true,
      run: "u",
    });
    expect(parsePromotionCommit({ sha: "s", author: "a", date: "d", message }, "cart")).toBeNull();
    expect(
      parsePromotionCommit({ sha: "s", author: "a", date: "d", message: "fix typo" }, "shop"),
    ).toBeNull();
  });

  it("explains the freeze in its marker", () => {
    expect(
      freezeMarker({ environment: "prod", version: "1.0.0", at: "t", reason: "rollback from 1.1.0" }),
    ).toMatch(/pipeline unfreeze --env prod/);
  });
});
