/**
 * Runs one argv on the host, the way the module runs it in a container: output captured, and a
 * failure that names the command, where it ran and the tool's own last lines of output.
 */
import { spawn } from "node:child_process";
import { FailureError } from "../../core/errors.js";
import { outputTail } from "../../core/tool-output.js";

/** What a command printed. */
export interface ToolOutput {
  stdout: string;
  stderr: string;
}

/** Runs `argv` in `cwd` with `env` added; rejects with a FailureError carrying the output's tail. */
export function runTool(
  argv: readonly string[],
  options: { cwd: string; env?: Readonly<Record<string, string>>; input?: string | Buffer; what?: string },
): Promise<ToolOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (d: Buffer) => out.push(d));
    child.stderr!.on("data", (d: Buffer) => err.push(d));
    child.on("error", (error) =>
      reject(new FailureError(`${options.what ?? argv[0]}: could not start ${argv[0]} (${error.message})`)),
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
    child.on("close", (code) => {
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0) return resolve({ stdout, stderr });
      const name = argv.slice(0, argv[0] === "sh" ? 1 : 2).join(" ");
      reject(
        new FailureError(
          `${options.what ?? argv[0]}: ${name} exited ${code} in ${options.cwd}; its last lines:\n${outputTail(`${stdout}\n${stderr}`, 15)}`,
        ),
      );
    });
  });
}
