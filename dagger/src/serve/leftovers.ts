/**
 * What a serve that stopped without cleaning up (kill -9, a power cut) left behind, stopped and
 * removed before anything is retried: its runs' process groups (recorded in the store, each
 * checked against its leader's start time), any process carrying its marker that left its group,
 * and then its work and temp dirs.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { killProcesses, killRecordedGroup, markedProcesses } from "../adapters/serve/processes.js";
import type { Store } from "../adapters/serve/store.js";

/** Which serve processes are gone: every other one (SQLite, one process per file) or these instances. */
export interface Leftovers {
  installation: string;
  /** This process's instance id, never stopped. */
  self: string;
  /** Only these instances (PostgreSQL: those whose runs went stale); all others when omitted. */
  instances?: readonly string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops the processes of gone serve instances on this host; resolves to how many were signalled. */
export async function stopLeftovers(store: Store, which: Leftovers): Promise<number> {
  const host = hostname();
  const gone = (instance: string) =>
    instance !== which.self && (!which.instances || which.instances.includes(instance));
  let stopped = 0;
  for (const p of await store.processes(host)) {
    if (!gone(p.instance)) continue;
    if (killRecordedGroup(p.pgid, p.startTicks)) stopped++;
    await store.removeProcess(host, p.pgid, p.startTicks);
  }
  // A few rounds: a process may fork once more between the scan and its SIGKILL.
  for (let round = 0; round < 5; round++) {
    const pids = markedProcesses((marker) => {
      const [installation, instance] = marker.split("/");
      return installation === which.installation && instance !== undefined && gone(instance);
    });
    if (pids.length === 0) break;
    stopped += killProcesses(pids);
    await sleep(50);
  }
  return stopped;
}

/**
 * Removes the per-process folders (`<root>/<pid>`) of serve processes that are gone: with
 * `all`, every one but this process's (SQLite: the lock says no other serve is alive); else
 * those whose pid no longer runs.
 */
export function removeGoneDirs(root: string, all: boolean): void {
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    if (!all) {
      try {
        process.kill(Number(name), 0);
        continue;
      } catch {
        // Gone: its folder goes too.
      }
    }
    rmSync(join(root, name), { recursive: true, force: true });
  }
}
