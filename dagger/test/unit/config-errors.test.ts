import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/adapters/config-file.js";
import { resolveConfig } from "../../src/core/config.js";
import { UsageError } from "../../src/core/errors.js";

function messageOf(yaml: string): string {
  try {
    resolveConfig(parseConfigText(yaml, "pipeline.yaml"), "pipeline.yaml", ["api"]);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("expected a usage error");
}

describe("config errors", () => {
  it("reports every schema problem of a file at once (unknown keys first), on one line", () => {
    const message = messageOf(
      [
        "app: Bad_Name",
        "platfroms: [linux/amd64]",
        "coverage: { minimum: 200 }",
        "chart: { kubernetesVersion: x }",
      ].join("\n"),
    );
    expect(message).toMatch(
      /^pipeline\.yaml: 4 problems: \(1\) platfroms: unknown key \(did you mean "platforms"\?\)/,
    );
    expect(message).toContain("(2) app: ");
    expect(message).toContain("coverage.minimum: must be at most 100");
    expect(message).toContain("chart.kubernetesVersion: ");
    expect(message).not.toContain("\n");
  });

  it("reports problems in list items and map values together", () => {
    const message = messageOf(
      [
        "app: x",
        "platforms: [linux/s390x, linux/mips]",
        "environments: { staging: { promotion: sometimes } }",
      ].join("\n"),
    );
    expect(message).toContain("3 problems");
    expect(message).toContain("platforms[0]: must be one of");
    expect(message).toContain("platforms[1]: must be one of");
    expect(message).toContain("environments.staging.promotion: must be one of auto, manual");
  });

  it("reports every problem of binaries, environments and rules at once too", () => {
    const message = messageOf(
      [
        "app: x",
        "go: { binaries: { ghost: {} } }",
        "environments: { staging: {} }",
        "rules: [{ name: a, stages: [promote] }, { name: b, stages: [promote], promote: uat }]",
      ].join("\n"),
    );
    expect(message).toMatch(/^pipeline\.yaml: 3 problems: \(1\) go\.binaries\.ghost: no such binary/);
    expect(message).toContain(
      "(2) rules[0].promote: a rule with the promote stage must name its environment",
    );
    expect(message).toContain('(3) rules[1].promote: unknown environment "uat"; known: staging');
  });

  it("keeps today's message for a single problem", () => {
    expect(messageOf("app: x\ncoverage: { minimum: 200 }")).toBe(
      "pipeline.yaml: coverage.minimum: must be at most 100 (example: 70)",
    );
  });

  it("names the line and column of a YAML syntax error", () => {
    expect(messageOf("app: x\nimage:\n  registry: [unclosed\n")).toMatch(
      /^pipeline\.yaml:\d+:\d+: not valid YAML/,
    );
  });

  it("still refuses a missing app", () => {
    expect(messageOf("image: {}")).toBe("pipeline.yaml: app: is required (example: sample-app)");
  });
});
