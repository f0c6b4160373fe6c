import { describe, expect, it } from "vitest";
import { DEFAULT_RULES, resolveConfig } from "../../src/core/config/config.js";
import { UsageError } from "../../src/core/errors.js";

const binaries = ["api", "migrator", "worker"];
const resolve = (raw: unknown) => resolveConfig(raw, "pipeline.yaml", binaries);

describe("resolveConfig", () => {
  it("fills every default from a minimal file", () => {
    const config = resolve({ app: "sample-app" });
    expect(config.platforms).toEqual(["linux/amd64", "linux/arm64"]);
    expect(config.binaries.map((b) => b.name)).toEqual(["api", "migrator", "worker"]);
    expect(config.binaries.every((b) => b.image && b.platforms.length === 2)).toBe(true);
    expect(config.go).toEqual({
      source: "src",
      version: "1.26",
      ldflagsPackage: "main",
      ldflags: "-s -w -X main.version={{.Version}} -X main.commit={{.Commit}}",
      tags: [],
      env: {},
      cgo: false,
      private: [],
    });
    expect(Object.keys(config.environments)).toEqual(["staging", "uat", "prod"]);
    expect(config.environments.prod).toMatchObject({
      promotion: "manual",
      verify: true,
      namespace: "sample-app-prod",
    });
    expect(config.rules).toEqual(DEFAULT_RULES);
    expect(config.latest).toEqual({ strategy: "auto", majorMinor: false });
    expect(config.coverage.minimum).toBe(60);
    expect(config.preview.namespace).toBe("preview-{pr}");
  });

  it("applies per-binary overrides", () => {
    const config = resolve({
      app: "a",
      go: { binaries: { worker: { platforms: ["linux/amd64"] }, migrator: { image: false } } },
    });
    expect(config.binaries.find((b) => b.name === "worker")?.platforms).toEqual(["linux/amd64"]);
    expect(config.binaries.find((b) => b.name === "migrator")?.image).toBe(false);
  });

  it.each([
    [
      "a wrong type",
      { app: "a", coverage: { minimum: "high" } },
      /^pipeline\.yaml: coverage\.minimum: must be a number, got string "high" \(example: 70\)$/,
    ],
    [
      "an unknown key",
      { app: "a", platfroms: ["linux/amd64"] },
      /^pipeline\.yaml: platfroms: unknown key \(did you mean "platforms"\?\)/,
    ],
    [
      "a bad platform",
      { app: "a", platforms: ["linux/amd64", "windows/386"] },
      /^pipeline\.yaml: platforms\[1\]: must be one of linux\/amd64, linux\/arm64, linux\/arm\/v7/,
    ],
    ["a missing app", {}, /^pipeline\.yaml: app: is required \(example: sample-app\)$/],
    [
      "an app that is not a DNS label",
      { app: "Sample_App" },
      /^pipeline\.yaml: app: "Sample_App" is not a lowercase DNS label/,
    ],
    [
      "an unknown binary override",
      { app: "a", go: { binaries: { cli: {} } } },
      /go\.binaries\.cli: no such binary under src\/cmd \(found: api, migrator, worker\)/,
    ],
    [
      "a rule promoting to an unknown environment",
      { app: "a", rules: [{ name: "x", stages: ["promote"], promote: "qa" }] },
      /rules\[0\]\.promote: unknown environment "qa"/,
    ],
    [
      "a chart registry without oci://",
      { app: "a", chart: { registry: "ghcr.io/x" } },
      /chart\.registry: "ghcr\.io\/x" is not an oci:\/\/ URL/,
    ],
    [
      "an unknown stage",
      { app: "a", rules: [{ name: "x", stages: ["deploy"] }] },
      /rules\[0\]\.stages\[0\]: must be one of lint, test/,
    ],
  ])("rejects %s with one message naming the key path", (_name, raw, message) => {
    expect(() => resolve(raw)).toThrow(UsageError);
    expect(() => resolve(raw)).toThrow(message);
  });
});
