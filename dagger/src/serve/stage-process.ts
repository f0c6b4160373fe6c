/**
 * One stage of a build as its own process: `pipeline <stage> --runner host|dagger` in the
 * checkout, in its own process group, each output line stored as it is printed.
 */
import { spawn } from "node:child_process";
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
  /** Environment of the stage process: the server's, minus its secrets. */
  childEnv: NodeJS.ProcessEnv;
}

/** Log lines kept per stage. */
const MAX_STAGE_LINES = 20_000;

/**
 * Runs `pipeline <stage> --runner <runner>` in the checkout, in its own process group (a cancel
 * stops the tools it started too), sending each output line to the store. Resolves to the exit code.
 */
export function runStageProcess(
  runId: number,
  stage: string,
  dir: string,
  ctx: StageProcessContext,
  signal: AbortSignal,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ctx.cliEntry, stage, "--runner", ctx.runner], {
      cwd: dir,
      env: ctx.childEnv,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let pending = Promise.resolve();
    // A tool may print a secret of the server's environment (stage processes never see serve's own).
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
        pending = pending.then(() => ctx.store.log(runId, stage, text)).catch(() => undefined);
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
      reject(new FailureError(`could not start the ${stage} stage: ${error.message}`)),
    );
    void exited.then((code) => {
      signal.removeEventListener("abort", stop);
      void pending.then(() => resolve(code ?? 1));
    });
  });
}
