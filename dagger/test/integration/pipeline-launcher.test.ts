/**
 * `npm run pipeline` as the README calls it, in a copy of the product (its own dist/, the real
 * node_modules linked): concurrent calls on a fresh checkout and right after a source change all
 * succeed, one of them builds, and later calls run the built CLI without building.
 */
import { spawn } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git } from "../support/git.js";
import { removeTempDirs, tempDir } from "../support/temp.js";

const dagger = resolve(import.meta.dirname, "../..");
const repoRoot = resolve(dagger, "..");
const REBUILD = /rebuilding the CLI/;

interface Call {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run pipeline -- <args>` in `cwd`, as a user types it. */
function npmPipeline(cwd: string, args: string[]): Promise<Call> {
  return new Promise((done) => {
    const env: Record<string, string | undefined> = { ...process.env };
    // The outer npm (vitest's) must not leak its caller's directory or config into this one.
    for (const name of Object.keys(env)) if (/^npm_/i.test(name) || name === "INIT_CWD") delete env[name];
    const child = spawn("npm", ["run", "--silent", "pipeline", "--", ...args], { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}

/** Six calls at once; resolves when all have exited. */
const sixAtOnce = (cwd: string) =>
  Promise.all(Array.from({ length: 6 }, () => npmPipeline(cwd, ["version"])));

describe("npm run pipeline (bin/launch.mjs over the bundle)", () => {
  let root: string;
  beforeAll(() => {
    // A repository like this one: the root package.json and the product's sources, no dist/.
    root = tempDir("pipeline-launcher-");
    cpSync(join(repoRoot, "package.json"), join(root, "package.json"));
    writeFileSync(join(root, "pipeline.yaml"), "app: shop\n");
    mkdirSync(join(root, "src/cmd/api"), { recursive: true });
    writeFileSync(join(root, "src/cmd/api/main.go"), "package main\n\nfunc main() {}\n");
    const copy = join(root, "dagger");
    for (const path of ["src", "bin", "scripts", "package.json", "package-lock.json", "tsconfig.json"])
      cpSync(join(dagger, path), join(copy, path), { recursive: true });
    symlinkSync(join(dagger, "node_modules"), join(copy, "node_modules"));
    git(root, "init", "-q", "-b", "main");
    git(root, "add", "pipeline.yaml", "src");
    git(root, "commit", "-q", "-m", "initial");
  });
  afterAll(removeTempDirs);

  it("six concurrent calls on a fresh checkout all succeed, and exactly one builds", async () => {
    const calls = await sixAtOnce(root);
    for (const call of calls) {
      expect(call.code, call.stderr).toBe(0);
      expect(call.stdout.trim()).toBe("0.1.0-main.1");
    }
    expect(calls.filter((c) => REBUILD.test(c.stderr))).toHaveLength(1);
  });

  it("six concurrent calls right after a source change all succeed, one rebuilds, and later calls do not", async () => {
    const file = join(root, "dagger/src/cli/commands/version.ts");
    appendFileSync(file, "\n// a change the bundle must pick up\n");
    const before = readFileSync(join(root, "dagger/dist/cli/stamp.json"), "utf8");
    const calls = await sixAtOnce(root);
    for (const call of calls) {
      expect(call.code, call.stderr).toBe(0);
      expect(call.stdout.trim()).toBe("0.1.0-main.1");
    }
    expect(calls.filter((c) => REBUILD.test(c.stderr))).toHaveLength(1);
    expect(readFileSync(join(root, "dagger/dist/cli/stamp.json"), "utf8")).not.toBe(before);
    const later = await npmPipeline(root, ["version"]);
    expect(later.code, later.stderr).toBe(0);
    expect(later.stderr).not.toMatch(REBUILD);
  });

  it("a touch that changes no byte does not rebuild", async () => {
    const file = join(root, "dagger/src/cli/commands/version.ts");
    const later = new Date(Date.now() + 60_000);
    utimesSync(file, later, later);
    const call = await npmPipeline(root, ["version"]);
    expect(call.code, call.stderr).toBe(0);
    expect(call.stderr).not.toMatch(REBUILD);
  });
});
