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
