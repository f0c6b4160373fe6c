import { describe, expect, it } from "vitest";
import { gitTimeoutSeconds, subcommandOf } from "../../src/adapters/gitops/git.js";
import type { PipelineConfig } from "../../src/core/config/config.js";
import { applicationYaml, parsePromotionCommit, scaffold } from "../../src/core/gitops/layout.js";
import {
  compareVersions,
  downgradeRefusal,
  gitopsPath,
  needsPromotionHistory,
  planPromotion,
  promotionMessage,
} from "../../src/core/gitops/promotion.js";

const config = {
  file: "pipeline.yaml",
  app: "shop",
  gitops: { repo: "", branch: "main", path: "", authorName: "bot", authorEmail: "bot@example.com" },
  environments: { staging: {}, prod: {} },
  binaries: [{ name: "api", image: true }],
  images: [{ name: "shop-api", values: "images.api", binaries: [{ name: "api", path: "/app/api" }] }],
  chart: { registry: "oci://r.example/charts" },
  preview: { valuesFile: "environments/preview.yaml", namespace: "preview-{pr}" },
  image: { registry: "r.example/acme" },
} as unknown as PipelineConfig;

const input = { environment: "staging", imageTag: "1.2.3", chartVersion: "1.2.3", sourceSha: "abc1234" };

describe("compareVersions orders what has an order, and nothing else", () => {
  it.each([
    ["1.0.0", "9.0.0", -1],
    ["9.0.0", "1.0.0", 1],
    ["1.10.0", "1.9.0", 1],
    ["v2.0.0", "1.0.0", 1],
    ["1.2.3", "1.2.3", 0],
    ["1.2.3-rc.1", "1.2.3", -1],
    ["1.2.3", "1.2.3-rc.9", 1],
    ["1.2.3-rc.1", "1.2.3-rc.2", -1],
    ["1.2.4-main.6", "1.2.4-main.5", 1],
    ["1.2.4-main.10", "1.2.4-main.9", 1],
    ["1.2.4-sha-aaaaaaa", "1.2.4-sha-bbbbbbb", null],
    ["1.2.4-sha-aaaaaaa", "1.2.5-sha-0000000", -1],
    ["1.2.3-rc.1", "1.2.3-rc.1.1", -1],
    ["sha-abc1234", "1.0.0", null],
    ["latest", "main", null],
  ])("%s vs %s: %s", (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });
});

