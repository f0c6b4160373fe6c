/**
 * The release's binary archives as a plan: which cross-compiles to run (the build stage's own
 * command, from core/go/commands.ts), and for each archive its asset name, format and
 * entries. Asset names keep to the characters GitHub keeps, so a re-run finds what it uploaded.
 */
import type { ArchiveConfig, ArchiveFormat } from "../config/archives-section.js";
import {
  type BuildBinary,
  type BuildCommand,
  type BuildStamp,
  buildCommand,
  buildOutputPath,
  type GoBuildSettings,
  goTarget,
} from "../go/commands.js";

/** One entry of an archive: where its bytes come from and where it goes inside. */
export interface ArchiveEntry {
  /** Path of the source file: under the build output for binaries, the repo root for files. */
  source: string;
  from: "build" | "repo";
  /** Path inside the archive. */
  path: string;
  /** 0o755 for binaries, 0o644 for files. */
  mode: number;
}

/** One archive to write. */
export interface PlannedArchive {
  /** The asset name, e.g. `sample-app_1.2.0_linux_amd64.tar.gz`. */
  file: string;
  format: ArchiveFormat;
  platform: string;
  entries: ArchiveEntry[];
}

/** A name GitHub keeps as given: it replaces other characters in asset names with `.`. */
export function assetName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, ".");
}

/** `<os>`, `<arch>[v<n>]` of a platform, as archive names show it (`linux`, `armv7`). */
function osArch(platform: string): { os: string; arch: string } {
  const [os = "linux", arch = "amd64", variant = ""] = platform.split("/");
  return { os, arch: `${arch}${variant}` };
}

/** The file name of a binary on a platform (`.exe` on windows). */
export function binaryFileName(binary: string, platform: string): string {
  return goTarget(platform).GOOS === "windows" ? `${binary}.exe` : binary;
}

/** The format of an archive for `platform`: the OS's override, else the entry's format. */
export function archiveFormat(archive: ArchiveConfig, platform: string): ArchiveFormat {
  return archive.formatOverrides[osArch(platform).os] ?? archive.format;
}

/**
 * Every archive of a release: one per archive entry and platform, holding the binaries (mode
 * 0755) at the top and the extra files at their repo paths (0644). `files` replaces an entry's
 * `files: null` with what the adapter found in the repo root. Sorted by file name.
 */
export function planArchives(
  archives: readonly ArchiveConfig[],
  options: { version: string; defaultFiles: readonly string[] },
): PlannedArchive[] {
  const planned = archives.flatMap((archive) =>
    archive.platforms.map((platform): PlannedArchive => {
      const { os, arch } = osArch(platform);
      const format = archiveFormat(archive, platform);
      const binaries = archive.binaries.map(
        (binary): ArchiveEntry => ({
          source: buildOutputPath(platform, binaryFileName(binary, platform)),
          from: "build",
          path: binaryFileName(binary, platform),
          mode: 0o755,
        }),
      );
      const files = (archive.files ?? options.defaultFiles).map(
        (file): ArchiveEntry => ({ source: file, from: "repo", path: file, mode: 0o644 }),
      );
      return {
        file: assetName(`${archive.name}_${options.version}_${os}_${arch}.${format}`),
        format,
        platform,
        entries: [...binaries, ...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      };
    }),
  );
  return planned.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/**
 * The cross-compiles the archives need, each binary and platform once, built by the build stage's
 * own {@link buildCommand} (its main package, ldflags template, tags, env and cgo); outputs land
 * in `<outDir>/<os>-<arch>[<variant>]/<binary>[.exe]`.
 */
export function archiveBuildCommands(
  archives: readonly ArchiveConfig[],
  config: { go: GoBuildSettings; binaries: readonly BuildBinary[] },
  options: BuildStamp & { outDir: string },
): BuildCommand[] {
  const seen = new Set<string>();
  const commands: BuildCommand[] = [];
  const outDir = options.outDir.replace(/\/+$/, "");
  for (const archive of archives)
    for (const platform of archive.platforms)
      for (const name of archive.binaries) {
        const key = `${platform} ${name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const binary = config.binaries.find((b) => b.name === name) ?? { name, platforms: [] };
        const output = `${outDir}/${buildOutputPath(platform, binaryFileName(name, platform))}`;
        commands.push(buildCommand(config.go, binary, platform, output, options));
      }
  return commands;
}

/** Files found in the repo root that go into archives by default: LICENSE*, README*, CHANGELOG*. */
export function defaultArchiveFiles(rootEntries: readonly string[]): string[] {
  return rootEntries.filter((name) => /^(LICENSE|LICENCE|README|CHANGELOG)([._-].*)?$/i.test(name)).sort();
}
