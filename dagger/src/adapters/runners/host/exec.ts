/**
 * Runs one argv on the host, the way the module runs it in a container: output captured, and a
 * failure that names the command, where it ran and the tool's own last lines of output. Each
 * child runs in its own process group and is tracked, so SIGINT/SIGTERM of the CLI stops it and
 * what it started (go's compilers, helm's plugins) before the CLI exits.
 */
import { spawn } from "node:child_process";
import { FailureError } from "../../../core/errors.js";
import { outputTail } from "../../../core/tools/output.js";
import { trackChild } from "../../process-lifecycle.js";
import { containedCommand } from "./contain.js";

/** What a command printed. */
export interface ToolOutput {
  stdout: string;
  stderr: string;
  /** The exit code (with `allowFail`, which resolves whatever it is). */
  code?: number | null;
}

/**
 * Runs `argv` in `cwd` with `env` added; rejects with a FailureError carrying the output's tail,
 * or with `allowFail` resolves whatever the exit code (the caller reads `code`).
 */
export function runTool(
  argv: readonly string[],
  options: {
    cwd: string;
    env?: Readonly<Record<string, string>>;
    input?: string | Buffer;
    what?: string;
    allowFail?: boolean;
    /** The command runs the repository's code: `--container` runs it in the image (./contain.ts). */
    repoCode?: boolean;
  },
): Promise<ToolOutput> {
  const contained = options.repoCode ? containedCommand(argv, options.cwd, options.env) : undefined;
  return new Promise((resolve, reject) => {
    const command = contained?.argv ?? argv;
    const child = spawn(command[0]!, command.slice(1), {
      cwd: options.cwd,
      env: contained?.env ?? { ...process.env, ...options.env },
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      detached: true,
    });
    const exited = trackChild(child);
    let started = true;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (d: Buffer) => out.push(d));
    child.stderr!.on("data", (d: Buffer) => err.push(d));
    child.on("error", (error) => {
      started = false;
      reject(new FailureError(`${options.what ?? argv[0]}: could not start ${argv[0]} (${error.message})`));
    });
    // A tool that exits without reading its input must not crash us with EPIPE.
    child.stdin?.on("error", () => undefined);
    if (options.input !== undefined) child.stdin!.end(options.input);
    void exited.then((code) => {
      contained?.done();
      if (!started) return;
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0 || options.allowFail) return resolve({ stdout, stderr, code });
      const name = argv.slice(0, argv[0] === "sh" ? 1 : 2).join(" ");
      const how = code === null ? `was stopped by ${child.signalCode ?? "a signal"}` : `exited ${code}`;
      reject(
        new FailureError(
          `${options.what ?? argv[0]}: ${name} ${how} in ${options.cwd}; its last lines:\n${outputTail(`${stdout}\n${stderr}`, 15)}`,
        ),
      );
    });
  });
}