describe("downgradeRefusal", () => {
  const current = { imageTag: "9.0.0", chartVersion: "9.0.0" };
  it.each([
    ["a lower version", { imageTag: "1.0.0", chartVersion: "1.0.0" }, {}, true],
    ["a lower image tag with a higher chart", { imageTag: "v1.0.0", chartVersion: "9.0.1" }, {}, true],
    ["a lower chart with a non-version tag", { imageTag: "sha-abc1234", chartVersion: "8.0.0" }, {}, true],
    ["the same version", { imageTag: "9.0.0", chartVersion: "9.0.0" }, {}, false],
    ["a newer version", { imageTag: "9.0.1", chartVersion: "9.0.1" }, {}, false],
    ["a lower version with --force", { imageTag: "1.0.0", chartVersion: "1.0.0" }, { force: true }, false],
    ["a rollback", { imageTag: "1.0.0", chartVersion: "1.0.0" }, { rollback: true }, false],
  ])("%s: refused %s", (_name, next, options, refused) => {
    const why = downgradeRefusal("staging", current, next, options);
    expect(why !== null).toBe(refused);
    if (why) expect(why).toMatch(/superseded by "9\.0\.0"/);
  });
  it.each([
    [
      "a lower chart after a promotion",
      { imageTag: "", chartVersion: "3.0.0", promoted: true },
      "2.9.0",
      true,
    ],
    ["the same chart", { imageTag: "", chartVersion: "3.0.0", promoted: true }, "3.0.0", false],
    ["a newer chart", { imageTag: "", chartVersion: "3.0.0", promoted: true }, "3.0.1", false],
    [
      "a lower chart below the scaffold's placeholder",
      { imageTag: "", chartVersion: "0.1.0", promoted: false },
      "0.0.5",
      false,
    ],
    ["a lower chart with the history not read", { imageTag: "", chartVersion: "3.0.0" }, "2.9.0", false],
  ])("an app without image values, %s: refused %s", (_name, current, version, refused) => {
    const why = downgradeRefusal("staging", current, { imageTag: version, chartVersion: version });
    expect(why !== null).toBe(refused);
    if (why)
      expect(why).toBe(
        'staging already runs chart "3.0.0", newer than chart 2.9.0: superseded by chart "3.0.0", nothing was pushed (a downgrade needs --force, or pipeline rollback)',
      );
  });
  it.each([
    ["no tag and a lower chart", { imageTag: "", chartVersion: "3.0.0" }, "2.9.0", {}, true],
    ["no tag and a newer chart", { imageTag: "", chartVersion: "3.0.0" }, "3.1.0", {}, false],
    ["a tag (promoted: the files say so)", { imageTag: "3.0.0", chartVersion: "3.0.0" }, "2.9.0", {}, false],
    ["the history already read", { imageTag: "", chartVersion: "3.0.0", promoted: true }, "2.9.0", {}, false],
    ["--force", { imageTag: "", chartVersion: "3.0.0" }, "2.9.0", { force: true }, false],
    ["a rollback", { imageTag: "", chartVersion: "3.0.0" }, "2.9.0", { rollback: true }, false],
    ["no chart version", { imageTag: "", chartVersion: "" }, "2.9.0", {}, false],
  ])("needsPromotionHistory with %s: %s", (_name, current, version, options, needed) => {
    expect(needsPromotionHistory(current, { imageTag: version, chartVersion: version }, options)).toBe(
      needed,
    );
  });
  it("lets the first promotion through (the scaffold has no tag yet)", () => {
    expect(
      downgradeRefusal(
        "staging",
        { imageTag: "", chartVersion: "0.1.0" },
        { imageTag: "0.0.1", chartVersion: "0.0.1" },
      ),
    ).toBeNull();
  });
});

describe("planPromotion refuses what would forge or break a commit", () => {
  it.each([
    ["an image tag with a newline", { imageTag: "1.0.0\nPipeline-Env: prod" }],
    ["an empty image tag", { imageTag: "" }],
    ["a 129-character tag", { imageTag: "a".repeat(129) }],
    ["a chart version that is not semver", { chartVersion: "not a version" }],
    ["a source sha with a newline", { sourceSha: "abc1234\nPipeline-Rollback: true" }],
    ["a source sha that is not hex", { sourceSha: "zzzzzzz" }],
    ["a digest that is not sha256", { digests: { api: "md5:abc" } }],
    ["a run URL with a newline", { runUrl: "https://ci.example/1\nPipeline-Rollback: true" }],
    ["an inherited environment name", { environment: "constructor" }],
    ["__proto__ as environment", { environment: "__proto__" }],
  ])("%s", (_name, override) => {
    expect(() => planPromotion(config, { ...input, ...override })).toThrow(
      expect.objectContaining({ exitCode: 2 }),
    );
  });

  it("writes one trailer per key, each from a validated value", () => {
    const message = promotionMessage("shop", {
      ...input,
      rollback: true,
      runUrl: "https://ci.example/runs/1",
    });
    const trailers = message.trim().split("\n\n").pop()!.split("\n");
    expect(trailers).toEqual([
      "Pipeline-App: shop",
      "Pipeline-Env: staging",
      "Pipeline-Version: 1.2.3",
      "Pipeline-Chart-Version: 1.2.3",
      "Pipeline-Source-Sha: abc1234",
      "Pipeline-Run: https://ci.example/runs/1",
      "Pipeline-Rollback: true",
    ]);
  });
});

