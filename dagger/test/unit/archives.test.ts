import { describe, expect, it } from "vitest";
import { resolveArchives } from "../../src/core/config/archives-section.js";
import { resolveConfig } from "../../src/core/config/config.js";
import { UsageError } from "../../src/core/errors.js";
import { buildCommand } from "../../src/core/go/commands.js";
import {
  archiveBuildCommands,
  assetName,
  defaultArchiveFiles,
  planArchives,
} from "../../src/core/release/archives.js";
import { parseChecksums, renderChecksums } from "../../src/core/release/checksums.js";
import { type CurrentAsset, reconcileAssets, sha256OfDigest } from "../../src/core/release/github-assets.js";

const context = {
  app: "sample-app",
  binaries: ["api", "cli", "worker"],
  platforms: ["linux/amd64", "linux/arm64"],
};

describe("archives: in pipeline.yaml", () => {
  it("defaults to one set of every binary on the config's platforms, windows as zip", () => {
    expect(resolveArchives(undefined, context, [])).toEqual([
      {
        name: "sample-app",
        binaries: ["api", "cli", "worker"],
        platforms: ["linux/amd64", "linux/arm64"],
        format: "tar.gz",
        formatOverrides: { windows: "zip" },
        files: null,
      },
    ]);
  });

  it("is read through resolveConfig, and validated by its schema", () => {
    const config = resolveConfig(
      {
        app: "sample-app",
        archives: [
          { name: "sample-cli", binaries: ["cli"], platforms: ["darwin/arm64"], files: ["LICENSE"] },
        ],
      },
      "pipeline.yaml",
      ["cli"],
    );
    expect(config.archives[0]).toMatchObject({
      name: "sample-cli",
      platforms: ["darwin/arm64"],
      files: ["LICENSE"],
    });
    expect(() =>
      resolveConfig({ app: "a", archives: [{ platforms: ["plan9/amd64"] }] }, "pipeline.yaml", ["cli"]),
    ).toThrow(/archives\[0\]\.platforms\[0\]/);
    expect(() =>
      resolveConfig({ app: "a", archives: [{ files: ["../etc/passwd"] }] }, "pipeline.yaml", ["cli"]),
    ).toThrow(/archives\[0\]\.files\[0\]/);
  });

  it.each([
    [
      [{ binaries: ["nope"] }],
      /archives\[0\]\.binaries\[0\]: no such binary "nope" \(found: api, cli, worker\)/,
    ],
    [[{}, {}], /archives\[1\]\.name: "sample-app" is used by an earlier archive/],
    [[{ formatOverrides: { plan9: "zip" } }], /archives\[0\]\.formatOverrides\.plan9: not an OS/],
    [[{ binaries: [] }], /archives\[0\]\.binaries: an archive needs at least one binary/],
  ])("refuses %j with a problem naming the key", (raw, message) => {
    const problems: string[] = [];
    resolveArchives(raw as never, context, problems);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
    // Through resolveConfig, the same problem is a usage error naming the file.
    const attempt = () =>
      resolveConfig({ app: "sample-app", archives: raw }, "pipeline.yaml", context.binaries);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(new RegExp(`^pipeline.yaml: ${message.source}`));
  });
});

describe("the planned archives", () => {
  const [archive] = resolveArchives(
    [
      {
        name: "sample-cli",
        binaries: ["cli"],
        platforms: ["windows/amd64", "linux/arm/v7", "darwin/arm64"],
        formatOverrides: { darwin: "zip" },
      },
    ],
    context,
    [],
  );
  const planned = planArchives([archive!], { version: "1.2.0", defaultFiles: ["README.md", "LICENSE"] });

  it("name each archive by name, version, OS and arch, with the format of its OS", () => {
    expect(planned.map((p) => [p.file, p.format])).toEqual([
      ["sample-cli_1.2.0_darwin_arm64.zip", "zip"],
      ["sample-cli_1.2.0_linux_armv7.tar.gz", "tar.gz"],
      ["sample-cli_1.2.0_windows_amd64.zip", "zip"],
    ]);
  });

  it("hold the binary (.exe on windows) and the extra files, sorted, with their modes", () => {
    expect(planned[2]!.entries).toEqual([
      { source: "LICENSE", from: "repo", path: "LICENSE", mode: 0o644 },
      { source: "README.md", from: "repo", path: "README.md", mode: 0o644 },
      { source: "windows-amd64/cli.exe", from: "build", path: "cli.exe", mode: 0o755 },
    ]);
  });

  it("cross-compile each binary and platform once with the build stage's own command", () => {
    const config = {
      go: { source: "src", ldflagsPackage: "main", tags: ["netgo"] },
      binaries: [{ name: "cli", main: "./tools/cli", platforms: ["linux/amd64"] }],
    };
    const stamp = { version: "1.2.0", commit: "abc1234", date: "2026-11-25T12:00:00Z" };
    const commands = archiveBuildCommands([archive!, { ...archive!, name: "again" }], config, {
      ...stamp,
      outDir: "/out/",
    });
    expect(commands.map((c) => [c.platform, c.output, c.env])).toEqual([
      ["windows/amd64", "/out/windows-amd64/cli.exe", { CGO_ENABLED: "0", GOOS: "windows", GOARCH: "amd64" }],
      [
        "linux/arm/v7",
        "/out/linux-armv7/cli",
        { CGO_ENABLED: "0", GOOS: "linux", GOARCH: "arm", GOARM: "7" },
      ],
      ["darwin/arm64", "/out/darwin-arm64/cli", { CGO_ENABLED: "0", GOOS: "darwin", GOARCH: "arm64" }],
    ]);
    expect(commands[0]).toEqual(
      buildCommand(config.go, config.binaries[0]!, "windows/amd64", "/out/windows-amd64/cli.exe", stamp),
    );
    expect(commands[0]!.argv).toContain("./tools/cli");
    expect(commands[0]!.argv.slice(0, 6)).toEqual([
      "go",
      "build",
      "-trimpath",
      "-buildvcs=false",
      "-tags",
      "netgo",
    ]);
    expect(commands[0]!.cwd).toBe("src");
  });

  it.each([
    ["sample_1.2.0+build.7_linux_amd64.tar.gz", "sample_1.2.0.build.7_linux_amd64.tar.gz"],
    ["plain-name_1.0.0.zip", "plain-name_1.0.0.zip"],
  ])("keep asset names to what GitHub keeps: %s", (name, expected) => {
    expect(assetName(name)).toBe(expected);
  });

  it("take LICENSE, README and CHANGELOG files by default", () => {
    expect(
      defaultArchiveFiles(["main.go", "README.md", "LICENSE", "CHANGELOG.md", "LICENSES.txt", "readme"]),
    ).toEqual(["CHANGELOG.md", "LICENSE", "README.md", "readme"]);
  });
});

