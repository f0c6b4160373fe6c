import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { removeTempDirs, tempDir } from "../support/temp.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
afterAll(removeTempDirs);

function repoWithConfig(text: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, "pipeline.yaml"), text);
  return dir;
}

describe("pipeline config check", () => {
  it("accepts the repo's own pipeline.yaml and prints the resolved config", () => {
    const result = runCli(["config", "check"], { cwd: repoRoot });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/pipeline\.yaml: ok/);
    expect(result.stdout).toMatch(/binaries\s+api, migrator, worker/);
  });

  it("prints the resolved config as JSON with --json", () => {
    const result = runCli(["config", "check", "--json"], { cwd: repoRoot });
    expect(result.code).toBe(0);
    const config = JSON.parse(result.stdout);
    expect(config.app).toBe("sample-app");
    expect(config.binaries.map((b: { name: string }) => b.name)).toEqual(["api", "migrator", "worker"]);
  });

  it("lists the commands with one-line descriptions in --help", () => {
    const result = runCli(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/config\s+Validate pipeline\.yaml/);
  });

  it.each([
    ["a wrong type", "app: a\ncoverage:\n  minimum: high\n", "coverage.minimum"],
    ["an unknown key", "app: a\nplatfroms: [linux/amd64]\n", "platfroms"],
    ["a bad platform", "app: a\nplatforms: [windows/amd64]\n", "platforms[0]"],
    ["broken YAML", "app: [a\n", "pipeline.yaml:"],
  ])("exits 2 with one line on stderr and nothing on stdout for %s", (_name, text, keyPath) => {
    const dir = repoWithConfig(text);
    const result = runCli(["config", "check"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(keyPath);
    expect(result.stderr).toContain(join(dir, "pipeline.yaml"));
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("names three mistakes of images, archives and test in one run, exits 2 and writes nothing", () => {
    const dir = repoWithConfig(
      [
        "app: a",
        "go: { source: . }",
        "images: { web: { binaries: { ghost: /app/ghost } } }",
        "archives: [{ binaries: [gone] }]",
        "test: { services: { db: { image: 'redis:7' } } }",
        "",
      ].join("\n"),
    );
    for (const args of [["config", "check"], ["plan"], ["render", "--out", "rendered"]]) {
      const result = runCli(args, { cwd: dir });
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toContain("3 problems: (1) images.web.binaries.ghost: no such binary");
      expect(result.stderr).toContain("(2) test.services.db.ports:");
      expect(result.stderr).toContain("(3) archives[0].binaries[0]: no such binary");
    }
    expect(existsSync(join(dir, "rendered"))).toBe(false);
  });

  it.each([
    ["the chart's kubeVersion", "app: a\n", ">=1.27.0-0", "1.27.0"],
    [
      "pipeline.yaml's kubernetesVersion first",
      "app: a\nchart: { kubernetesVersion: 1.30.2 }\n",
      ">=1.27.0-0",
      "1.30.2",
    ],
    ["the default when the chart admits any version", "app: a\n", "<1.40.0", "1.31.0"],
  ])("checks the chart at %s", (_name, config, kubeVersion, expected) => {
    const dir = repoWithConfig(config);
    mkdirSync(join(dir, "helm", "sample-app"), { recursive: true });
    writeFileSync(
      join(dir, "helm", "sample-app", "Chart.yaml"),
      `apiVersion: v2\nname: a\nversion: 0.1.0\nkubeVersion: "${kubeVersion}"\n`,
    );
    const result = runCli(["config", "check", "--json"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).chart.kubernetesVersion).toBe(expected);
  });

  it("finds pipeline.yaml given with --config from anywhere", () => {
    const result = runCli(["--config", join(repoRoot, "pipeline.yaml"), "config", "check"], {
      cwd: tempDir(),
    });
    expect(result.code).toBe(0);
  });
});
