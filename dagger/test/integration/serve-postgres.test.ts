import { execFileSync } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PostgresServer, startPostgres } from "../support/postgres.js";
import {
  api,
  appYaml,
  githubHook,
  makeServeApp,
  pushPayload,
  type Run,
  type ServeProcess,
  startServe,
} from "../support/serve.js";
import { removeTempDirs } from "../support/temp.js";

const RUNS = 200;

// 200 real fetches and plans on 2 shared cores: about a minute, so the bound is wider than the tier's default.
describe("two pipeline serve processes on one PostgreSQL", () => {
  let postgres: PostgresServer;
  const servers: ServeProcess[] = [];
  beforeAll(async () => {
    postgres = await startPostgres();
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    postgres?.stop();
    removeTempDirs();
  });

  it(`share ${RUNS} queued runs, none run twice`, async () => {
    // Stages serve does not run itself: each run is a real fetch and plan, and takes a moment.
    const app = makeServeApp(appYaml({ stages: ["latest"] }));
    const sha = execFileSync("git", ["rev-parse", "HEAD"], { cwd: app.dir, encoding: "utf8" }).trim();
    const refs = Array.from({ length: RUNS }, (_, i) => `update refs/heads/feat/r${i} ${sha}\n`).join("");
    execFileSync("git", ["update-ref", "--stdin"], { cwd: app.dir, input: refs });
    const db = ["--database", postgres.url, "--repo-url", app.dir, "--runner", "host"];

    const intake = await startServe(app.dir, [...db, "--workers", "0"]);
    for (let i = 0; i < RUNS; i++) {
      const answer = await githubHook(intake.url, "push", pushPayload(`refs/heads/feat/r${i}`, sha));
      expect(answer.status).toBe(202);
    }
    await intake.stop();

    servers.push(await startServe(app.dir, [...db, "--workers", "2"]));
    servers.push(await startServe(app.dir, [...db, "--workers", "2"]));
    const deadline = Date.now() + 200_000;
    let runs: Run[] = [];
    while (Date.now() < deadline) {
      runs = (await api(servers[0]!.url, "/api/runs?limit=500")).body.runs as Run[];
      if (runs.length === RUNS && runs.every((r) => r.status === "succeeded")) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(runs.filter((r) => r.status !== "succeeded")).toEqual([]);

    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      // Each run fetched its commit exactly once, and both processes took a share.
      const fetches = await client.query(
        "SELECT run_id, COUNT(*)::int AS n FROM logs WHERE stage = 'checkout' AND line LIKE 'fetch %' GROUP BY run_id",
      );
      expect(fetches.rows).toHaveLength(RUNS);
      expect(fetches.rows.filter((r: { n: number }) => r.n !== 1)).toEqual([]);
      const workers = await client.query(
        "SELECT split_part(worker, '/', 1) AS process, COUNT(*)::int AS n FROM runs GROUP BY 1",
      );
      expect(workers.rows).toHaveLength(2);
      expect((await client.query("SELECT COUNT(*)::int AS n FROM runs WHERE attempt <> 1")).rows[0].n).toBe(
        0,
      );
    } finally {
      await client.end();
    }
  }, 240_000);
});
