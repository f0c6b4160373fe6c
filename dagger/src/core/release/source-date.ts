/**
 * The one date a run stamps into what it builds: `org.opencontainers.image.created`, `{{.Date}}`
 * in ldflags, image labels, config `created` and history, file mtimes in build contexts, chart
 * and archive entries, SBOMs. It comes from the source, never the clock, so the same commit gives
 * the same bytes: `SOURCE_DATE_EPOCH` when set (reproducible-builds.org), else the committer time
 * of the commit being built (ko, GoReleaser's `{{.CommitDate}}`).
 */
import { UsageError } from "../errors.js";
import { safeEcho } from "../validate.js";

/** A run's source date: seconds since the epoch, its RFC 3339 form (UTC, whole seconds), and why. */
export interface SourceDate {
  epoch: number;
  /** e.g. `2026-12-07T10:15:00Z`. */
  iso: string;
  from: "SOURCE_DATE_EPOCH" | "commit";
}

/** The environment variable that overrides the commit time (reproducible-builds.org). */
export const SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH";

/** RFC 3339 in UTC with whole seconds, as GoReleaser prints `{{.CommitDate}}`. */
export function isoSeconds(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Seconds since the epoch of an RFC 3339 date (`created`), or null when it is not one. Sub-second
 * parts are dropped: tar headers and zip entries carry whole seconds.
 */
export function epochOf(iso: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(iso)) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

/** The latest time an archive or image can say: 9999-12-31T23:59:59Z (RFC 3339's four-digit year). */
const MAX_EPOCH = 253402300799;

/**
 * `SOURCE_DATE_EPOCH` as seconds, null when unset or empty; anything but a whole number of seconds
 * in range is refused (the spec says to fail rather than guess).
 */
export function parseSourceDateEpoch(value: string | undefined): number | null {
  if (value === undefined || value.trim() === "") return null;
  const text = value.trim();
  const seconds = /^\d{1,12}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds > MAX_EPOCH)
    throw new UsageError(
      `${SOURCE_DATE_EPOCH} ${safeEcho(value)} is not a time: give whole seconds since 1970 (e.g. $(git log -1 --format=%ct)), or unset it to use the commit's time`,
    );
  return seconds;
}

/** True when `sha` names `full` (a full sha, or an abbreviation of at least 7 digits). */
function names(sha: string, full: string): boolean {
  return sha.length >= 7 && full.startsWith(sha.toLowerCase());
}

/**
 * The source date of a run for commit `sha`: `SOURCE_DATE_EPOCH` when set, else the committer
 * time of that commit when the checkout's reads know it (HEAD, a tag's commit), else HEAD's: the
 * checkout is what gets built.
 */
export function sourceDate(input: {
  sourceDateEpoch?: string;
  sha: string;
  head: { sha: string; time: number };
  /** Committer times of other commits the reads saw (tags' commits), by full sha. */
  known?: readonly { commit: string; time: number }[];
}): SourceDate {
  const forced = parseSourceDateEpoch(input.sourceDateEpoch);
  if (forced !== null) return { epoch: forced, iso: isoSeconds(forced), from: "SOURCE_DATE_EPOCH" };
  const found = names(input.sha, input.head.sha)
    ? input.head.time
    : (input.known?.find((k) => names(input.sha, k.commit))?.time ?? input.head.time);
  const epoch = Math.min(Math.max(0, Math.floor(found)), MAX_EPOCH);
  return { epoch, iso: isoSeconds(epoch), from: "commit" };
}
