import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { removeTempDirs, tempDir } from "../support/temp.js";

afterAll(removeTempDirs);

/** A repo with a Go module at the root, one binary, and a chart reading image.repository/image.tag. */
function repo(config: string): string {
  const dir = tempDir();
  const write = (path: string, text: string) => {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  write("go.mod", "module example.com/shop\n\ngo 1.26\n");
  write("cmd/shop/main.go", "package main\n\nfunc main() {}\n");
  write("charts/shop/Chart.yaml", "apiVersion: v2\nname: shop\nversion: 0.1.0\n");
  write("charts/shop/values.yaml", 'image:\n  repository: shop\n  tag: ""\n');
  write("pipeline.yaml", config);
  return dir;
}

const GOOD = [
  "app: shop",
  "go: { source: . }",
  "chart: { path: charts/shop }",
  "gitops: { repo: https://git.example/gitops.git }",
  "images: { shop: { binaries: { shop: /app/shop }, values: image } }",
  "",
].join("\n");

describe("pipeline config check warnings", () => {
  it("says ok with no warning when everything the config names exists", () => {
    const result = runCli(["config", "check"], { cwd: repo(GOOD) });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/pipeline\.yaml: ok\n/);
  });

  it("reports warnings with the result and exits 0 for go.source: nope and chart.path: nowhere", () => {
    // Without images: an image naming a binary that isn't there is an error, not a warning.
    const dir = repo(
      GOOD.replace("source: .", "source: nope")
        .replace("path: charts/shop", "path: nowhere")
        .replace(/images: .*\n/, ""),
    );
    const result = runCli(["config", "check"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout.split("\n").slice(0, 4)).toEqual([
      expect.stringMatching(/pipeline\.yaml: ok, 3 warning\(s\)$/),
      "warning: go.source: nope: no such folder in the repository",
      "warning: chart.path: nowhere: no such folder in the repository",
      expect.stringMatching(/^warning: go\.binaries: no binaries found/),
    ]);
  });

  it("warns about a values key the chart doesn't have and a promoting rule without gitops.repo", () => {
    const dir = repo(GOOD.replace("values: image", "values: server.image").replace(/gitops: .*\n/, ""));
    const result = runCli(["config", "check", "--json"], { cwd: dir });
    expect(result.code).toBe(0);
    const warnings = JSON.parse(result.stdout).warnings as { key: string }[];
    expect(warnings.map((w) => w.key)).toEqual(["images.shop.values", "rules[1]", "rules[4]", "rules[7]"]);
  });

  it("makes the warnings one usage error with --strict (exit 2, nothing on stdout)", () => {
    const dir = repo(GOOD.replace("source: .", "source: nope").replace(/images: .*\n/, ""));
    const result = runCli(["config", "check", "--strict"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(
      /2 warnings: go\.source: nope: no such folder.*go\.binaries: .*\(--strict\)/,
    );
  });

  it("passes --strict when there is nothing to warn about", () => {
    expect(runCli(["config", "check", "--strict"], { cwd: repo(GOOD) }).code).toBe(0);
  });
});
