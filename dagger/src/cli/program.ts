/**
 * The commander program: every command, registered in the order `--help` lists them. Building it
 * has no side effects; bin/pipeline.ts parses argv and src/cli/main.ts owns exit codes.
 */
import { Command } from "commander";
import { redactLine, secretValues } from "../core/validate.js";
import { attestCommand } from "./commands/attest.js";
import { chartCommand } from "./commands/chart.js";
import { configCommand } from "./commands/config.js";
import { githubReleaseCommand } from "./commands/github-release.js";
import { gitopsCommand } from "./commands/gitops.js";
import { historyCommand } from "./commands/history.js";
import { imageCommand } from "./commands/image.js";
import { initCommand } from "./commands/init.js";
import { latestCommand } from "./commands/latest.js";
import { localCommand, stageCommands } from "./commands/local.js";
import { manifestCommand } from "./commands/manifest.js";
import { notesCommand } from "./commands/notes.js";
import { planCommand } from "./commands/plan.js";
import { previewCommand } from "./commands/preview.js";
import { promoteCommand } from "./commands/promote.js";
import { renderCommand } from "./commands/render.js";
import { rollbackCommand, unfreezeCommand } from "./commands/rollback.js";
import { sbomCommand } from "./commands/sbom.js";
import { serveCommand } from "./commands/serve.js";
import { signCommand } from "./commands/sign.js";
import { verifyCommand } from "./commands/verify.js";
import { versionCommand } from "./commands/version.js";

/** Builds the `pipeline` program with every command. */
export function buildProgram(): Command {
  const program = new Command("pipeline")
    .description("Ship a Go service from commit to cluster: the stages of a release as one Dagger module")
    .option("-c, --config <file>", "path to pipeline.yaml (default: found upward from the current directory)")
    .exitOverride()
    .configureOutput({ outputError: oneLine });
  program.addCommand(localCommand(), { isDefault: true });
  for (const stage of stageCommands()) program.addCommand(stage);
  program.addCommand(planCommand());
  program.addCommand(renderCommand());
  program.addCommand(versionCommand());
  program.addCommand(manifestCommand());
  program.addCommand(latestCommand());
  program.addCommand(imageCommand());
  program.addCommand(chartCommand());
  program.addCommand(notesCommand());
  program.addCommand(githubReleaseCommand());
  program.addCommand(sbomCommand());
  program.addCommand(signCommand());
  program.addCommand(attestCommand());
  program.addCommand(verifyCommand());
  program.addCommand(promoteCommand());
  program.addCommand(previewCommand());
  program.addCommand(rollbackCommand());
  program.addCommand(unfreezeCommand());
  program.addCommand(historyCommand());
  program.addCommand(gitopsCommand());
  program.addCommand(initCommand());
  program.addCommand(configCommand());
  program.addCommand(serveCommand());
  inheritErrorHandling(program);
  return program;
}

/**
 * addCommand() does not copy settings to subcommands; without this a bad option in a subcommand
 * would exit 1 from inside commander instead of 2 through main().
 */
function inheritErrorHandling(command: Command): void {
  for (const sub of command.commands) {
    sub.exitOverride().configureOutput({ outputError: oneLine });
    inheritErrorHandling(sub);
  }
}

/** Usage errors from commander, as the same one line our own errors print. */
function oneLine(message: string, write: (text: string) => void): void {
  const text = redactLine(message.replace(/^error: /, "").trim(), secretValues(process.env), 300);
  write(`pipeline: ${text} (see --help)\n`);
}
