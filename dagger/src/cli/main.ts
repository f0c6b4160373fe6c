/**
 * The one exit point of the CLI: runs the program, prints typed errors as one line on stderr and
 * maps them to exit codes (0 ok, 1 failure, 2 bad input or config, 3 missing tool). Unexpected
 * errors are bugs: they keep their stack so they can be reported.
 */
import { CommanderError } from "commander";
import { ExitCode, PipelineError } from "../core/errors.js";
import { buildProgram } from "./program.js";

/** Runs the CLI with `argv` (as process.argv) and resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed help or the usage problem already.
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return ExitCode.ok;
      if (error.code === "commander.help") return ExitCode.ok;
      return ExitCode.usage;
    }
    if (error instanceof PipelineError) {
      process.stderr.write(`pipeline: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(
      `pipeline: unexpected error (a bug, please report it):\n${error instanceof Error ? error.stack : String(error)}\n`,
    );
    return ExitCode.failure;
  }
}
