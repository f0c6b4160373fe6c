/** Our tar.gz and zip writers, read back by the real tar and unzip. */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { crc32, writeTarGz, writeZip } from "../../src/adapters/release/archive-writer.js";
import { removeTempDirs, tempDir } from "../support/temp.js";

afterAll(removeTempDirs);

const MTIME = Date.UTC(2026, 10, 25, 12, 30, 0) / 1000;
const binary = Buffer.alloc(200_000, 7);
binary.write("#!/bin/sh\necho hello\n");
const files = [
  { path: "README.md", mode: 0o644, data: Buffer.from("# hello\n") },
  { path: "hello", mode: 0o755, data: binary },
  {
    path: "docs/usage/a-long-folder-name-that-goes-on/and-on-and-on/until-it-passes/one-hundred-bytes.md",
    mode: 0o644,
    data: Buffer.from("x"),
  },
  { path: "empty", mode: 0o644, data: Buffer.alloc(0) },
];

function write(name: string, bytes: Buffer): string {
  const dir = tempDir("pipeline-archive-");
  writeFileSync(join(dir, name), bytes);
  return dir;
}

describe("the archive writers", () => {
  it("write a tar.gz that tar lists sorted, with modes, sizes and the fixed time, and extracts exactly", () => {
    const dir = write("a.tar.gz", writeTarGz(files, MTIME));
    const listing = execFileSync("tar", ["-tvzf", join(dir, "a.tar.gz"), "--utc", "--numeric-owner"], {
      encoding: "utf8",
    });
    const lines = listing.trim().split("\n");
    expect(lines.map((l) => l.split(/\s+/).slice(-1)[0])).toEqual([...files.map((f) => f.path)].sort());
    expect(lines.find((l) => l.endsWith(" hello"))).toMatch(
      /^-rwxr-xr-x 0\/0 +200000 2026-11-25 12:30 hello$/,
    );
    const out = join(dir, "out");
    mkdirSync(out);
    execFileSync("tar", ["-xzf", join(dir, "a.tar.gz"), "-C", out]);
    for (const f of files) expect(readFileSync(join(out, f.path)).equals(f.data)).toBe(true);
  });

  it("write a zip that unzip tests, extracts exactly and keeps the executable bit", () => {
    const dir = write("a.zip", writeZip(files, MTIME));
    execFileSync("unzip", ["-tq", join(dir, "a.zip")]);
    const out = join(dir, "out");
    execFileSync("unzip", ["-q", join(dir, "a.zip"), "-d", out]);
    for (const f of files) expect(readFileSync(join(out, f.path)).equals(f.data)).toBe(true);
    expect(statSync(join(out, "hello")).mode & 0o777).toBe(0o755);
    const info = execFileSync("zipinfo", ["-T", join(dir, "a.zip")], { encoding: "utf8" });
    expect(info).toMatch(/-rwxr-xr-x .* defN 20261125\.123000 hello/);
  });

  it("are reproducible: the same files in any order give the same bytes", () => {
    const reversed = [...files].reverse();
    expect(writeTarGz(reversed, MTIME).equals(writeTarGz(files, MTIME))).toBe(true);
    expect(writeZip(reversed, MTIME).equals(writeZip(files, MTIME))).toBe(true);
    expect(writeZip(files, MTIME + 2).equals(writeZip(files, MTIME))).toBe(false);
  });

  it("refuse entries that would leave the archive's folder", () => {
    for (const path of ["../x", "/etc/passwd", "a//b", ""]) {
      expect(() => writeTarGz([{ path, mode: 0o644, data: Buffer.from("") }], MTIME)).toThrow(
        /relative path/,
      );
      expect(() => writeZip([{ path, mode: 0o644, data: Buffer.from("") }], MTIME)).toThrow(/relative path/);
    }
  });

  it("compute CRC-32 as zip defines it", () => {
    expect(crc32(Buffer.from("123456789")).toString(16)).toBe("cbf43926");
  });
});
