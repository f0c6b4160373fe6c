/** `history`: the promotions of an environment, read back from the gitops log's trailers. */
import type { PipelineConfig } from "../../core/config/config.js";
import { UsageError } from "../../core/errors.js";
import { freezePath, type HistoryEntry, parsePromotionCommit } from "../../core/gitops/layout.js";
import { environmentFiles } from "../../core/gitops/promotion.js";
import { hasOwnKey, safeEcho } from "../../core/validate.js";
import { makeTempDir, removeTempDir } from "../process-lifecycle.js";
import { git } from "./git.js";
import { type GitopsTarget, remoteUrl } from "./workspace.js";

/** Newest first; at most `limit` entries. */
export async function history(
  options: GitopsTarget & { environment: string; limit?: number },
): Promise<HistoryEntry[]> {
  const { config, environment } = options;
  if (!hasOwnKey(config.environments, environment)) {
    throw new UsageError(
      `unknown environment ${safeEcho(environment)}; ${config.file} defines: ${Object.keys(config.environments).join(", ")}`,
    );
  }
  const url = remoteUrl(options);
  const dir = makeTempDir("pipeline-history-");
  try {
    // A bare, blob-less view of the branch is all the log needs.
    await git(
      ["clone", "--quiet", "--bare", "--single-branch", "--branch", config.gitops.branch, "--", url, dir],
      { auth: options.auth },
    );
    return await historyIn(dir, config, environment, options.limit);
  } finally {
    removeTempDir(dir);
  }
}

/**
 * The promotions of `environment`, newest first (at most `limit`), from the log of the gitops
 * branch in `dir`, a clone of the gitops repo (bare or not); no network.
 */
export async function historyIn(
  dir: string,
  config: PipelineConfig,
  environment: string,
  limit?: number,
): Promise<HistoryEntry[]> {
  const files = environmentFiles(config, environment);
  const log = await git(
    [
      "log",
      "--format=%H%x1f%an <%ae>%x1f%aI%x1f%B%x1e",
      config.gitops.branch,
      "--",
      files.values,
      files.application,
      freezePath(config, environment),
    ],
    { cwd: dir },
  );
  const entries: HistoryEntry[] = [];
  for (const record of log.stdout.split("\x1e")) {
    const [sha, author, date, message] = record.replace(/^\n/, "").split("\x1f");
    if (!sha || !message) continue;
    const entry = parsePromotionCommit({ sha, author: author!, date: date!, message }, config.app);
    if (entry && entry.environment === environment) entries.push(entry);
    if (limit && entries.length >= limit) break;
  }
  return entries;
}
