import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findHostTool, pathWith, requireTools } from "../../src/adapters/runners/host/tools.js";
import { MissingToolError } from "../../src/core/errors.js";
import { outputTail as tail } from "../../src/core/tools/output.js";

const bin = mkdtempSync(join(tmpdir(), "pipeline-tools-"));
writeFileSync(join(bin, "helm"), "#!/bin/sh\n");
chmodSync(join(bin, "helm"), 0o755);
afterAll(() => rmSync(bin, { recursive: true, force: true }));

describe("host tools", () => {
  it("finds a tool on PATH and puts its directory first for the commands that need it", () => {
    const saved = process.env.PATH;
    process.env.PATH = `/nowhere:${bin}`;
    try {
      expect(findHostTool("helm")).toBe(join(bin, "helm"));
      expect(findHostTool("kubeconform")).toBeUndefined();
      expect(pathWith({ helm: join(bin, "helm") })).toBe(`${bin}:/nowhere`);
    } finally {
      process.env.PATH = saved;
    }
  });

  it("names every missing tool and how to install it, as a missing-tool error (exit 3)", () => {
    const saved = process.env.PATH;
    process.env.PATH = bin;
    try {
      requireTools("chart-lint", ["helm", "kubeconform"]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MissingToolError);
      expect((error as MissingToolError).exitCode).toBe(3);
      expect((error as Error).message).toBe(
        "chart-lint needs kubeconform: go install github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0",
      );
    } finally {
      process.env.PATH = saved;
    }
  });

  it("keeps the last lines of a tool's output, shortened, for a one-screen failure", () => {
    const output = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n");
    expect(tail(output, 2)).toBe("  line 28\n  line 29");
    expect(tail(`${"x".repeat(300)}\n\n`)).toBe(`  ${"x".repeat(240)}...`);
  });
});
