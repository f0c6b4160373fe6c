/**
 * `pipeline github-release` on the host: the release tag's notes, its archives, its SBOMs (a folder,
 * or those attached to its images in the registry) and SHA256SUMS (cross-compiled with the host's
 * Go), then the idempotent GitHub release over the REST API.
 */
import { join } from "node:path";
import type { PipelineConfig } from "../../../core/config/config.js";
import { UsageError } from "../../../core/errors.js";
import { publishRegistries } from "../../../core/registry/registries.js";
import { releaseTagOf, renderNotesMarkdown } from "../../../core/release/notes.js";
import { SOURCE_DATE_EPOCH, sourceDate } from "../../../core/release/source-date.js";
import { parseTagVersion } from "../../../core/release/version.js";
import { releaseImages } from "../../../core/supply-chain/sbom-assets.js";
import { safeEcho } from "../../../core/validate.js";
import type { RegistryAccess } from "../../registry/connect.js";
import type { GitRunner } from "../../release/git-context.js";
import {
  type GithubReleaseResult,
  publishGithubRelease,
  type ReleaseAssetFile,
} from "../../release/github-release.js";
import { readReleaseNotes } from "../../release/notes.js";
import { registrySboms } from "../../supply-chain/release-sboms.js";
import { buildReleaseArchives } from "./release-archives.js";

/** Options of {@link runGithubRelease}. */
export interface GithubReleaseRun {
  root: string;
  config: PipelineConfig;
  git: GitRunner;
  /** The release tag (default: the highest version tag at HEAD). */
  tag?: string;
  /** Where archives are written (default: `<root>/.out/release`). */
  outDir?: string;
  /** A folder whose `*.spdx.json` SBOMs the release also carries (listed in SHA256SUMS). */
  sbomDir?: string;
  /**
   * Carry the SBOM attached to each platform of each release image instead, read from `registry`
   * (default: the first of image.registries) with `access`.
   */
  registrySboms?: { access: RegistryAccess; registry?: string };
  /** Build and list the assets without calling GitHub. */
  dryRun?: boolean;
  keepDraft?: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

/** What a run made, and what it did on GitHub (absent on a dry run). */
export interface GithubReleaseSummary {
  tag: string;
  repository: string;
  assets: { name: string; size: number; sha256: string }[];
  /** With registry SBOMs: which artifact each SBOM asset is, of which image platform. */
  sboms?: { name: string; image: string; platform: string; digest: string; artifact: string }[];
  release?: GithubReleaseResult;
}

/** Builds the release's notes and assets, then creates, completes and publishes it on GitHub. */
export async function runGithubRelease(run: GithubReleaseRun): Promise<GithubReleaseSummary> {
  const tag = run.tag ?? releaseTagOf(lines(await run.git(["tag", "--points-at", "HEAD"])))?.tag;
  if (!tag) throw new UsageError("no release tag at HEAD: pass --tag (example: --tag v1.2.0)");
  const version = parseTagVersion(tag);
  if (!version) throw new UsageError(`--tag ${safeEcho(tag)} is not a version tag (example: --tag v1.2.0)`);
  const notes = await readReleaseNotes(run.git, {
    to: tag,
    sourceUrl: run.config.source.url || undefined,
    serverUrl: run.env.GITHUB_SERVER_URL,
    repository: run.env.GITHUB_REPOSITORY,
  });
  const repository = run.env.GITHUB_REPOSITORY || ownerName(notes.repository);
  // Refuse before minutes of cross-compiling, not after.
  if (!run.dryRun && !repository)
    throw new UsageError(
      "no GitHub repository: set GITHUB_REPOSITORY (example: acme/sample-app) or source.url in pipeline.yaml",
    );
  if (!run.dryRun && !run.env.GITHUB_TOKEN)
    throw new UsageError("GITHUB_TOKEN is not set (a token with contents: write on the repository)");
  if (run.sbomDir && run.registrySboms)
    throw new UsageError(
      "--sbom-dir and --registry-sboms both name the release's SBOMs: pass one (--registry-sboms carries what the registry holds)",
    );
  const [commit = "", time = "0"] = (await run.git(["log", "-1", "--format=%H%n%ct", `${tag}^{commit}`]))
    .trim()
    .split("\n");
  // Every archive entry is dated by the source date: SOURCE_DATE_EPOCH, else the tag's commit.
  const date = sourceDate({
    sourceDateEpoch: run.env[SOURCE_DATE_EPOCH],
    sha: commit,
    head: { sha: commit, time: Number(time) },
  });
  // Read before minutes of cross-compiling: a release without its SBOMs is refused up front.
  const fromRegistry = run.registrySboms
    ? await registrySboms(
        releaseImages(run.config, publishRegistries(run.config, run.registrySboms.registry).primary, {
          tag,
          commit,
        }),
        version.version,
        run.registrySboms.access,
      )
    : undefined;
  const assets: ReleaseAssetFile[] = await buildReleaseArchives({
    root: run.root,
    config: run.config,
    archives: run.config.archives,
    version: version.version,
    commit,
    mtime: date.epoch,
    tag,
    projectName: run.config.app,
    outDir: run.outDir ?? join(run.root, ".out", "release"),
    ...(run.sbomDir ? { sbomDir: run.sbomDir } : {}),
    ...(fromRegistry ? { registrySboms: fromRegistry } : {}),
  });
  const summary: GithubReleaseSummary = {
    tag,
    repository,
    assets: assets.map((a) => ({ name: a.name, size: a.size, sha256: a.sha256 })),
    ...(fromRegistry ? { sboms: fromRegistry.map(({ bytes: _, ...sbom }) => sbom) } : {}),
  };
  if (run.dryRun) return summary;
  summary.release = await publishGithubRelease({
    apiUrl: run.env.GITHUB_API_URL || "https://api.github.com",
    token: run.env.GITHUB_TOKEN ?? "",
    repository,
    tag,
    name: tag,
    body: renderNotesMarkdown(notes),
    prerelease: version.prerelease,
    assets,
    keepDraft: run.keepDraft,
  });
  return summary;
}

/** `owner/name` from a repository web URL; "" when it is not one. */
function ownerName(webUrl: string): string {
  const match = /^https?:\/\/[^/]+\/([\w.-]+\/[\w.-]+)$/.exec(webUrl);
  return match ? match[1]! : "";
}

function lines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}
