/**
 * The one exit point of the CLI: runs the program, prints typed errors as one line on stderr and
 * maps them to exit codes (0 ok, 1 failure, 2 bad input or config, 3 missing tool). Unexpected
 * errors are bugs: one line too, with the stack only under PIPELINE_DEBUG=1, because a stack or a
 * raw message can carry file contents or credentials into a CI log.
 */
import { CommanderError } from "commander";
import { ExitCode, PipelineError } from "../core/errors.js";
import { redactLine, secretValues } from "../core/validate.js";
import { programFor } from "./program.js";

/** Runs the CLI with `argv` (as process.argv) and resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const program = programFor(argv);
    await program.parseAsync([...argv]);
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed help or the usage problem already.
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return ExitCode.ok;
      if (error.code === "commander.help") return ExitCode.ok;
      return ExitCode.usage;
    }
    return reportError(error, process.env, (text) => process.stderr.write(text));
  }
}

/**
 * Prints an error the way the CLI does and returns its exit code: a typed error as its one-line
 * message; anything else as one line saying it is a bug. Secrets from `env` and URL credentials
 * are removed and control characters escaped; the stack (with causes) only when
 * PIPELINE_DEBUG=1.
 */
export function reportError(
  error: unknown,
  env: Readonly<Record<string, string | undefined>>,
  write: (text: string) => void,
): number {
  const secrets = secretValues(env);
  const debug = env.PIPELINE_DEBUG === "1";
  if (error instanceof PipelineError) {
    write(`pipeline: ${redactLine(error.message, secrets)}\n`);
    if (debug) write(`${redactStack(error, secrets)}\n`);
    return error.exitCode;
  }
  const summary = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  write(
    `pipeline: unexpected error (a bug, please report it; PIPELINE_DEBUG=1 prints the stack): ${redactLine(summary, secrets, 300)}\n`,
  );
  if (debug) write(`${redactStack(error, secrets)}\n`);
  return ExitCode.failure;
}

/** The stack and every cause's, each line redacted (debug output only). */
function redactStack(error: unknown, secrets: readonly string[]): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const text = current instanceof Error ? (current.stack ?? String(current)) : String(current);
    if (depth > 0) lines.push("caused by:");
    for (const line of text.split("\n")) lines.push(redactLine(line, secrets, 500));
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines.join("\n");
}
