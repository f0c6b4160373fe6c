import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_ENTRY } from "../support/cli.js";
import { pushTestImage } from "../support/images.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";

const dagger = resolve(import.meta.dirname, "../..");
const BUNDLE = join(dagger, "dist/cli/pipeline.mjs");

/** Runs an entry with `args` in `cwd`, as `npm run pipeline` would. */
function run(entry: string, args: string[], cwd: string) {
  const env = { ...process.env };
  delete env.INIT_CWD;
  const result = spawnSync(process.execPath, [entry, ...args], {
    cwd,
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the bundled CLI (dist/cli/pipeline.mjs, what npm run pipeline runs)", () => {
  let registry: TestRegistry;
  let cwd: string;
  beforeAll(async () => {
    execFileSync(process.execPath, ["scripts/cli-bundle.mjs", "--if-stale"], {
      cwd: dagger,
      stdio: "inherit",
    });
    registry = await startRegistry();
    cwd = mkdtempSync(join(tmpdir(), "cli-bundle-"));
  }, 120_000);
  afterAll(async () => {
    await registry?.remove();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it("lists every command tsc's build lists, with the same help", () => {
    const bundled = run(BUNDLE, ["--help"], cwd);
    expect(bundled.code, bundled.stderr).toBe(0);
    expect(bundled.stdout).toBe(run(CLI_ENTRY, ["--help"], cwd).stdout);
    expect(run(BUNDLE, ["manifest", "--help"], cwd).stdout).toMatch(/merge-all/);
  });

  it("merges over the network and exits with the CLI's codes (CommonJS dependencies load)", async () => {
    for (const architecture of ["amd64", "arm64"])
      await pushTestImage(registry.host, { repository: "app", tag: `1.0.0-${architecture}`, architecture });
    const sources = ["amd64", "arm64"].map((a) => `${registry.host}/app:1.0.0-${a}`);
    const merged = run(
      BUNDLE,
      ["manifest", "merge", `${registry.host}/app:1.0.0`, ...sources, "--json"],
      cwd,
    );
    expect(merged.code, merged.stderr).toBe(0);
    expect(JSON.parse(merged.stdout)).toMatchObject({
      changed: true,
      platforms: ["linux/amd64", "linux/arm64"],
    });
    const missing = run(
      BUNDLE,
      ["manifest", "merge", `${registry.host}/app:2`, `${registry.host}/app:nope`],
      cwd,
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^pipeline: .*app:nope: no such image/);
    expect(run(BUNDLE, ["no-such-command"], cwd).code).toBe(2);
  });
});