describe("gitopsPath keeps every file inside the gitops repo", () => {
  it.each([
    ["..", "apps/x.yaml"],
    ["../escape", "apps/x.yaml"],
    ["/abs", "apps/x.yaml"],
    ["a/../../b", "apps/x.yaml"],
    ["", "../../outside.yaml"],
    ["", "/etc/outside.yaml"],
    ["ok", "a/../../../x"],
  ])("gitops.path %j with %j is refused", (path, file) => {
    const c = { ...config, gitops: { ...config.gitops, path } };
    expect(() => gitopsPath(c, file)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
  it("and scaffold refuses a preview.valuesFile outside before writing anything", () => {
    const c = { ...config, preview: { ...config.preview, valuesFile: "../../outside.yaml" } };
    expect(() => scaffold(c)).toThrow(/must not contain \.\./);
  });
});

describe("committed files never carry a URL's credentials", () => {
  it("applicationYaml drops the user info of gitops.repo", () => {
    const c = { ...config, gitops: { ...config.gitops, repo: "https://bot:s3cret@git.example/x.git" } };
    const text = applicationYaml(c, {
      name: "shop-pr-1",
      namespace: "preview-1",
      valueFiles: [],
      targetRevision: "1.0.0",
    });
    expect(text).not.toContain("s3cret");
    expect(text).toContain("repoURL: https://git.example/x.git");
  });
});

describe("parsePromotionCommit reads trailers from the trailer block only", () => {
  const commit = (message: string) => ({ sha: "a".repeat(40), author: "bot", date: "2026-01-01", message });
  it("reads a real promotion", () => {
    expect(parsePromotionCommit(commit(promotionMessage("shop", input)), "shop")).toMatchObject({
      environment: "staging",
      version: "1.2.3",
      rollback: false,
    });
  });
  it.each([
    ["trailers only in the subject", "Pipeline-App: shop\nPipeline-Env: staging\nPipeline-Version: 1.0.0"],
    [
      "a repeated Pipeline-Env",
      "x\n\nPipeline-App: shop\nPipeline-Env: staging\nPipeline-Env: prod\nPipeline-Version: 1.0.0",
    ],
    [
      "a rollback trailer repeated",
      `${promotionMessage("shop", input)}Pipeline-Rollback: true\nPipeline-Rollback: true\n`,
    ],
    [
      "a version with terminal escapes",
      "x\n\nPipeline-App: shop\nPipeline-Env: staging\nPipeline-Version: 1.0\u001b[31m",
    ],
    ["a version with shell text", "x\n\nPipeline-App: shop\nPipeline-Env: staging\nPipeline-Version: $(id)"],
    [
      "a chart version that is not semver",
      "x\n\nPipeline-App: shop\nPipeline-Env: staging\nPipeline-Version: 1.0.0\nPipeline-Chart-Version: latest",
    ],
  ])("ignores %s", (_name, message) => {
    const entry = parsePromotionCommit(commit(message), "shop");
    expect(entry?.rollback ?? false).toBe(false);
    if (_name !== "a rollback trailer repeated") expect(entry).toBeNull();
  });
});

describe("git children's limits", () => {
  it.each([
    [undefined, 300],
    ["", 300],
    ["1", 1],
    ["3600", 3600],
  ])("PIPELINE_GIT_TIMEOUT=%j gives %s s", (value, seconds) => {
    expect(gitTimeoutSeconds({ PIPELINE_GIT_TIMEOUT: value })).toBe(seconds);
  });
  it.each(["0", "abc", "-1", "3601", "1e3", "10 ", "NaN"])("PIPELINE_GIT_TIMEOUT=%j is refused", (value) => {
    expect(() => gitTimeoutSeconds({ PIPELINE_GIT_TIMEOUT: value })).toThrow(
      expect.objectContaining({ exitCode: 2 }),
    );
  });
  it.each([
    [["clone", "--", "url", "dir"], "clone"],
    [["-c", "user.name=x", "-c", "user.email=y", "commit", "-F", "f"], "commit"],
    [["https://bot:s3cret@host/x.git"], "command"],
  ])("names %j by its subcommand %s, never by an argument", (args, sub) => {
    expect(subcommandOf(args)).toBe(sub);
  });
});
