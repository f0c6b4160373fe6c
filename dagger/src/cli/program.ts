/**
 * The commander program: every command, registered in the order `--help` lists them. Building it
 * has no side effects; bin/pipeline.ts parses argv and src/cli/main.ts owns exit codes.
 */
import { Command } from "commander";
import { configCommand } from "./commands/config.js";

/** Builds the `pipeline` program with every command. */
export function buildProgram(): Command {
  const program = new Command("pipeline")
    .description("Ship a Go service from commit to cluster: the stages of a release as one Dagger module")
    .option("-c, --config <file>", "path to pipeline.yaml (default: found upward from the current directory)")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  program.addCommand(configCommand());
  return program;
}
