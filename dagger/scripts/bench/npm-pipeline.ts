/**
 * Goal: `npm run pipeline -- --help`, as the README calls it from the repo root (npm, the launcher's
 * freshness check, the bundle), within 2× of `node -e ''` started the same way: an npm script in a
 * package of its own. Whole processes, runs interleaved so machine noise hits both alike; median
 * of RUNS. `node -e ''` alone is shown too: npm's own start is most of both.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const RUNS = 9;
const GOAL = 2;
const repoRoot = join(import.meta.dirname, "../../..");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Wall time of one whole process; throws when it fails. */
function time(command: string, args: string[], cwd: string): number {
  const env = { ...process.env };
  // The bench itself may run under npm: its variables must not reach the measured npm.
  for (const name of Object.keys(env)) if (/^npm_/i.test(name) || name === "INIT_CWD") delete env[name];
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`bench: ${command} ${args.join(" ")} failed: ${result.stderr}`);
  return ms;
}

export default async function bench() {
  const baseline = mkdtempSync(join(tmpdir(), "pipeline-bench-npm-"));
  try {
    writeFileSync(
      join(baseline, "package.json"),
      JSON.stringify({ name: "node-start", private: true, scripts: { noop: "node -e ''" } }),
    );
    const pipeline = () => time("npm", ["run", "pipeline", "--", "--help"], repoRoot);
    const noop = () => time("npm", ["run", "noop"], baseline);
    const node = () => time(process.execPath, ["-e", ""], baseline);
    // Warm-up, not counted: builds the CLI if its sources changed, fills the page cache.
    pipeline();
    noop();
    const samples = { pipeline: [] as number[], noop: [] as number[], node: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      samples.pipeline.push(pipeline());
      samples.noop.push(noop());
      samples.node.push(node());
    }
    const [p, n, bare] = [median(samples.pipeline), median(samples.noop), median(samples.node)];
    const ratio = p / n;
    return [
      {
        name: "npm run pipeline -- --help",
        value: p,
        unit: "ms",
        note: `median of ${RUNS}; ${ratio.toFixed(2)}× npm run of node -e '' (goal ≤ ${GOAL}×: ${ratio <= GOAL ? "ok" : "OVER"})`,
      },
      { name: "npm run <script: node -e ''>", value: n, unit: "ms", note: `median of ${RUNS}` },
      {
        name: "node -e '' (no npm)",
        value: bare,
        unit: "ms",
        note: `median of ${RUNS}; npm run pipeline -- --help is ${(p / bare).toFixed(1)}× this`,
      },
    ];
  } finally {
    rmSync(baseline, { recursive: true, force: true });
  }
}
