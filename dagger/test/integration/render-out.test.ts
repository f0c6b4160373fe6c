/**
 * `render --out` never writes through a symlink and treats a bad output folder as the operator's
 * mistake: exit 2, one line naming the path, nothing written anywhere. Through the real CLI.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { makeApp } from "../support/gitops.js";
import { removeTempDirs, tempDir } from "../support/temp.js";

afterAll(removeTempDirs);

describe("render --out", () => {
  let app: ReturnType<typeof makeApp>;
  let written: string[];
  beforeAll(() => {
    app = makeApp("app: shop\nimage:\n  registry: r.example/acme\n");
    const out = join(tempDir(), "render");
    const clean = runCli(["render", "--out", out, "--json"], { cwd: app.dir });
    expect(clean.code, clean.stderr).toBe(0);
    written = (JSON.parse(clean.stdout) as { files: string[] }).files;
    expect(written.length).toBeGreaterThan(3);
  });

  const render = (out: string) => runCli(["render", "--out", out], { cwd: app.dir });
  const refused = (result: ReturnType<typeof render>, why: RegExp) => {
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(why);
    expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(result.stdout).toBe("");
  };

  it("refuses an output folder that is a symlink to a folder outside the repository", () => {
    const outside = tempDir("outside-");
    const link = join(tempDir(), "render-link");
    symlinkSync(outside, link);
    refused(render(link), /render-link is a symlink; render writes only into real folders/);
    expect(readdirSync(outside)).toEqual([]);
  });

  it("refuses a symlinked folder on the way inside the repository (a committed .out)", () => {
    const outside = tempDir("outside-");
    symlinkSync(outside, join(app.dir, ".out"));
    try {
      refused(render(".out/render"), /\.out is a symlink/);
      expect(readdirSync(outside)).toEqual([]);
    } finally {
      rmSync(join(app.dir, ".out"));
    }
  });

  it("refuses a symlinked file or subfolder inside the output folder, writing nothing", () => {
    const out = join(tempDir(), "render");
    mkdirSync(out);
    const victim = join(tempDir("outside-"), "victim.txt");
    writeFileSync(victim, "keep me\n");
    const file = written.find((f) => !f.includes("/"))!;
    symlinkSync(victim, join(out, file));
    refused(render(out), new RegExp(`${file.replace(".", "\\.")} is a symlink`));
    expect(readFileSync(victim, "utf8")).toBe("keep me\n");
    expect(readdirSync(out)).toEqual([file]);

    const sub = written.find((f) => f.includes("/"))!.split("/")[0]!;
    const out2 = join(tempDir(), "render");
    mkdirSync(out2);
    const elsewhere = tempDir("outside-");
    symlinkSync(elsewhere, join(out2, sub));
    refused(render(out2), new RegExp(`/${sub} is a symlink`));
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(readdirSync(out2)).toEqual([sub]);
  });

  it.each([
    ["/dev/null", "/dev/null", /\/dev\/null is not a folder/],
    ["a regular file", "FILE", /plain\.txt is not a folder/],
    ["a path under a regular file", "FILE/render", /plain\.txt is not a folder/],
  ])("refuses --out %s as the operator's mistake (exit 2)", (_name, target, why) => {
    const file = join(tempDir(), "plain.txt");
    writeFileSync(file, "x");
    refused(render(target.replace("FILE", file)), why);
    expect(readFileSync(file, "utf8")).toBe("x");
  });

  it("writes into a new folder, and again over its own files", () => {
    const out = join(tempDir(), "a", "b");
    expect(render(out).code).toBe(0);
    expect(render(out).code).toBe(0);
    for (const file of written) expect(existsSync(join(out, file)), file).toBe(true);
  });
});
