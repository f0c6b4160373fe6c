/**
 * `pipeline serve` under webhook load: 1,000 signed deliveries in bursts of 50 from a second
 * process, 100 of them replays. Exactly 900 runs must be recorded; reports accept latency p50/p99
 * (the run is stored in SQLite before each 202).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadResult } from "../serve-load.js";

const entry = join(import.meta.dirname, "../../dist/bin/pipeline.js");
const loader = join(import.meta.dirname, "../serve-load.ts");
const SECRET = "bench-secret-0123456789abcdef";
const TOKEN = "viewer-bench-token-0123456789";

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** Runs the load against a fresh serve (no workers) and returns the load's result and the runs recorded. */
export async function measureServe(
  count: number,
  duplicates: number,
): Promise<LoadResult & { runs: number }> {
  const dir = mkdtempSync(join(tmpdir(), "pipeline-bench-serve-"));
  try {
    writeFileSync(
      join(dir, "pipeline.yaml"),
      "app: shop\nrules:\n  - name: feature\n    events: [branch]\n    branches: [feat/*]\n    stages: [lint]\n",
    );
    execFileSync("git", ["init", "-q", "-b", "main"], { cwd: dir });
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PIPELINE_GITHUB_SECRET: SECRET,
      PIPELINE_API_TOKENS: `viewer:${TOKEN}`,
    };
    delete env.INIT_CWD;
    const server = spawn(
      process.execPath,
      [entry, "serve", "--listen", `127.0.0.1:${port}`, "--workers", "0"],
      {
        cwd: dir,
        env,
        stdio: "ignore",
      },
    );
    const url = `http://127.0.0.1:${port}`;
    try {
      for (let i = 0; ; i++) {
        if (
          await fetch(`${url}/healthz`).then(
            (r) => r.ok,
            () => false,
          )
        )
          break;
        if (i > 200) throw new Error("serve did not start");
        await new Promise((r) => setTimeout(r, 100));
      }
      const out = execFileSync(
        process.execPath,
        ["--import", "tsx", loader, url, String(count), String(duplicates), "50"],
        {
          env,
          encoding: "utf8",
          cwd: join(import.meta.dirname, "../.."),
        },
      );
      const result = JSON.parse(out.trim().split("\n").pop()!) as LoadResult;
      let runs = 0;
      let before: number | null | undefined;
      do {
        const page = (await (
          await fetch(`${url}/api/runs?limit=500${before ? `&before=${before}` : ""}`, {
            headers: { authorization: `Bearer ${TOKEN}` },
          })
        ).json()) as { runs: unknown[]; next: number | null };
        runs += page.runs.length;
        before = page.next;
      } while (before);
      return { ...result, runs };
    } finally {
      server.kill("SIGTERM");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function bench() {
  const result = await measureServe(1000, 100);
  const exact = result.runs === 900 && result.statuses["202"] === 900 && result.statuses["200"] === 100;
  return [
    { name: "accept p50 (1,000 deliveries, bursts of 50)", value: result.p50Ms, unit: "ms" },
    { name: "accept p99", value: result.p99Ms, unit: "ms" },
    {
      name: "runs recorded (100 of them replays)",
      value: result.runs,
      unit: "runs",
      note: exact
        ? "expected 900: ok"
        : `expected 900 and 900 × 202 + 100 × 200; got ${JSON.stringify(result.statuses)}`,
    },
  ];
}
