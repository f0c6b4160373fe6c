/**
 * `rollback` re-promotes the previous (or a given) version as a new commit — never a history
 * rewrite — and freezes the environment in the same commit; `unfreeze` lifts the freeze.
 */
import { existsSync, rmSync } from "node:fs";
import { UsageError } from "../../core/errors.js";
import { freezePath } from "../../core/gitops/layout.js";
import { type RollbackTarget, rollbackTarget } from "../../core/gitops/rollback-target.js";
import { hasOwnKey, safeEcho } from "../../core/validate.js";
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
  const target = await resolveRollback(options);
  return applyRollback({ ...options, target, at: options.now.toISOString() });
}

/** Decides a rollback's target from the environment's gitops history, without changing anything. */
export async function resolveRollback(
  options: GitopsTarget & { environment: string; to?: string },
): Promise<RollbackTarget> {
  const entries = await history({ ...options, limit: 200 });
  return rollbackTarget(entries, options.environment, options.to);
}

/**
 * Applies a decided rollback: the target promoted again as a new commit that freezes the
 * environment. The same target and `at` give the same files, so applying it twice commits once.
 */
export async function applyRollback(
  options: GitopsTarget & { environment: string; target: RollbackTarget; at: string; runUrl?: string },
): Promise<PromoteResult> {
  const { target } = options;
  return promote({
    ...options,
    imageTag: target.version,
    chartVersion: target.chartVersion,
    sourceSha: target.sourceSha,
    rollback: { reason: target.reason, at: options.at },
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