describe("SHA256SUMS", () => {
  const a = "a".repeat(64);
  const b = "b".repeat(64);
  it("lists digests sorted by name, as sha256sum -c reads them", () => {
    const text = renderChecksums([
      { name: "z.zip", sha256: b },
      { name: "a.tar.gz", sha256: a },
    ]);
    expect(text).toBe(`${a}  a.tar.gz\n${b}  z.zip\n`);
    expect(parseChecksums(text)).toEqual(
      new Map([
        ["a.tar.gz", a],
        ["z.zip", b],
      ]),
    );
    expect(() => parseChecksums("nonsense\n")).toThrow(/line 1/);
  });
});

describe("reconciling a release's assets", () => {
  const wanted = [
    { name: "a.tar.gz", sha256: "1".repeat(64), size: 10 },
    { name: "b.zip", sha256: "2".repeat(64), size: 20 },
    { name: "SHA256SUMS", sha256: "3".repeat(64), size: 30 },
  ];
  const asset = (id: number, name: string, extra: Partial<CurrentAsset> = {}): CurrentAsset => {
    const w = wanted.find((x) => x.name === name);
    return { id, name, state: "uploaded", size: w?.size ?? 1, sha256: w?.sha256 ?? "f".repeat(64), ...extra };
  };

  it.each([
    ["a new release uploads everything", [], [], [], ["a.tar.gz", "b.zip", "SHA256SUMS"]],
    [
      "a complete release changes nothing",
      [asset(1, "a.tar.gz"), asset(2, "b.zip"), asset(3, "SHA256SUMS")],
      ["a.tar.gz", "b.zip", "SHA256SUMS"],
      [],
      [],
    ],
    [
      "a half-done release keeps what matches and redoes the broken upload",
      [asset(1, "a.tar.gz"), asset(2, "b.zip", { state: "starter", size: 0, sha256: null })],
      ["a.tar.gz"],
      [["b.zip", "incomplete"]],
      ["b.zip", "SHA256SUMS"],
    ],
    [
      "a changed asset is replaced and a stray one deleted",
      [
        asset(1, "a.tar.gz", { sha256: "9".repeat(64) }),
        asset(2, "old.txt"),
        asset(3, "b.zip"),
        asset(4, "SHA256SUMS"),
      ],
      ["b.zip", "SHA256SUMS"],
      [
        ["a.tar.gz", "changed"],
        ["old.txt", "stray"],
      ],
      ["a.tar.gz"],
    ],
    [
      "an asset whose digest is unknown is replaced",
      [asset(1, "a.tar.gz", { sha256: null }), asset(2, "b.zip"), asset(3, "SHA256SUMS")],
      ["b.zip", "SHA256SUMS"],
      [["a.tar.gz", "changed"]],
      ["a.tar.gz"],
    ],
  ])("%s", (_, current, keep, remove, upload) => {
    const actions = reconcileAssets(current, wanted);
    expect(actions.keep.map((a) => a.name)).toEqual(keep);
    expect(actions.remove.map((r) => [r.asset.name, r.reason])).toEqual(remove);
    expect(actions.upload.map((a) => a.name)).toEqual(upload);
  });

  it("reads GitHub's sha256 digest and nothing else", () => {
    expect(sha256OfDigest(`sha256:${"a".repeat(64)}`)).toBe("a".repeat(64));
    expect(sha256OfDigest("md5:abc")).toBeNull();
    expect(sha256OfDigest(null)).toBeNull();
  });
});
