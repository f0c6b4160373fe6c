/**
 * The module's CLI container (src/module/cli-container.ts) built on the host from what the engine
 * really gives the module: dagger/'s package.json as the TypeScript runtime rewrites it (no
 * `@dagger.io/dagger`), the unchanged lockfile and the files the container copies, then the
 * container's exact argv (core/tools/pipeline-cli.ts CLI_BUILD), then the CLI it produced.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_BUILD, cliInvocation, isCliSource } from "../../src/core/tools/pipeline-cli.js";
import { git, repoWithFiles } from "../support/git.js";
import { runtimePackageJson } from "../support/module-runtime.js";
import { removeTempDirs, tempDir } from "../support/temp.js";

afterAll(removeTempDirs);

const dagger = resolve(import.meta.dirname, "../..");

/** The module's source as the engine loads it: dagger/'s files that git does not ignore. */
function moduleSourceFiles(): string[] {
  return execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
    cwd: dagger,
    encoding: "utf8",
  })
    .split("\0")
    .filter((f) => f && existsSync(join(dagger, f)));
}

/** Runs one of the container's argv in `cwd`, failing the test with the tool's output. */
function step(argv: readonly string[], cwd: string): void {
  const result = spawnSync(argv[0]!, argv.slice(1), { cwd, encoding: "utf8", timeout: 900_000 });
  if (result.status !== 0)
    throw new Error(`${argv.join(" ")} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
}

/** Every file TypeScript reaches from `entry` through imports (static and dynamic), relative to `root`. */
function importGraph(root: string, entry: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, "tsconfig.cli.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  )!;
  const program = ts.createProgram([join(root, entry)], config.options);
  return program
    .getSourceFiles()
    .map((f) => relative(root, f.fileName))
    .filter((f) => !f.startsWith("..") && !f.includes("node_modules"));
}

describe("the CLI container, built from the runtime's package.json on the host", () => {
  let build: string;
  const original = readFileSync(join(dagger, "package.json"), "utf8");

  beforeAll(() => {
    build = tempDir("pipeline-cli-container-");
    // What `dag.currentModule().source()` holds: the rewritten package.json, the lockfile as is.
    writeFileSync(join(build, "package.json"), runtimePackageJson(original));
    cpSync(join(dagger, "package-lock.json"), join(build, "package-lock.json"));
    step(CLI_BUILD.install, build);
    for (const file of moduleSourceFiles().filter(isCliSource)) {
      mkdirSync(dirname(join(build, file)), { recursive: true });
      cpSync(join(dagger, file), join(build, file));
    }
    step(CLI_BUILD.compile, build);
  }, 1_200_000);

  it("starts from a package.json without @dagger.io/dagger, otherwise dagger/'s own", () => {
    const rewritten = readFileSync(join(build, "package.json"), "utf8");
    expect(rewritten).not.toContain("@dagger.io/dagger");
    expect(rewritten).toBe(
      original
        .split("\n")
        .filter((l) => !l.includes('"@dagger.io/dagger"'))
        .join("\n"),
    );
  });

  it("installs production dependencies only: no devDependency, nothing native built", () => {
    const pkg = JSON.parse(original) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const name of Object.keys(pkg.devDependencies))
      expect(existsSync(join(build, "node_modules", name)), name).toBe(false);
    for (const name of Object.keys(pkg.dependencies))
      expect(existsSync(join(build, "node_modules", name)), name).toBe(true);
    const found = (readdirSync(join(build, "node_modules"), { recursive: true }) as string[]).filter(
      (f) => f.endsWith(".node") || f.endsWith("binding.gyp"),
    );
    expect(found).toEqual([]);
  });

  it("copies and compiles the CLI's files only: nothing of src/module or src/index.ts", () => {
    const emitted = readdirSync(join(build, "dist"), { recursive: true }) as string[];
    expect(emitted).toContain(join("bin", "pipeline.js"));
    expect(
      emitted.filter((f) => f.startsWith(join("src", "module")) || f === join("src", "index.js")),
    ).toEqual([]);
    expect(existsSync(join(build, "src", "module"))).toBe(false);
    expect(existsSync(join(build, "src", "index.ts"))).toBe(false);
  });

  it("builds a CLI that never imports the module: the import graph from bin/pipeline.ts, on the full tree", () => {
    const graph = importGraph(dagger, "bin/pipeline.ts");
    expect(graph).toContain(join("src", "cli", "main.ts"));
    expect(graph.filter((f) => f.startsWith(join("src", "module")) || f === join("src", "index.ts"))).toEqual(
      [],
    );
    // Everything the CLI imports is among the files the container copies.
    expect(graph.filter((f) => !isCliSource(f.split("\\").join("/")))).toEqual([]);
  });

  it("runs the CLI it built: --help", () => {
    const result = spawnSync(process.execPath, [join(build, CLI_BUILD.entry), "--help"], {
      encoding: "utf8",
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Usage: pipeline/);
    expect(result.stdout).toMatch(/\bplan\b/);
  });

  it("runs a real command the way the module does: plan --json over a small git repository", () => {
    const repo = repoWithFiles({
      "pipeline.yaml": "app: shop\nimage:\n  registry: registry.example.com/acme\n",
      "src/go.mod": "module example.com/shop\n\ngo 1.26\n",
      "src/cmd/api/main.go": "package main\n\nfunc main() {}\n",
    });
    const sha = git(repo, "rev-parse", "HEAD");
    const argv = cliInvocation(join(build, CLI_BUILD.entry), join(repo, "pipeline.yaml"), [
      "plan",
      "--ref",
      "refs/heads/main",
    ]);
    // CI variables of the machine running the tests must not reach the plan; nor npm's INIT_CWD.
    const env = { ...process.env };
    for (const name of ["INIT_CWD", "GITHUB_ACTIONS", "GITHUB_REF", "GITLAB_CI", "TAG_TYPE_OVERRIDE"])
      delete env[name];
    const result = spawnSync(argv[0] === "node" ? process.execPath : argv[0]!, argv.slice(1), {
      cwd: repo,
      env,
      encoding: "utf8",
    });
    expect(result.status, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as { event: { sha: string }; images: unknown[] };
    expect(plan.event.sha).toBe(sha);
    expect(plan.images.length).toBeGreaterThan(0);
  });
});
