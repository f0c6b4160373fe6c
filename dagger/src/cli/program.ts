/**
 * The commander program. A run that names a command defines that command only (the others' option
 * tables are never built), so the first registry request of `pipeline manifest merge` waits on
 * nothing else; help, an unknown command and the default command get the whole program, every
 * command in the order `--help` lists them, so what they print is unchanged. The command modules
 * stay static imports: as dynamic imports, esbuild's splitting made each a chunk plus its own
 * shared chunks, about ten more files for Node's ESM loader on every run, which cost more than
 * defining every command saved (measured: ~7 ms more CPU per merge, ~20 ms more for --help).
 * Building it has no side effects; bin/pipeline.ts parses argv and src/cli/main.ts owns exit codes.
 */
import { Command } from "commander";
import { LOCAL_STAGES } from "../core/runners/local-loop.js";
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
import { undeployCommand } from "./commands/undeploy.js";
import { verifyCommand } from "./commands/verify.js";
import { versionCommand } from "./commands/version.js";

/** Builds one or more top-level commands. */
type Builder = () => Command[];

const stages: Builder = () => stageCommands();
const rollbacks: Builder = () => [rollbackCommand(), unfreezeCommand()];

/**
 * Every top-level command but the default one, in `--help` order, with its builder. Names sharing
 * a builder (the stages; rollback and unfreeze) are built together.
 */
const COMMANDS: readonly (readonly [name: string, build: Builder])[] = [
  ...LOCAL_STAGES.map((stage) => [stage, stages] as const),
  ["undeploy", () => [undeployCommand()]],
  ["plan", () => [planCommand()]],
  ["render", () => [renderCommand()]],
  ["version", () => [versionCommand()]],
  ["manifest", () => [manifestCommand()]],
  ["latest", () => [latestCommand()]],
  ["image", () => [imageCommand()]],
  ["chart", () => [chartCommand()]],
  ["notes", () => [notesCommand()]],
  ["github-release", () => [githubReleaseCommand()]],
  ["sbom", () => [sbomCommand()]],
  ["sign", () => [signCommand()]],
  ["attest", () => [attestCommand()]],
  ["verify", () => [verifyCommand()]],
  ["promote", () => [promoteCommand()]],
  ["preview", () => [previewCommand()]],
  ["rollback", rollbacks],
  ["unfreeze", rollbacks],
  ["history", () => [historyCommand()]],
  ["gitops", () => [gitopsCommand()]],
  ["init", () => [initCommand()]],
  ["config", () => [configCommand()]],
  ["serve", () => [serveCommand()]],
];

/** The names {@link programFor} can build alone, in `--help` order (the default `local` is not one). */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map(([name]) => name);

/** The program with no commands yet: its name, description, global options and error output. */
function bareProgram(): Command {
  return new Command("pipeline")
    .description("Ship a Go service from commit to cluster: the stages of a release as one Dagger module")
    .option("-c, --config <file>", "path to pipeline.yaml (default: found upward from the current directory)")
    .exitOverride()
    .configureOutput({ outputError: oneLine });
}

/** Builds the `pipeline` program with every command. */
export function buildProgram(): Command {
  const program = bareProgram();
  program.addCommand(localCommand(), { isDefault: true });
  for (const build of new Set(COMMANDS.map(([, build]) => build)))
    for (const command of build()) program.addCommand(command);
  inheritErrorHandling(program);
  return program;
}

/**
 * The top-level command `argv` (as process.argv) runs, when commander would dispatch to it: the
 * first operand, past the global `-c/--config <file>`. Undefined for anything else (no command,
 * another option first, `--`, any `-h/--help`, `help`, or a name that is not a command), which
 * needs the whole program.
 */
export function namedCommand(argv: readonly string[]): string | undefined {
  const args = argv.slice(2);
  if (args.some((arg) => arg === "-h" || arg === "--help")) return undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-c" || arg === "--config") i++;
    else if (arg.startsWith("--config=") || (arg.startsWith("-c") && !arg.startsWith("--"))) continue;
    else if (arg.startsWith("-")) return undefined;
    else return COMMAND_NAMES.includes(arg) ? arg : undefined;
  }
  return undefined;
}

/**
 * The program for `argv`: only the command it names when it names one (parsing then goes exactly
 * as in the whole program, which dispatches a named command the same way), else every command.
 */
export function programFor(argv: readonly string[]): Command {
  const name = namedCommand(argv);
  const build = COMMANDS.find(([n]) => n === name)?.[1];
  const command = build?.().find((c) => c.name() === name);
  if (!command) return buildProgram();
  const program = bareProgram();
  program.addCommand(command);
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
