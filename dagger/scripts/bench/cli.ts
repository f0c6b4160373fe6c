/**
 * Budget: `pipeline --help` and `pipeline plan --json` under 300 ms (median), also in a repo with
 * 2,000 tags. Runs the CLI as `npm run pipeline` does (the bundle, dist/cli/pipeline.mjs).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipelineEntry } from "../bench-support.js";

const entry = pipelineEntry();
const BUDGET_MS = 300;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(args: string[], cwd: string, runs = 15): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [entry, ...args], {
      cwd,
      encoding: "utf8",
      env: { ...process.env, GITHUB_ACTIONS: "" },
    });
    if (result.status !== 0) throw new Error(`pipeline ${args.join(" ")} failed: ${result.stderr}`);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(samples);
}

/** A repo with `count` tags (half annotated), made fast by writing refs in one update-ref call. */
function repoWithTags(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), "pipeline-bench-"));
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: dir, encoding: "utf8", input: undefined }).trim();
  git("init", "-q", "-b", "main");
  writeFileSync(join(dir, "pipeline.yaml"), "app: shop\n");
  mkdirSync(join(dir, "src/cmd/api"), { recursive: true });
  writeFileSync(join(dir, "src/cmd/api/main.go"), "package main\n\nfunc main() {}\n");
  git("add", "-A");
  git("-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "init");
  const head = git("rev-parse", "HEAD");
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `v${Math.floor(i / 100)}.${i % 100}.0`;
    if (i % 2 === 0) {
      const tag = execFileSync("git", ["mktag"], {
        cwd: dir,
        input: `object ${head}\ntype commit\ntag ${name}\ntagger b <b@b> 1700000000 +0000\n\nrelease ${name}\n`,
        encoding: "utf8",
      }).trim();
      lines.push(`create refs/tags/${name} ${tag}`);
    } else {
      lines.push(`create refs/tags/${name} ${head}`);
    }
  }
  execFileSync("git", ["update-ref", "--stdin"], { cwd: dir, input: `${lines.join("\n")}\n` });
  git("pack-refs", "--all");
  return dir;
}

export default async function bench() {
  const repo = repoWithTags(2000);
  try {
    const help = time(["--help"], repo);
    const plan = time(["plan", "--json", "--ref", "refs/heads/main"], repo);
    const verdict = (ms: number) =>
      `median of 15; budget < ${BUDGET_MS} ms: ${ms < BUDGET_MS ? "ok" : "OVER"}`;
    return [
      { name: "pipeline --help (2,000 tags)", value: help, unit: "ms", note: verdict(help) },
      { name: "pipeline plan --json (2,000 tags)", value: plan, unit: "ms", note: verdict(plan) },
    ];
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}
