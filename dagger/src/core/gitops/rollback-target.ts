/**
 * Which version a rollback goes back to, from an environment's history (newest first): the one
 * asked for, or the newest that differs from the current one. Pure, so a caller can decide it
 * once, store it, and apply exactly that decision later (serve does, so a retry after a crash
 * never recomputes "the previous version" from a history its first attempt already changed).
 */
import { UsageError } from "../errors.js";
import { isHexSha, safeEcho } from "../validate.js";
import type { HistoryEntry } from "./layout.js";
import { UNKNOWN_SHA } from "./promotion.js";

/** A decided rollback: what to promote again, and the reason its freeze marker gives. */
export interface RollbackTarget {
  version: string;
  chartVersion: string;
  /** The source commit of the version rolled back to (UNKNOWN_SHA when its trailer was not a sha). */
  sourceSha: string;
  /** `rollback from <current>`. */
  reason: string;
}

/** The target of rolling `environment` back to `to` (or the previous version); throws UsageError when there is none. */
export function rollbackTarget(
  entries: readonly HistoryEntry[],
  environment: string,
  to?: string,
): RollbackTarget {
  const current = entries[0];
  if (!current) throw new UsageError(`${environment} has no promotion in the gitops log to roll back from`);
  const target = to
    ? entries.find((e) => e.version === to || e.version === `v${to}` || e.chartVersion === to)
    : entries.find((e) => e.version !== current.version);
  if (!target) {
    throw new UsageError(
      to
        ? `${safeEcho(to)} was never promoted to ${environment}; versions in its history: ${[...new Set(entries.map((e) => e.version))].join(", ")}`
        : `${environment} has only ever run ${current.version}: there is no previous version (use --to <version>)`,
    );
  }
  return {
    version: target.version,
    chartVersion: target.chartVersion,
    // The trailer is read back from the log: a forged or missing one is not carried forward.
    sourceSha: isHexSha(target.sourceSha) ? target.sourceSha : UNKNOWN_SHA,
    reason: `rollback from ${current.version}`,
  };
}
