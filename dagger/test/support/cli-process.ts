/**
 * The real CLI as a process a test can watch and signal: its pid, a result with a hard deadline
 * (a hung CLI fails the test instead of hanging it), and helpers to see which processes are
 * still alive and what their argv was.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { CLI_ENTRY, type CliResult } from "./cli.js";

/** A CLI run in progress. */
export interface CliProcess {
  child: ChildProcess;
  /** Resolves when the CLI exits (code 1 and a note on stderr when the deadline killed it). */
  result: Promise<CliResult & { ms: number; signal: NodeJS.Signals | null }>;
}

/** Starts `pipeline <args>`; it is killed after `deadlineMs` (default 60 s). */
export function startCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; deadlineMs?: number } = {},
): CliProcess {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.INIT_CWD;
  Object.assign(env, options.env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const started = Date.now();
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], { cwd: options.cwd, env });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const deadline = setTimeout(() => {
    stderr += "\n[test] CLI killed at its deadline\n";
    child.kill("SIGKILL");
  }, options.deadlineMs ?? 60_000);
  const result = new Promise<CliResult & { ms: number; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(deadline);
      resolve({ code: code ?? 1, stdout, stderr, ms: Date.now() - started, signal });
    });
  });
  return { child, result };
}

/** Every live process's argv (from /proc), as one space-joined string each. */
export function processArgvs(): { pid: number; argv: string }[] {
  const out: { pid: number; argv: string }[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const raw = readFileSync(`/proc/${name}/cmdline`, "utf8");
      if (!raw) continue; // zombies and kernel threads
      out.push({ pid: Number(name), argv: raw.split("\0").join(" ").trim() });
    } catch {
      // Exited while we looked.
    }
  }
  return out;
}

/** Live processes whose argv contains `marker` (other than this test process). */
export function processesWith(marker: string): { pid: number; argv: string }[] {
  return processArgvs().filter((p) => p.pid !== process.pid && p.argv.includes(marker));
}
