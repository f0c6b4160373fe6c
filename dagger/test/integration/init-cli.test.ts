import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { git, repoWithFiles } from "../support/git.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool, skipWithout } from "../support/tools.js";

afterAll(removeTempDirs);

const MAIN = "package main\n\nfunc main() {}\n";
const MODULE = "github.com/acme/pipeline@v1.4.0";

/** A service like the issue's: module at the root, two binaries, a version package, charts/, ui/, master. */
function service(): string {
  const work = repoWithFiles({
    "go.mod": "module github.com/acme/shop\n\ngo 1.23\n",
    "cmd/shop/main.go": MAIN,
    "cmd/shopctl/main.go": MAIN,
    "pkg/version/version.go": 'package version\n\nvar (\n\tVERSION  = "dev"\n\tREVISION string\n)\n',
    "charts/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
    "charts/shop/values.yaml": 'image:\n  repository: ghcr.io/acme/shop\n  tag: ""\n',
    "ui/index.html": "<p>shop</p>\n",
  });
  git(work, "branch", "-m", "main", "master");
  // origin/HEAD -> master, as a clone of a repository whose default branch is master has it.
  const bare = tempDir("pipeline-origin-");
  git(bare, "init", "-q", "--bare", "-b", "master");
  git(work, "remote", "add", "origin", bare);
  git(work, "push", "-q", "origin", "master");
  git(work, "remote", "set-head", "origin", "master");
  return work;
}

describe("pipeline init", () => {
  it("writes pipeline.yaml, environments and workflows that config check and plan accept", () => {
    const repo = service();
    const result = runCli(["init", "--module", MODULE], { cwd: repo });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("wrote pipeline.yaml");
    expect(result.stdout).toContain("default branch: master");
    const config = readFileSync(join(repo, "pipeline.yaml"), "utf8");
    expect(config).toContain("defaultBranch: master");
    expect(config).toContain("-X github.com/acme/shop/pkg/version.VERSION={{.Version}}");
    expect(config).toContain("values: image");

    const check = runCli(["config", "check", "--json"], { cwd: repo });
    expect(check.code).toBe(0);
    const resolved = JSON.parse(check.stdout);
    expect(resolved.binaries.map((b: { name: string }) => b.name)).toEqual(["shop", "shopctl"]);
    // Only what init can't know: the gitops repository.
    expect(resolved.warnings.map((w: { message: string }) => w.message).join("\n")).toMatch(
      /gitops\.repo is empty/,
    );
    expect(resolved.warnings.every((w: { key: string }) => w.key.startsWith("rules["))).toBe(true);

    const plan = runCli(["plan", "--json"], { cwd: repo });
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout).rule).toBe("master");
  });

  it("writes workflows actionlint accepts, each calling the module on --source .", () => {
    if (skipWithout("actionlint")) return;
    const repo = service();
    expect(runCli(["init", "--module", MODULE], { cwd: repo }).code).toBe(0);
    const files = ["pipeline.yaml", "pipeline-pr.yaml", "pipeline-promote.yaml"].map((f) =>
      join(repo, ".github/workflows", f),
    );
    execFileSync(findTool("actionlint")!, files, { cwd: repo, stdio: "pipe" });
    for (const file of files) expect(readFileSync(file, "utf8")).toContain(`module: ${MODULE}`);
  });

  it("refuses to write through a symlink, even with --force", () => {
    const repo = service();
    const outside = tempDir("pipeline-outside-");
    symlinkSync(outside, join(repo, ".github"));
    const result = runCli(["init", "--module", MODULE, "--force"], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/\.github: is a symlink/);
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(join(repo, "pipeline.yaml"))).toBe(false);
  });

  it("never overwrites without --force: exit 2, one line, nothing written", () => {
    const repo = service();
    writeFileSync(join(repo, "pipeline.yaml"), "app: mine\n");
    const result = runCli(["init", "--module", MODULE], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("pipeline.yaml already exists; nothing written (pass --force");
    expect(readFileSync(join(repo, "pipeline.yaml"), "utf8")).toBe("app: mine\n");
    expect(git(repo, "status", "--porcelain")).toBe("?? pipeline.yaml");

    const forced = runCli(["init", "--module", MODULE, "--force", "--dir", repo], { cwd: tempDir() });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain("wrote pipeline.yaml (overwritten)");
    expect(readFileSync(join(repo, "pipeline.yaml"), "utf8")).toContain("app: shop");
  });
});
