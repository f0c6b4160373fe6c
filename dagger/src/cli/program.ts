/**
 * The commander program. Each command's module is loaded by a dynamic import, so the bundle keeps
 * it in its own chunk: a run that names a command loads and defines that command only, and the
 * first registry request of `pipeline manifest merge` waits on nothing else. Help, an unknown
 * command and the default command get the whole program, every command in the order `--help`
 * lists them, so what they print is unchanged. Building it has no side effects; bin/pipeline.ts
 * parses argv and src/cli/main.ts owns exit codes.
 */
import { Command } from "commander";
import { LOCAL_STAGES } from "../core/local-loop.js";
import { redactLine, secretValues } from "../core/validate.js";

/** Loads the module of one or more top-level commands and builds them. */
type Loader = () => Promise<Command[]>;

const stages: Loader = async () => (await import("./commands/local.js")).stageCommands();
const rollbacks: Loader = async () => {
  const { rollbackCommand, unfreezeCommand } = await import("./commands/rollback.js");
  return [rollbackCommand(), unfreezeCommand()];
};

/**
 * Every top-level command but the default one, in `--help` order, with the loader that builds it.
 * Names sharing a loader (the stages; rollback and unfreeze) come from one module.
 */
const COMMANDS: readonly (readonly [name: string, load: Loader])[] = [
  ...LOCAL_STAGES.map((stage) => [stage, stages] as const),
  ["plan", async () => [(await import("./commands/plan.js")).planCommand()]],
  ["render", async () => [(await import("./commands/render.js")).renderCommand()]],
  ["version", async () => [(await import("./commands/version.js")).versionCommand()]],
  ["manifest", async () => [(await import("./commands/manifest.js")).manifestCommand()]],
  ["latest", async () => [(await import("./commands/latest.js")).latestCommand()]],
  ["image", async () => [(await import("./commands/image.js")).imageCommand()]],
  ["chart", async () => [(await import("./commands/chart.js")).chartCommand()]],
  ["notes", async () => [(await import("./commands/notes.js")).notesCommand()]],
  ["github-release", async () => [(await import("./commands/github-release.js")).githubReleaseCommand()]],
  ["sbom", async () => [(await import("./commands/sbom.js")).sbomCommand()]],
  ["sign", async () => [(await import("./commands/sign.js")).signCommand()]],
  ["attest", async () => [(await import("./commands/attest.js")).attestCommand()]],
  ["verify", async () => [(await import("./commands/verify.js")).verifyCommand()]],
  ["promote", async () => [(await import("./commands/promote.js")).promoteCommand()]],
  ["preview", async () => [(await import("./commands/preview.js")).previewCommand()]],
  ["rollback", rollbacks],
  ["unfreeze", rollbacks],
  ["history", async () => [(await import("./commands/history.js")).historyCommand()]],
  ["gitops", async () => [(await import("./commands/gitops.js")).gitopsCommand()]],
  ["init", async () => [(await import("./commands/init.js")).initCommand()]],
  ["config", async () => [(await import("./commands/config.js")).configCommand()]],
  ["serve", async () => [(await import("./commands/serve.js")).serveCommand()]],
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
export async function buildProgram(): Promise<Command> {
  const program = bareProgram();
  const loaders = [...new Set(COMMANDS.map(([, load]) => load))];
  const [local, ...built] = await Promise.all([import("./commands/local.js"), ...loaders.map((l) => l())]);
  program.addCommand(local.localCommand(), { isDefault: true });
  for (const commands of built) for (const command of commands) program.addCommand(command);
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
export async function programFor(argv: readonly string[]): Promise<Command> {
  const name = namedCommand(argv);
  const load = COMMANDS.find(([n]) => n === name)?.[1];
  if (!load) return buildProgram();
  const commands = await load();
  const command = commands.find((c) => c.name() === name);
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
