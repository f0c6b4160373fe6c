/**
 * Options the gitops commands share: `--repo` (default gitops.repo) and the token, read only from
 * the environment (GITOPS_TOKEN, else GITHUB_TOKEN): a token never goes in argv, and a `--repo`
 * with credentials in it is refused (exit 2) without being echoed.
 */
import { execFileSync } from "node:child_process";
import type { Command } from "commander";
import type { GitopsTarget } from "../adapters/gitops/workspace.js";
import type { PipelineConfig } from "../core/config/config.js";
import { requireNoUserInfo, requireSha } from "../core/validate.js";

/** Adds `--repo` to a command. */
export function withGitopsOptions(command: Command): Command {
  return command.option(
    "--repo <url-or-path>",
    "gitops repository, without credentials (default: gitops.repo in pipeline.yaml); token from GITOPS_TOKEN or GITHUB_TOKEN; each git command times out after PIPELINE_GIT_TIMEOUT seconds (default 300)",
  );
}

/** The gitops target of a command. */
export function gitopsTarget(config: PipelineConfig, options: { repo?: string }): GitopsTarget {
  if (options.repo !== undefined) requireNoUserInfo(options.repo, "--repo");
  const token = process.env.GITOPS_TOKEN ?? process.env.GITHUB_TOKEN;
  return { config, repo: options.repo, auth: token ? { token } : undefined };
}

/** The source commit a promotion records: --source-sha, else CI's sha, else the checkout's HEAD; each checked to be hex. */
export function sourceSha(root: string, explicit?: string): string {
  if (explicit !== undefined) return requireSha(explicit, "--source-sha");
  if (process.env.GITHUB_SHA) return requireSha(process.env.GITHUB_SHA, "GITHUB_SHA");
  if (process.env.CI_COMMIT_SHA) return requireSha(process.env.CI_COMMIT_SHA, "CI_COMMIT_SHA");
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "unknown";
  }
}
