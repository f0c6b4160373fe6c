/**
 * `pipeline github-release`: the release tag's GitHub release with its notes, binary archives,
 * SBOMs and SHA256SUMS. Safe to re-run: a half-done release is finished, a complete one left as it is.
 */
import { Command } from "commander";
import { loadRepo, userCwd } from "../context.js";
import { formatTable, printJson } from "../output.js";
import { type RegistryFlags, registryAccess, withRegistryOptions } from "../registry-options.js";

/** Builds the `github-release` command. */
export function githubReleaseCommand(): Command {
  return withRegistryOptions(
    new Command("github-release")
      .description(
        "Create or finish the GitHub release of a tag: notes, archives, SBOMs and SHA256SUMS (GITHUB_TOKEN)",
      )
      .option("--tag <tag>", "release tag (default: the highest version tag at HEAD)")
      .option("--out <dir>", "where archives are written (default: .out/release in the repo)")
      .option(
        "--sbom-dir <dir>",
        "also attach every *.spdx.json there (from pipeline sbom --out), in SHA256SUMS",
      )
      .option(
        "--registry-sboms",
        "also attach each release image platform's SBOM from the registry, as <image>_<version>_<os>_<arch>.spdx.json",
      )
      .option(
        "--registry <registry>",
        "with --registry-sboms: the images' registry (default: image.registry)",
      )
      .option("--draft", "leave a new release as a draft")
      .option("--dry-run", "build the archives and SHA256SUMS and list them, without calling GitHub")
      .option("--json", "print the result as JSON"),
  ).action(
    async (
      options: RegistryFlags & {
        tag?: string;
        out?: string;
        sbomDir?: string;
        registrySboms?: boolean;
        registry?: string;
        draft?: boolean;
        dryRun?: boolean;
        json?: boolean;
      },
      command: Command,
    ) => {
      const { root, config } = await loadRepo(command);
      const { resolve } = await import("node:path");
      const { localGit } = await import("../../adapters/release/git-context.js");
      const { runGithubRelease } = await import("../../adapters/runners/host/github-release-run.js");
      const summary = await runGithubRelease({
        root,
        config,
        git: localGit(root),
        tag: options.tag,
        outDir: options.out ? resolve(userCwd(), options.out) : undefined,
        sbomDir: options.sbomDir ? resolve(userCwd(), options.sbomDir) : undefined,
        registrySboms: options.registrySboms
          ? { access: registryAccess(options, config), registry: options.registry }
          : undefined,
        dryRun: options.dryRun,
        keepDraft: options.draft,
        env: process.env,
      });
      if (options.json) return printJson(summary);
      const release = summary.release;
      const action = (name: string) =>
        !release
          ? "built"
          : release.uploaded.includes(name)
            ? "uploaded"
            : release.kept.includes(name)
              ? "unchanged"
              : "";
      const rows = [
        ["ASSET", "SIZE", "SHA256", "ACTION"],
        ...summary.assets.map((a) => [a.name, String(a.size), a.sha256.slice(0, 12), action(a.name)]),
        ...(release?.deleted ?? []).map((d) => [d.name, "", "", `deleted (${d.reason})`]),
      ];
      const head = release
        ? `${release.published ? "published" : "draft"} ${summary.tag} on ${summary.repository}: ${release.url}`
        : `dry run: ${summary.assets.length} assets for ${summary.tag} (nothing sent to GitHub)`;
      process.stdout.write(`${head}\n${formatTable(rows)}\n`);
    },
  );
}
