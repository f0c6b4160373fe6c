/**
 * Turns the engine's exec failure into the stage's own error: the SDK's ExecError carries the
 * command, exit code, stdout and stderr, but its message is only "exit code: 1". The class itself
 * is not importable in a module (the engine's module SDK re-exports no error classes; importing
 * one fails module load), so the failure is recognised by its shape (core/tools/output.ts).
 */
import { FailureError } from "../core/errors.js";
import { execFailureOf, toolFailureMessage } from "../core/tools/output.js";

/** Awaits `work`; an exec failure becomes a FailureError naming `what` with the tool's last lines. */
export async function withToolOutput<T>(what: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const failure = execFailureOf(error);
    if (failure) throw new FailureError(toolFailureMessage(what, failure), { cause: error });
    throw error;
  }
}
