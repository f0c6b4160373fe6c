/**
 * What this process leaves behind: temp dirs and child processes. Every temp dir and child the
 * pipeline makes is registered here so that success, failure and SIGINT/SIGTERM all end the same
 * way: children stopped (or awaited) before the CLI reports, temp dirs removed. Children run in
 * their own process group, so stopping one also stops what it spawned (git-remote-http,
 * receive-pack on a local remote) and a push can't land after the CLI said it failed. The same
 * holds for the host runner's tools (go build, golangci-lint, helm, docker) and for what outlives
 * its own child (a PostgreSQL started with pg_ctl, a `docker run -d` service), which registers a
 * cleanup instead.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { FailureError } from "../core/errors.js";
import { safeEcho } from "../core/validate.js";

const tempDirs = new Set<string>();
const children = new Map<ChildProcess, string>();
const cleanups = new Set<() => void>();

/** Told of every tracked child's start and end (serve records each run's process groups). */
export interface ChildObserver {
  started(child: ChildProcess): void;
  ended(child: ChildProcess): void;
}

let observer: ChildObserver | undefined;

/** Sets (or with undefined, clears) the one observer of tracked children. */
export function observeChildren(next: ChildObserver | undefined): void {
  observer = next;
}

/** How long a child gets to clean up (git removes its lock files on SIGTERM) before SIGKILL. */
const GRACE_MS = 1_000;

/** Creates a temp dir (`<tmpdir>/<prefix>XXXXXX`) that is removed on exit, whatever the exit. */
export function makeTempDir(prefix: string): string {
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), prefix));
  } catch (error) {
    throw new FailureError(
      `cannot create a temp dir in ${safeEcho(tmpdir(), 200)} (${(error as NodeJS.ErrnoException).code ?? "error"}); set TMPDIR to a writable directory`,
      { cause: error },
    );
  }
  tempDirs.add(dir);
  return dir;
}

/** Removes a temp dir made by {@link makeTempDir} now. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Leaves a temp dir in place on exit (PIPELINE_KEEP_WORKTREE, for debugging). */
export function keepTempDir(dir: string): void {
  tempDirs.delete(dir);
}

/** Temp dirs still registered (for tests of this module). */
export function liveTempDirs(): string[] {
  return [...tempDirs];
}

/**
 * Tracks a child started with `detached: true` (its own process group) until it exits; `name`
 * (default: its program's file name, e.g. `git`, `go`) is what the interrupt message says was
 * stopped. Returns a promise of its exit code (null when a signal ended it).
 */
export function trackChild(
  child: ChildProcess,
  name = basename(child.spawnfile ?? "") || "child",
): Promise<number | null> {
  children.set(child, name);
  const seen = observer;
  if (child.pid) seen?.started(child);
  return new Promise((resolve) => {
    child.once("close", (code) => {
      children.delete(child);
      // Anything it left running in its group goes with it.
      signalGroup(child, "SIGKILL");
      if (child.pid) seen?.ended(child);
      resolve(code);
    });
    child.once("error", () => {
      children.delete(child);
      resolve(null);
    });
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone (ESRCH).
  }
}

/** Stops one child's process group: SIGTERM, then SIGKILL after a grace period; resolves once it has exited. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    signalGroup(child, "SIGKILL");
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signalGroup(child, "SIGKILL");
      resolve();
    };
    child.once("close", done);
    const timer = setTimeout(() => {
      signalGroup(child, "SIGKILL");
      // A child that ignores even SIGKILL's reaping still resolves: the CLI must be able to report.
      setTimeout(done, GRACE_MS).unref();
    }, GRACE_MS);
    timer.unref();
    signalGroup(child, "SIGTERM");
  });
}

/**
 * Registers a synchronous cleanup for something that is not a child of ours but must not outlive
 * the CLI (a daemonised server, a detached container). It runs after the children are stopped, on
 * success, failure and signals, also from an `exit` hook (hence synchronous). Returns a function
 * that unregisters it, for the normal path that cleaned up by itself.
 */
export function onCleanup(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

/** Runs and forgets every registered cleanup; one that throws doesn't stop the others. */
export function runCleanups(): void {
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // Best effort, like temp dirs: the command's own result matters more.
    }
  }
}

/** Stops every live child and waits until they have exited; returns the names of those stopped. */
export async function stopChildren(): Promise<string[]> {
  const live = [...children];
  await Promise.all(live.map(([child]) => stopChild(child)));
  return live.map(([, name]) => name);
}

/** `1 running git process`, `3 running go/helm processes`: what the interrupt stopped. */
export function describeStopped(names: readonly string[]): string {
  const tools = [...new Set(names)].sort().join("/");
  const count = `${names.length} running ${tools} process${names.length === 1 ? "" : "es"}`;
  return names.includes("git") ? `${count}, so nothing more will be pushed (re-running is safe)` : count;
}

/** Removes every registered temp dir (synchronous: also safe in an `exit` handler). */
export function removeTempDirs(): void {
  for (const dir of [...tempDirs]) {
    try {
      removeTempDir(dir);
    } catch {
      // Best effort: a dir we can't remove must not hide the command's own result.
    }
  }
}

/** Awaits children, runs cleanups and removes temp dirs: the CLI calls it before it reports and exits. */
export async function shutdown(): Promise<void> {
  await stopChildren();
  runCleanups();
  removeTempDirs();
}

/** Exit codes of the signals the CLI handles (128 + signal number). */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

let installed = false;

/**
 * Installs SIGINT/SIGTERM handlers: stop children (and wait for them), run cleanups, remove temp dirs, say so on
 * one line, exit 130/143. A second signal while stopping exits at once, after SIGKILL to every
 * child group. An `exit` hook removes what is left in any other case.
 */
export function installSignalHandlers(write: (line: string) => void = (l) => process.stderr.write(l)): void {
  if (installed) return;
  installed = true;
  let stopping = false;
  const onSignal = (signal: keyof typeof SIGNAL_EXIT) => {
    if (stopping) {
      for (const child of children.keys()) signalGroup(child, "SIGKILL");
      runCleanups();
      removeTempDirs();
      process.exit(SIGNAL_EXIT[signal]);
    }
    stopping = true;
    void stopChildren().then((stopped) => {
      runCleanups();
      removeTempDirs();
      write(
        `pipeline: interrupted by ${signal}${stopped.length ? `; stopped ${describeStopped(stopped)}` : ""}\n`,
      );
      process.exit(SIGNAL_EXIT[signal]);
    });
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("exit", () => {
    for (const child of children.keys()) signalGroup(child, "SIGKILL");
    runCleanups();
    removeTempDirs();
  });
}
