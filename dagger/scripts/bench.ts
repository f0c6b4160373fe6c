/**
 * `npm run bench`: runs every scripts/bench/*.ts and prints one table. Each file default-exports
 * an async function returning rows. Numbers come from one run on a shared machine: compare the
 * ratios and budgets in a row, not absolute times across runs. `--json` prints the rows as JSON;
 * `--only name` runs one file.
 */
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureBundle } from "./cli-bundle.mjs";

/** One measured number. */
export interface BenchRow {
  bench: string;
  name: string;
  value: number;
  unit: string;
  /** Budget or comparison, e.g. "budget < 300 ms: ok". */
  note?: string;
}

// The benches run the CLI bundle: build it first if its sources changed (as npm run pipeline would).
await ensureBundle({
  onBuild: () => process.stderr.write("bench: sources changed; rebuilding the CLI bundle\n"),
});

const dir = join(import.meta.dirname, "bench");
const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
const rows: BenchRow[] = [];
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith(".ts"))
  .sort()) {
  const name = basename(file, ".ts");
  if (only && name !== only) continue;
  process.stderr.write(`bench ${name}...\n`);
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as {
    default: () => Promise<Omit<BenchRow, "bench">[]>;
  };
  for (const row of await mod.default()) rows.push({ bench: name, ...row });
}
if (process.argv.includes("--json")) {
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
} else {
  const cells = rows.map((r) => [
    r.bench,
    r.name,
    `${Number.isInteger(r.value) ? r.value : r.value.toFixed(1)} ${r.unit}`,
    r.note ?? "",
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...cells.map((c) => c[i]!.length)));
  for (const c of cells)
    process.stdout.write(
      `${c
        .map((x, i) => (i < 3 ? x.padEnd(widths[i]!) : x))
        .join("  ")
        .trimEnd()}\n`,
    );
}
