/**
 * One stage of a build as its own process: `pipeline <stage> --runner host|dagger` in the
 * checkout, in its own process group, each output line stored as it is printed. The process runs
 * the repository's code, so it gets the allow-listed environment (no credential) and the run's
 * own temp dir; with `--container`, the host runner runs that code in a container too.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { stopChild, trackChild } from "../adapters/process-lifecycle.js";
import type { Store } from "../adapters/serve/store.js";
import { FailureError } from "../core/errors.js";
import { redactLine, secretValues } from "../core/validate.js";

/** What a stage process needs of the run's executor. */
export interface StageProcessContext {
  store: Store;
  /** The CLI entry (`node <entry> <stage>`). */
  cliEntry: string;
  runner: "host" | "dagger";
  /** The environment of a process that runs repository code, given its temp dir. */
  stageEnv: (tmpDir: string) => NodeJS.ProcessEnv;
  /** The image the host runner runs repository code in. */
  container?: string;
}

/** Log lines kept per stage. */
const MAX_STAGE_LINES = 20_000;

/** Which stage command to run, its extra arguments (the event), and the stage its lines belong to. */
export interface StageCommand {
  stage: string;
  args: readonly string[];
  label: string;
}

/**
 * Runs `pipeline <stage> --runner <runner> <args>` in the run's checkout, in its own process
 * group (a cancel stops the tools it started too), sending each output line to the store.
 * Resolves to the exit code.
 */
export function runStageProcess(
  runId: number,
  command: StageCommand,
  where: { runDir: string; dir: string },
  ctx: StageProcessContext,
  signal: AbortSignal,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const argv = [
      ctx.cliEntry,
      command.stage,
      "--runner",
      ctx.runner,
      ...command.args,
      ...(ctx.container && ctx.runner === "host" ? ["--container", ctx.container] : []),
    ];
    const child = spawn(process.execPath, argv, {
      cwd: where.dir,
      env: ctx.stageEnv(join(where.runDir, "tmp")),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let pending = Promise.resolve();
    // Nothing secret reaches the process, but a tool may still print one it found: redact serve's.
    const secrets = secretValues(process.env);
    let count = 0;
    const lines = (stream: NodeJS.ReadableStream) =>
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
        // A runaway tool must not fill the database: keep the first MAX_STAGE_LINES lines.
        if (++count > MAX_STAGE_LINES + 1) return;
        const text =
          count > MAX_STAGE_LINES
            ? `… output cut after ${MAX_STAGE_LINES} lines`
            : redactLine(line, secrets, 4000);
        pending = pending.then(() => ctx.store.log(runId, command.label, text)).catch(() => undefined);
      });
    lines(child.stdout!);
    lines(child.stderr!);
    // Tracked, so a SIGTERM of serve stops stage processes (and the tools they started) too.
    const exited = trackChild(child);
    const stop = () => void stopChild(child);
    // A cancel that came while the stage was starting has already fired its event: act on it now.
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
    child.on("error", (error) =>
      reject(new FailureError(`could not start the ${command.stage} stage: ${error.message}`)),
    );
    void exited.then((code) => {
      signal.removeEventListener("abort", stop);
      void pending.then(() => resolve(code ?? 1));
    });
  });
}
