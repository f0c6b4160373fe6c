/**
 * The process groups each run starts, recorded in the store as they start and forgotten as they
 * end, so a serve that starts after a crash can stop what the crashed one left running. Every
 * child of serve goes through the process lifecycle's tracking (stage processes, git, docker),
 * and the run it belongs to is the async context it was started in.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { ChildProcess } from "node:child_process";
import { hostname } from "node:os";
import { observeChildren } from "../adapters/process-lifecycle.js";
import { processStartTicks } from "../adapters/serve/processes.js";
import type { Store } from "../adapters/serve/store.js";

/** The id of the run whose work is running in this async context. */
export const runScope = new AsyncLocalStorage<number>();

/** Records the process group of every child a run starts, until `stop` is called. */
export function recordRunProcesses(store: Store, instance: string): { stop(): void } {
  const host = hostname();
  const started = new Map<ChildProcess, string>();
  observeChildren({
    started(child) {
      const runId = runScope.getStore();
      const ticks = child.pid ? processStartTicks(child.pid) : null;
      if (runId === undefined || !ticks) return;
      started.set(child, ticks);
      void store
        .addProcess({ host, pgid: child.pid!, startTicks: ticks, runId, instance })
        .catch(() => undefined);
    },
    ended(child) {
      const ticks = started.get(child);
      if (!ticks) return;
      started.delete(child);
      void store.removeProcess(host, child.pid!, ticks).catch(() => undefined);
    },
  });
  return { stop: () => observeChildren(undefined) };
}
