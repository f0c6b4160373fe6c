/**
 * What every environment runs, for serve's `GET /api/environments` (which the status page polls
 * every few seconds per open tab): read from one bare clone of the gitops branch, kept fresh with
 * `git fetch` at most once per `maxAgeMs`. Concurrent requests share the fetch in flight, and a
 * request within the interval reads the clone without touching the network, so polling costs the
 * gitops server one fetch per interval however many tabs poll (it cost a clone per environment per
 * request). A failed fetch is remembered for the interval too: a gitops server that is down is
 * not asked again by every poll.
 */
import type { PipelineConfig } from "../../core/config/config.js";
import type { HistoryEntry } from "../../core/gitops/layout.js";
import { makeTempDir, removeTempDir } from "../process-lifecycle.js";
import { type GitAuth, git } from "./git.js";
import { historyIn } from "./history.js";
import { remoteUrl } from "./workspace.js";

/** One environment as the API shows it. */
export interface EnvironmentState {
  name: string;
  current: HistoryEntry | null;
  history: HistoryEntry[];
  /** Why it could not be read (the gitops repo did not answer, or its log is unreadable). */
  error?: string;
}

/** A fresh view of the gitops repo's environments. */
export interface EnvironmentsView {
  /** Every environment of the config, its current version and its last `limit` promotions. */
  environments(limit?: number): Promise<EnvironmentState[]>;
  /** Removes the clone; later calls clone again. */
  close(): void;
}

/** Default freshness of the view: the status page polls every 4 s. */
export const DEFAULT_GITOPS_REFRESH_MS = 5000;

/**
 * A view of `config`'s gitops repo through `auth` (the server's own config and token), fetched at
 * most once per `maxAgeMs` (default {@link DEFAULT_GITOPS_REFRESH_MS}); `now` is for tests.
 * Example: `const view = environmentsView({ config, auth }); await view.environments()`.
 */
export function environmentsView(
  target: { config: PipelineConfig; auth?: GitAuth; repo?: string },
  options: { maxAgeMs?: number; now?: () => number } = {},
): EnvironmentsView {
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_GITOPS_REFRESH_MS;
  const now = options.now ?? Date.now;
  const { config } = target;
  const branch = config.gitops.branch;
  let dir: string | undefined;
  let refreshedAt = Number.NEGATIVE_INFINITY;
  let failure: Error | undefined;
  let inFlight: Promise<void> | undefined;

  const refresh = async () => {
    const url = remoteUrl(target);
    if (dir) {
      await git(["fetch", "--quiet", "--", url, `+refs/heads/${branch}:refs/heads/${branch}`], {
        cwd: dir,
        auth: target.auth,
      });
      return;
    }
    const fresh = makeTempDir("pipeline-gitops-view-");
    try {
      await git(["clone", "--quiet", "--bare", "--single-branch", "--branch", branch, "--", url, fresh], {
        auth: target.auth,
      });
    } catch (error) {
      removeTempDir(fresh);
      throw error;
    }
    dir = fresh;
  };

  /** Resolves once the clone is at most `maxAgeMs` old; rejects with the last failure within it. */
  const fresh = async (): Promise<string> => {
    if (!inFlight && now() - refreshedAt >= maxAgeMs) {
      inFlight = refresh().then(
        () => {
          failure = undefined;
        },
        (error: unknown) => {
          failure = error instanceof Error ? error : new Error(String(error));
        },
      );
      void inFlight.finally(() => {
        refreshedAt = now();
        inFlight = undefined;
      });
    }
    if (inFlight) await inFlight;
    if (failure) throw failure;
    return dir!;
  };

  return {
    async environments(limit = 20) {
      const names = Object.keys(config.environments);
      let clone: string;
      try {
        clone = await fresh();
      } catch (error) {
        const why = (error as Error).message.split("\n")[0];
        return names.map((name) => ({ name, current: null, history: [], error: why }));
      }
      return Promise.all(
        names.map(async (name): Promise<EnvironmentState> => {
          try {
            const history = await historyIn(clone, config, name, limit);
            return { name, current: history[0] ?? null, history };
          } catch (error) {
            return { name, current: null, history: [], error: (error as Error).message.split("\n")[0] };
          }
        }),
      );
    },
    close() {
      if (dir) removeTempDir(dir);
      dir = undefined;
      refreshedAt = Number.NEGATIVE_INFINITY;
    },
  };
}
