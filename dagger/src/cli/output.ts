/**
 * Human and machine output for commands: short aligned text for people, stable JSON for scripts.
 * Commands return data; only these helpers write to stdout.
 */
import { escapeControl } from "../core/validate.js";

/** Writes a value as pretty JSON followed by a newline. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Formats rows as left-aligned columns separated by two spaces (no trailing spaces). Control
 * characters in cells are escaped: a value from a commit, a tag or a file stays on its row.
 */
export function formatTable(input: readonly (readonly string[])[]): string {
  const rows = input.map((row) => row.map(escapeControl));
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Writes lines of text to stdout. */
export function printLines(...lines: string[]): void {
  process.stdout.write(`${lines.join("\n")}\n`);
}
