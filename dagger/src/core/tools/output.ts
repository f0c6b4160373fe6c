/**
 * How a failed tool is reported: the command, its exit code and the tool's own last lines, so a
 * stage's error says what the linter or test found, not only "exit code: 1".
 */

/** What a failed command left behind. */
export interface ToolFailure {
  cmd: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The last `count` non-empty lines of `text`, indented, long lines cut, for an error message. */
export function outputTail(text: string, count = 20): string {
  return text
    .split("\n")
    .filter((l) => l.trim())
    .slice(-count)
    .map((l) => `  ${l.length > 240 ? `${l.slice(0, 240)}...` : l}`)
    .join("\n");
}

/**
 * One message for a failed tool: `<what>: \`<cmd>\` exited <code>:` then the last lines of its
 * output (stdout then stderr, where linters and `go test` print their findings).
 */
export function toolFailureMessage(what: string, failure: ToolFailure, lines = 20): string {
  const shown = failure.cmd.length > 6 ? `${failure.cmd.slice(0, 6).join(" ")} ...` : failure.cmd.join(" ");
  const output = outputTail(`${failure.stdout}\n${failure.stderr}`, lines);
  return `${what}: \`${shown}\` exited ${failure.exitCode}${output ? `:\n${output}` : " with no output"}`;
}

/**
 * The failure an engine exec error carries, recognised by its shape: the SDK's ExecError (name
 * "ExecError", with cmd, exitCode, stdout and stderr, filled from the GraphQL error's EXEC_ERROR
 * extensions). Recognised without the class because a module cannot import it: the engine's
 * module SDK exports no error classes (docs/module.md, "What a module may import"). Undefined
 * for anything else.
 */
export function execFailureOf(error: unknown): ToolFailure | undefined {
  if (!(error instanceof Error) || error.name !== "ExecError") return undefined;
  const e = error as Error & Partial<Record<keyof ToolFailure, unknown>>;
  if (!Array.isArray(e.cmd) || typeof e.exitCode !== "number") return undefined;
  return {
    cmd: e.cmd.map(String),
    exitCode: e.exitCode,
    stdout: typeof e.stdout === "string" ? e.stdout : "",
    stderr: typeof e.stderr === "string" ? e.stderr : "",
  };
}
