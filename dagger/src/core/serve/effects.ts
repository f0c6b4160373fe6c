/**
 * Exactly-once gitops changes under `pipeline serve`, as pure rules. Each change a run makes is
 * an operation named by the run that first asked for it (a retry after a crash keeps that name);
 * its commit carries the name in its Pipeline-Run trailer, so a retry reads the gitops history
 * to learn whether the first attempt landed before it pushes anything.
 */
import type { HistoryEntry } from "../gitops/layout.js";

/** What names one operation: the database it is recorded in and the run that first asked for it. */
export interface Operation {
  /** A random id made once per database (its installation). */
  installation: string;
  /** The first run of the retry chain. */
  run: number;
}

/** The operation's name in a commit (`<installation>-<run>`). */
export function operationName(op: Operation): string {
  return `${op.installation}-${op.run}`;
}

/**
 * The Pipeline-Run trailer of the operation's commit: the run's page under `base` (serve's URL)
 * with the operation's name as the `op` query parameter, which survives a change of port or host.
 */
export function operationUrl(base: string, op: Operation): string {
  return `${base.replace(/\/+$/, "")}/api/runs/${op.run}?op=${operationName(op)}`;
}

/** The operation named by a Pipeline-Run trailer, or null when it is not one of ours. */
export function operationOf(runUrl: string | undefined): string | null {
  if (!runUrl) return null;
  const m = /[?&]op=([A-Za-z0-9-]{1,100})(?:&|#|$)/.exec(runUrl);
  return m ? m[1]! : null;
}

/** The history entry (newest first) of the commit the operation landed, if it did. */
export function landedEntry(entries: readonly HistoryEntry[], op: Operation): HistoryEntry | undefined {
  const name = operationName(op);
  return entries.find((e) => operationOf(e.run) === name);
}
