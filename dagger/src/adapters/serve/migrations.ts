/**
 * serve's schema, as numbered migrations applied at start inside one write transaction each
 * (recorded in schema_migrations). An in-house list rather than a migration tool: the schema is
 * a handful of tables, it must run the same on SQLite and PostgreSQL from one process start, and the
 * tools we looked at (knex, umzug, node-pg-migrate) bring either a query builder or a
 * PostgreSQL-only runner for what is a loop over an array.
 */
import type { Db } from "./db.js";

/** One migration: its version and its statements per dialect. */
interface Migration {
  version: number;
  sqlite: string[];
  postgres: string[];
}

const id = { sqlite: "INTEGER PRIMARY KEY AUTOINCREMENT", postgres: "BIGSERIAL PRIMARY KEY" };
const int = { sqlite: "INTEGER", postgres: "BIGINT" };

/** Builds both dialects' statements from one template (`{id}` and `{int}` differ). */
function both(statements: string[]): Pick<Migration, "sqlite" | "postgres"> {
  const render = (d: "sqlite" | "postgres") =>
    statements.map((s) => s.replaceAll("{id}", id[d]).replaceAll("{int}", int[d]));
  return { sqlite: render("sqlite"), postgres: render("postgres") };
}

/** Every migration, oldest first. Never edit one that has shipped: add the next. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    ...both([
      `CREATE TABLE runs (
        id {id},
        kind TEXT NOT NULL,
        source TEXT NOT NULL,
        ref TEXT,
        sha TEXT,
        fetch_ref TEXT,
        pr {int},
        env TEXT,
        version TEXT,
        rule TEXT,
        concurrency_key TEXT NOT NULL,
        status TEXT NOT NULL,
        attempt {int} NOT NULL DEFAULT 1,
        retry_of {int},
        cancel_requested {int} NOT NULL DEFAULT 0,
        worker TEXT,
        error TEXT,
        created_at {int} NOT NULL,
        started_at {int},
        finished_at {int},
        heartbeat_at {int}
      )`,
      "CREATE INDEX runs_status ON runs (status, id)",
      "CREATE INDEX runs_key ON runs (concurrency_key, status)",
      // At most one running run per key, whichever process claims it: the database says no to the second.
      "CREATE UNIQUE INDEX runs_one_running ON runs (concurrency_key) WHERE status = 'running'",
      `CREATE TABLE stages (
        run_id {int} NOT NULL,
        idx {int} NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at {int},
        finished_at {int},
        duration_ms {int},
        detail TEXT,
        PRIMARY KEY (run_id, idx)
      )`,
      `CREATE TABLE logs (
        id {id},
        run_id {int} NOT NULL,
        stage TEXT NOT NULL,
        at {int} NOT NULL,
        line TEXT NOT NULL
      )`,
      "CREATE INDEX logs_run ON logs (run_id, id)",
      `CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        received_at {int} NOT NULL,
        run_id {int}
      )`,
      `CREATE TABLE deployments (
        id {id},
        run_id {int},
        env TEXT NOT NULL,
        action TEXT NOT NULL,
        version TEXT,
        chart_version TEXT,
        git_commit TEXT,
        created_at {int} NOT NULL
      )`,
      "CREATE INDEX deployments_env ON deployments (env, id)",
    ]),
  },
  {
    // The trust boundary and exactly-once effects (issue #21).
    version: 2,
    ...both([
      // A fork's pull request, and the deployer who approved its credentialed stages.
      "ALTER TABLE runs ADD COLUMN fork {int} NOT NULL DEFAULT 0",
      "ALTER TABLE runs ADD COLUMN approved_by TEXT",
      "ALTER TABLE runs ADD COLUMN approved_at {int}",
      // The first run of a retry chain: the name of the operations its gitops commits carry.
      "ALTER TABLE runs ADD COLUMN op_run {int}",
      // The serve process (instance) that claimed the run: a restart stops what it left running.
      "ALTER TABLE runs ADD COLUMN instance TEXT",
      "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
      // A gitops change decided before it is pushed, so a retry applies the same one.
      `CREATE TABLE intents (
        op_run {int} NOT NULL,
        action TEXT NOT NULL,
        env TEXT NOT NULL,
        version TEXT,
        chart_version TEXT,
        source_sha TEXT,
        reason TEXT,
        at TEXT,
        git_commit TEXT,
        recorded {int} NOT NULL DEFAULT 0,
        created_at {int} NOT NULL,
        PRIMARY KEY (op_run, action, env)
      )`,
      // Process groups of running runs, with their start time so a reused pid is never taken for one.
      `CREATE TABLE run_processes (
        host TEXT NOT NULL,
        pgid {int} NOT NULL,
        start_ticks TEXT NOT NULL,
        run_id {int} NOT NULL,
        instance TEXT NOT NULL,
        created_at {int} NOT NULL,
        PRIMARY KEY (host, pgid, start_ticks)
      )`,
    ]),
  },
];

/** Applies the migrations `db` lacks, each in its own transaction; returns the versions applied. */
export async function migrate(db: Db): Promise<number[]> {
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    const done = await db.tx(async (sql) => {
      // Two serve processes starting on one PostgreSQL: the second waits here, then sees it applied.
      if (db.dialect === "postgres") await sql.all("SELECT pg_advisory_xact_lock(7013015)");
      await sql.all(
        `CREATE TABLE IF NOT EXISTS schema_migrations (version ${int[db.dialect]} PRIMARY KEY, applied_at ${int[db.dialect]} NOT NULL)`,
      );
      const rows = await sql.all("SELECT version FROM schema_migrations WHERE version = ?", [
        migration.version,
      ]);
      if (rows.length > 0) return false;
      for (const statement of migration[db.dialect]) await sql.all(statement);
      await sql.all("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", [
        migration.version,
        Date.now(),
      ]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}
