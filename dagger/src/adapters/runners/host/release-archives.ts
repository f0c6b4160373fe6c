/**
 * The release's archives on the host: cross-compiles with the host's Go (the argv of
 * core/release/archives.ts, which is the build stage's), writes each tar.gz or zip reproducibly, and
 * writes SHA256SUMS over them and the SBOMs (of `--sbom-dir`, or read from the registry). Everything
 * lands in one output folder; its bin/ is emptied first and the assets are overwritten, nothing
 * else there is touched.
 */
import { createHash } from "node:crypto";
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { ArchiveConfig } from "../../../core/config/archives-section.js";
import { UsageError } from "../../../core/errors.js";
import type { BuildBinary, GoBuildSettings } from "../../../core/go/commands.js";
import { archiveBuildCommands, defaultArchiveFiles, planArchives } from "../../../core/release/archives.js";
import { CHECKSUMS_FILE, renderChecksums } from "../../../core/release/checksums.js";
import { refuseUnusableNames, sbomAssetNames } from "../../../core/supply-chain/sbom-assets.js";
import { isInside, safeEcho } from "../../../core/validate.js";
import { writeTarGz, writeZip } from "../../release/archive-writer.js";
import type { ReleaseAssetFile } from "../../release/github-release.js";
import { runTool } from "./exec.js";
import { pathWith, requireTools } from "./tools.js";

/** What the archives are built from. */
export interface ArchiveBuildInput {
  root: string;
  config: { go: GoBuildSettings; binaries: readonly BuildBinary[] };
  archives: readonly ArchiveConfig[];
  version: string;
  commit: string;
  /** Seconds since the epoch every entry carries (the release commit's time). */
  mtime: number;
  /** The release tag and the app, for `{{.Tag}}` and `{{.ProjectName}}` in go.ldflags. */
  tag?: string;
  projectName?: string;
  outDir: string;
  /** A folder of `*.spdx.json` SBOMs (`pipeline sbom --out`) the release also carries, as they are. */
  sbomDir?: string;
  /** SBOMs read from the registry (`--registry-sboms`), written into `outDir` under their asset names. */
  registrySboms?: readonly { name: string; bytes: Buffer }[];
}

/** Builds every archive and SHA256SUMS into `outDir`; returns them as release assets, SHA256SUMS last. */
export async function buildReleaseArchives(input: ArchiveBuildInput): Promise<ReleaseAssetFile[]> {
  const found = requireTools("archives", ["go"]);
  const rootFiles = readdirSync(input.root, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
  const planned = planArchives(input.archives, {
    version: input.version,
    defaultFiles: defaultArchiveFiles(rootFiles),
  });
  // A bad --sbom-dir is refused before minutes of cross-compiling.
  const taken = [...planned.map((a) => a.file), CHECKSUMS_FILE];
  const sboms = input.sbomDir ? sbomAssets(input.sbomDir, taken) : [];
  const fromRegistry = input.registrySboms ?? [];
  refuseUnusableNames(
    fromRegistry.map((s) => s.name),
    [...taken, ...sboms.map((s) => s.name)],
    "--registry-sboms",
  );
  // Only our own bin/ is emptied: --out may name a folder that holds other things.
  const binDir = join(input.outDir, "bin");
  rmSync(binDir, { recursive: true, force: true });
  mkdirSync(binDir, { recursive: true });
  for (const command of archiveBuildCommands(input.archives, input.config, {
    version: input.version,
    commit: input.commit,
    date: new Date(input.mtime * 1000).toISOString().replace(/\.000Z$/, "Z"),
    tag: input.tag ?? "",
    projectName: input.projectName ?? "",
    outDir: binDir,
  })) {
    await runTool(command.argv, {
      cwd: join(input.root, command.cwd),
      env: { ...command.env, PATH: pathWith(found) },
      what: `archives (go build ${command.binary} for ${command.platform})`,
    });
  }
  const assets: ReleaseAssetFile[] = [];
  for (const archive of planned) {
    const entries = archive.entries.map((entry) => ({
      path: entry.path,
      mode: entry.mode,
      data:
        entry.from === "build"
          ? readFileSync(join(binDir, entry.source))
          : readRepoFile(input.root, entry.source),
    }));
    const bytes =
      archive.format === "zip" ? writeZip(entries, input.mtime) : writeTarGz(entries, input.mtime);
    assets.push(
      writeAsset(
        input.outDir,
        archive.file,
        bytes,
        archive.format === "zip" ? "application/zip" : "application/gzip",
      ),
    );
  }
  assets.push(...sboms);
  for (const sbom of fromRegistry)
    assets.push(writeAsset(input.outDir, sbom.name, sbom.bytes, "application/spdx+json"));
  const sums = renderChecksums(assets);
  assets.push(writeAsset(input.outDir, CHECKSUMS_FILE, Buffer.from(sums), "text/plain"));
  return assets;
}

function writeAsset(dir: string, name: string, bytes: Buffer, contentType: string): ReleaseAssetFile {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return {
    name,
    path,
    size: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    contentType,
  };
}

/** The SBOM files of `dir` as assets, read where they are (the folder may be `outDir` itself). */
function sbomAssets(dir: string, taken: readonly string[]): ReleaseAssetFile[] {
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  } catch (error) {
    throw new UsageError(
      `--sbom-dir ${safeEcho(dir)} is not a readable folder (write it with pipeline sbom --out)`,
      {
        cause: error,
      },
    );
  }
  return sbomAssetNames(entries, taken, dir).map((name) => {
    const path = join(dir, name);
    const bytes = readFileSync(path);
    return {
      name,
      path,
      size: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      contentType: "application/spdx+json",
    };
  });
}

/** Reads an extra file for the archives: a regular file that is (and resolves) inside the repo. */
function readRepoFile(root: string, file: string): Buffer {
  const path = join(root, file);
  const hint = `(archives[].files: list files of the repository, example: LICENSE)`;
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch {
    throw new UsageError(`archives: ${safeEcho(file)} does not exist in the repository ${hint}`);
  }
  if (!stat.isFile() || !isInside(realpathSync(root), realpathSync(path)))
    throw new UsageError(`archives: ${safeEcho(file)} is not a regular file inside the repository ${hint}`);
  return readFileSync(path);
}
