/**
 * Turns the engine's exec failure into the stage's own error: the SDK's ExecError carries the
 * command, exit code, stdout and stderr, but its message is only "exit code: 1".
 */
import { ExecError } from "@dagger.io/dagger";
import { FailureError } from "../core/errors.js";
import { toolFailureMessage } from "../core/tools/output.js";

/** Awaits `work`; an exec failure becomes a FailureError naming `what` with the tool's last lines. */
export async function withToolOutput<T>(what: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ExecError) {
      throw new FailureError(
        toolFailureMessage(what, {
          cmd: error.cmd,
          exitCode: error.exitCode,
          stdout: error.stdout,
          stderr: error.stderr,
        }),
        { cause: error },
      );
    }
    throw error;
  }
}
