/**
 * Which revision a rollback of a deployed release goes to, from `helm history -o json`: the one
 * asked for, else the newest earlier revision that was once deployed (status superseded) and is
 * not what the current one already is (a revision made by "Rollback to N" is a copy of N). helm's
 * own default is simply the revision before the current one, which after a failed upgrade is the
 * failed revision itself, and after `--atomic` rolled back, a copy of the current.
 */
import { FailureError, UsageError } from "../errors.js";

/** One row of `helm history -o json`. */
interface HistoryRow {
  revision: number;
  status: string;
  description?: string;
}

/** The revision whose content `revision` carries: itself, or what its "Rollback to N" copied, recursively. */
function origin(rows: readonly HistoryRow[], revision: number): number {
  const seen = new Set<number>();
  let current = revision;
  for (;;) {
    const copied = /^Rollback to (\d+)$/.exec(rows.find((r) => r.revision === current)?.description ?? "");
    if (!copied || seen.has(current)) return current;
    seen.add(current);
    current = Number(copied[1]);
  }
}

/** The current revision and the one to roll back to. */
export interface RollbackChoice {
  from: number;
  to: number;
}

/** Decides the rollback's revision; throws when there is nothing earlier to go back to or `revision` is not in the history. */
export function rollbackRevision(historyJson: string, revision?: number): RollbackChoice {
  let rows: HistoryRow[];
  try {
    rows = (JSON.parse(historyJson) as HistoryRow[]).filter(
      (r) => typeof r?.revision === "number" && typeof r.status === "string",
    );
  } catch {
    throw new FailureError("deploy --rollback: helm history printed no JSON");
  }
  rows.sort((a, b) => a.revision - b.revision);
  const current = rows.at(-1);
  if (!current) throw new FailureError("deploy --rollback: the release has no history");
  if (revision !== undefined) {
    if (!rows.some((r) => r.revision === revision) || revision === current.revision)
      throw new UsageError(
        `deploy --rollback ${revision}: the release's earlier revisions are ${
          rows
            .filter((r) => r.revision !== current.revision)
            .map((r) => `${r.revision} (${r.status})`)
            .join(", ") || "none"
        }`,
      );
    return { from: current.revision, to: revision };
  }
  const now = origin(rows, current.revision);
  const previous = rows.findLast(
    (r) => r.revision < current.revision && r.status === "superseded" && origin(rows, r.revision) !== now,
  );
  if (!previous)
    throw new FailureError(
      `deploy --rollback: no earlier revision differs from the current one (${current.revision}); there is nothing to roll back to`,
    );
  return { from: current.revision, to: previous.revision };
}
