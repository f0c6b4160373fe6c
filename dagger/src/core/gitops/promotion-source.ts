/**
 * `environments.<env>.from`: an environment (prod) takes only versions that another one (uat)
 * had first, as the gitops history records them. Pure: the history is read by the adapter.
 */
import type { HistoryEntry } from "./layout.js";

/**
 * Why promoting `version` to `environment` is refused because `from` never had it, or null when
 * `from`'s history shows it (a promotion or a rollback to it).
 */
export function fromRefusal(
  app: string,
  environment: string,
  from: string,
  version: string,
  fromHistory: readonly HistoryEntry[],
): string | null {
  if (fromHistory.some((entry) => entry.environment === from && entry.version === version)) return null;
  return `${environment} takes only versions that were in ${from} first, and the gitops history shows ${app} ${version} never in ${from}; promote it to ${from} first`;
}
