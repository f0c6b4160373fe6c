/**
 * `rollback` re-promotes the previous (or a given) version as a new commit — never a history
 * rewrite — and freezes the environment in the same commit; `unfreeze` lifts the freeze.
 */
import { existsSync, rmSync } from "node:fs";
import { UsageError } from "../../core/errors.js";
import { freezePath } from "../../core/gitops/layout.js";
import { UNKNOWN_SHA } from "../../core/gitops/promotion.js";
import { hasOwnKey, isHexSha, safeEcho } from "../../core/validate.js";
import { history } from "./history.js";
import { pathInside } from "./paths.js";
import { type PromoteResult, promote } from "./promote.js";
import { commitWithRetry, type GitopsTarget } from "./workspace.js";

/** Rolls an environment back to `to`, or to the version promoted before the current one. */
export async function rollback(
  options: GitopsTarget & {
    environment: string;
    to?: string;
    sourceSha?: string;
    runUrl?: string;
    now: Date;
  },
): Promise<PromoteResult> {
  const entries = await history({ ...options, limit: 200 });
  const current = entries[0];
  if (!current)
    throw new UsageError(`${options.environment} has no promotion in the gitops log to roll back from`);
  const target = options.to
    ? entries.find(
        (e) => e.version === options.to || e.version === `v${options.to}` || e.chartVersion === options.to,
      )
    : entries.find((e) => e.version !== current.version);
  if (!target) {
    throw new UsageError(
      options.to
        ? `${safeEcho(options.to)} was never promoted to ${options.environment}; versions in its history: ${[...new Set(entries.map((e) => e.version))].join(", ")}`
        : `${options.environment} has only ever run ${current.version}: there is no previous version (use --to <version>)`,
    );
  }
  return promote({
    ...options,
    imageTag: target.version,
    chartVersion: target.chartVersion,
    // The trailer is read back from the log: a forged or missing one is not carried forward.
    sourceSha: isHexSha(target.sourceSha) ? target.sourceSha : UNKNOWN_SHA,
    rollback: { reason: `rollback from ${current.version}`, at: options.now.toISOString() },
  });
}

/** Removes the freeze marker of an environment; a no-op when it is not frozen. */
export async function unfreeze(
  options: GitopsTarget & { environment: string },
): Promise<{ environment: string; changed: boolean; commit: string | null }> {
  const { config, environment } = options;
  if (!hasOwnKey(config.environments, environment)) {
    throw new UsageError(
      `unknown environment ${safeEcho(environment)}; ${config.file} defines: ${Object.keys(config.environments).join(", ")}`,
    );
  }
  const marker = freezePath(config, environment);
  const outcome = await commitWithRetry(options, (dir) => {
    const full = pathInside(dir, marker, marker);
    if (!existsSync(full)) return { message: null, result: false };
    rmSync(full);
    return {
      message: `unfreeze(${environment}): ${config.app}\n\nAutomatic promotion to ${environment} is allowed again.\n`,
      result: true,
    };
  });
  return { environment, changed: outcome.result, commit: outcome.commit };
}
