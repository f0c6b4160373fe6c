/**
 * Finding and stopping what a crashed serve left running, through /proc (Linux). A recorded
 * process group is stopped only while its leader has the start time recorded with it, so a pid
 * the kernel gave to an unrelated process since is never signalled. Processes that left the
 * group (a daemonised PostgreSQL, a container's processes) are found by the marker variable every
 * child of serve inherits.
 */
import { readdirSync, readFileSync } from "node:fs";

/** The variable every process serve starts carries: `<installation>/<instance>`. */
export const SERVE_MARKER = "PIPELINE_SERVE_INSTANCE";

/** A process's start time in clock ticks since boot (/proc/<pid>/stat field 22), or null when it is gone. */
export function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** The marker value in a process's environment, or null (gone, unreadable, or not ours). */
export function markerOf(pid: number): string | null {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, "latin1");
    const entry = environ.split("\0").find((e) => e.startsWith(`${SERVE_MARKER}=`));
    return entry ? entry.slice(SERVE_MARKER.length + 1) : null;
  } catch {
    return null;
  }
}

/** Pids of live processes whose marker `accept`s (this process excluded). */
export function markedProcesses(accept: (marker: string) => boolean): number[] {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const marker = markerOf(Number(name));
    if (marker !== null && accept(marker)) out.push(Number(name));
  }
  return out;
}

/** Sends SIGKILL to group `pgid` if its leader still started at `startTicks`; true when it did. */
export function killRecordedGroup(pgid: number, startTicks: string): boolean {
  if (processStartTicks(pgid) !== startTicks) return false;
  try {
    process.kill(-pgid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

/** Sends SIGKILL to each pid (gone ones are skipped); returns how many were signalled. */
export function killProcesses(pids: readonly number[]): number {
  let n = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
      n++;
    } catch {
      // Gone already.
    }
  }
  return n;
}
