/**
 * `npm test`: every tier, in order, with counts at the end.
 *   checks       type-check (tsc --noEmit) and lint (biome)
 *   unit         pure core, table-driven (vitest)
 *   integration  real servers: registry, PostgreSQL, Docker Engine, git, helm (vitest)
 *   contract     the Dagger module through the SDK's entrypoint and a recording engine (vitest)
 *   go           `go test -race -coverprofile` of the sample service against a real PostgreSQL
 * With CI=true a skipped test fails the run. `--only unit,go` runs a subset.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startPostgres } from "../test/support/postgres.js";

const daggerDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(daggerDir, "..");
const inCI = process.env.CI === "true" || process.env.CI === "1";

interface TierResult {
  tier: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  note?: string;
}

function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): number {
  const result = spawnSync(cmd, args, {
    cwd: options.cwd ?? daggerDir,
    env: options.env ?? process.env,
    stdio: "inherit",
  });
  return result.status ?? 1;
}

function checks(): Omit<TierResult, "tier" | "seconds"> {
  const steps: [string, string[]][] = [
    ["typecheck", ["tsc", "-p", "tsconfig.json", "--noEmit"]],
    ["lint", ["biome", "check", "."]],
    ["build", ["tsc", "-p", "tsconfig.build.json"]],
  ];
  let passed = 0;
  let failed = 0;
  for (const [name, [cmd, ...args]] of steps) {
    const code = run(join(daggerDir, "node_modules", ".bin", cmd!), args);
    process.stdout.write(`${name}: ${code === 0 ? "ok" : "FAILED"}\n`);
    code === 0 ? passed++ : failed++;
  }
  return { passed, failed, skipped: 0 };
}

function vitestTier(project: string): Omit<TierResult, "tier" | "seconds"> {
  const dir = mkdtempSync(join(tmpdir(), "pipeline-vitest-"));
  const report = join(dir, "report.json");
  const code = run(join(daggerDir, "node_modules", ".bin", "vitest"), [
    "run",
    "--project",
    project,
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    "--passWithNoTests",
  ]);
  try {
    const json = JSON.parse(readFileSync(report, "utf8")) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
      numTotalTestSuites: number;
      testResults: { status: string; message?: string; name: string }[];
    };
    // A file that fails to load (e.g. a missing tool in CI) has no tests: count it as a failure.
    const brokenFiles = json.testResults.filter((f) => f.status === "failed" && f.message).length;
    return {
      passed: json.numPassedTests,
      failed: Math.max(json.numFailedTests, code === 0 ? 0 : 1) + brokenFiles,
      skipped: json.numPendingTests + json.numTodoTests,
    };
  } catch {
    return { passed: 0, failed: 1, skipped: 0, note: `vitest exited ${code} without a report` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function goTier(): Promise<Omit<TierResult, "tier" | "seconds">> {
  const goDir = join(repoRoot, "src");
  const postgres = await startPostgres();
  try {
    const result = spawnSync(
      "go",
      ["test", "-race", "-count=1", "-json", "-coverprofile=coverage.out", "./..."],
      {
        cwd: goDir,
        env: { ...process.env, DATABASE_URL: postgres.url },
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const line of result.stdout.split("\n")) {
      if (!line.startsWith("{")) continue;
      const event = JSON.parse(line) as { Action: string; Test?: string; Package: string; Output?: string };
      if (
        event.Action === "output" &&
        event.Output &&
        /^(---|ok|FAIL|panic)/.test(event.Output.trimStart())
      ) {
        process.stdout.write(event.Output);
      }
      if (!event.Test) {
        // A package that fails to build reports fail without a test name.
        if (event.Action === "fail") failed++;
        continue;
      }
      if (event.Action === "pass") passed++;
      else if (event.Action === "fail") failed++;
      else if (event.Action === "skip") skipped++;
    }
    if (result.stderr) process.stderr.write(result.stderr);
    if (result.status !== 0 && failed === 0) failed = 1;
    const cover = spawnSync("go", ["tool", "cover", "-func=coverage.out"], { cwd: goDir, encoding: "utf8" });
    const total = cover.stdout?.split("\n").find((l) => l.startsWith("total:"));
    return { passed, failed, skipped, note: total ? `coverage ${total.split(/\s+/).pop()}` : undefined };
  } finally {
    postgres.stop();
  }
}

const tiers: Record<
  string,
  () => Promise<Omit<TierResult, "tier" | "seconds">> | Omit<TierResult, "tier" | "seconds">
> = {
  checks,
  unit: () => vitestTier("unit"),
  integration: () => vitestTier("integration"),
  contract: () => vitestTier("contract"),
  go: goTier,
};

const onlyIndex = process.argv.indexOf("--only");
const selected = onlyIndex > 0 ? process.argv[onlyIndex + 1]!.split(",") : Object.keys(tiers);
const results: TierResult[] = [];
for (const name of selected) {
  const tier = tiers[name];
  if (!tier) {
    process.stderr.write(`unknown tier "${name}"; known: ${Object.keys(tiers).join(", ")}\n`);
    process.exit(2);
  }
  process.stdout.write(`\n=== ${name} ===\n`);
  const started = Date.now();
  const outcome = await tier();
  results.push({ tier: name, ...outcome, seconds: (Date.now() - started) / 1000 });
}

const sum = (key: "passed" | "failed" | "skipped") => results.reduce((n, r) => n + r[key], 0);
process.stdout.write("\n=== summary ===\n");
for (const r of results) {
  process.stdout.write(
    `${r.tier.padEnd(12)} ${String(r.passed).padStart(4)} passed  ${String(r.failed).padStart(3)} failed  ${String(r.skipped).padStart(3)} skipped  ${r.seconds.toFixed(1).padStart(6)} s${r.note ? `  ${r.note}` : ""}\n`,
  );
}
const failed = sum("failed");
const skipped = sum("skipped");
if (inCI && skipped > 0) process.stdout.write(`CI=true: ${skipped} skipped test(s) count as failures\n`);
process.stdout.write(
  `${sum("passed")} passed, ${failed + (inCI ? skipped : 0)} failed, ${skipped} skipped\n`,
);
process.exit(failed > 0 || (inCI && skipped > 0) ? 1 : 0);
