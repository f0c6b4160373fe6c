/**
 * serve's durable state over either database: runs and their queue, stages, log lines,
 * webhook deliveries (for replay refusal) and deployments. Every write that decides something
 * (enqueue with its cancellations, claim) is one transaction, so two workers or two serve
 * processes never take the same run.
 */
import { afterCrash, concurrencyOf, type RunKind, type RunStatus } from "../../core/serve/queue.js";
import type { Db, Row, SqlValue } from "./db.js";

/** A run as stored. */
export interface Run {
  id: number;
  kind: RunKind;
  source: string;
  ref: string | null;
  sha: string | null;
  fetchRef: string | null;
  pr: number | null;
  env: string | null;
  version: string | null;
  rule: string | null;
  concurrencyKey: string;
  status: RunStatus;
  attempt: number;
  retryOf: number | null;
  cancelRequested: boolean;
  worker: string | null;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** A stage of a run. */
export interface StageRow {
  idx: number;
  name: string;
  status: string;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  detail: string | null;
}

/** A deployment recorded from promote, preview or rollback. */
export interface Deployment {
  id: number;
  runId: number | null;
  env: string;
  action: string;
  version: string | null;
  chartVersion: string | null;
  gitCommit: string | null;
  createdAt: number;
}

/** What a new run says. */
export interface NewRun {
  kind: RunKind;
  source: string;
  ref?: string | null;
  sha?: string | null;
  fetchRef?: string | null;
  pr?: number | null;
  env?: string | null;
  version?: string | null;
  rule?: string | null;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toRun(r: Row): Run {
  return {
    id: Number(r.id),
    kind: r.kind as RunKind,
    source: String(r.source),
    ref: text(r.ref),
    sha: text(r.sha),
    fetchRef: text(r.fetch_ref),
    pr: num(r.pr),
    env: text(r.env),
    version: text(r.version),
    rule: text(r.rule),
    concurrencyKey: String(r.concurrency_key),
    status: r.status as RunStatus,
    attempt: Number(r.attempt),
    retryOf: num(r.retry_of),
    cancelRequested: Number(r.cancel_requested) === 1,
    worker: text(r.worker),
    error: text(r.error),
    createdAt: Number(r.created_at),
    startedAt: num(r.started_at),
    finishedAt: num(r.finished_at),
  };
}

/** Filters and paging of {@link Store.listRuns}. */
export interface RunFilter {
  status?: string;
  kind?: string;
  ref?: string;
  env?: string;
  /** Runs with an id below this (the next page's cursor). */
  before?: number;
  limit?: number;
}

/** The store. */
export class Store {
  constructor(
    readonly db: Db,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Stores a run (and its delivery id, when from a webhook) before anyone is answered. A
   * delivery seen before returns `duplicate` with the first run's id. A newer run for a PR or
   * branch cancels the older ones: queued ones at once, running ones by request.
   */
  async enqueue(
    run: NewRun,
    delivery?: string,
  ): Promise<{ id: number; duplicate: boolean; cancelled: number[] }> {
    const { key, policy } = concurrencyOf(run);
    const now = this.clock();
    return this.db.tx(async (sql) => {
      if (delivery !== undefined) {
        const seen = await sql.all(
          "INSERT INTO deliveries (id, received_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING RETURNING id",
          [delivery, now],
        );
        if (seen.length === 0) {
          const first = await sql.all("SELECT run_id FROM deliveries WHERE id = ?", [delivery]);
          return { id: Number(first[0]?.run_id ?? 0), duplicate: true, cancelled: [] };
        }
      }
      const cancelled: number[] = [];
      if (policy === "cancel-older") {
        const older = await sql.all(
          "SELECT id, status FROM runs WHERE concurrency_key = ? AND status IN ('queued', 'running')",
          [key],
        );
        for (const o of older) {
          cancelled.push(Number(o.id));
          if (o.status === "queued")
            await sql.all(
              "UPDATE runs SET status = 'cancelled', finished_at = ?, error = 'superseded by a newer run' WHERE id = ? AND status = 'queued'",
              [now, Number(o.id)],
            );
          else await sql.all("UPDATE runs SET cancel_requested = 1 WHERE id = ?", [Number(o.id)]);
        }
      }
      const rows = await sql.all(
        `INSERT INTO runs (kind, source, ref, sha, fetch_ref, pr, env, version, rule, concurrency_key, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?) RETURNING id`,
        [
          run.kind,
          run.source,
          run.ref ?? null,
          run.sha ?? null,
          run.fetchRef ?? null,
          run.pr ?? null,
          run.env ?? null,
          run.version ?? null,
          run.rule ?? null,
          key,
          now,
        ],
      );
      const id = Number(rows[0]!.id);
      if (delivery !== undefined)
        await sql.all("UPDATE deliveries SET run_id = ? WHERE id = ?", [id, delivery]);
      return { id, duplicate: false, cancelled };
    });
  }

  /**
   * Takes the oldest queued run whose key has nothing running, for `worker`. PostgreSQL skips
   * rows another process has locked (FOR UPDATE SKIP LOCKED); SQLite's immediate transaction
   * holds the write lock. The unique index on running keys refuses a second claim of one key.
   */
  async claim(worker: string): Promise<Run | null> {
    const lock = this.db.dialect === "postgres" ? " FOR UPDATE SKIP LOCKED" : "";
    try {
      return await this.db.tx(async (sql) => {
        const rows = await sql.all(
          `SELECT * FROM runs r WHERE status = 'queued' AND NOT EXISTS
             (SELECT 1 FROM runs o WHERE o.concurrency_key = r.concurrency_key AND o.status = 'running')
           ORDER BY id LIMIT 1${lock}`,
        );
        if (rows.length === 0) return null;
        const now = this.clock();
        const claimed = await sql.all(
          "UPDATE runs SET status = 'running', worker = ?, started_at = ?, heartbeat_at = ? WHERE id = ? AND status = 'queued' RETURNING *",
          [worker, now, now, Number(rows[0]!.id)],
        );
        return claimed[0] ? toRun(claimed[0]) : null;
      });
    } catch (error) {
      // Another process claimed a run of the same key a moment earlier: try again on the next poll.
      if (/unique|constraint/i.test((error as Error).message)) return null;
      throw error;
    }
  }

  /** Marks a run alive (a restart of another process leaves it alone while this is fresh). */
  async heartbeat(id: number): Promise<boolean> {
    const rows = await this.db.all("SELECT cancel_requested FROM runs WHERE id = ?", [id]);
    await this.db.all("UPDATE runs SET heartbeat_at = ? WHERE id = ?", [this.clock(), id]);
    return Number(rows[0]?.cancel_requested ?? 0) === 1;
  }

  /** Ends a run. */
  async finish(id: number, status: RunStatus, error?: string, version?: string): Promise<void> {
    await this.db.all(
      "UPDATE runs SET status = ?, error = ?, finished_at = ?, version = COALESCE(?, version) WHERE id = ?",
      [status, error ?? null, this.clock(), version ?? null, id],
    );
  }

  /** Cancels a run: a queued one at once, a running one by request. False when it had already ended. */
  async cancel(id: number): Promise<boolean> {
    return this.db.tx(async (sql) => {
      const rows = await sql.all("SELECT status FROM runs WHERE id = ?", [id]);
      const status = rows[0]?.status;
      if (status === "queued") {
        await sql.all(
          "UPDATE runs SET status = 'cancelled', finished_at = ?, error = 'cancelled by request' WHERE id = ?",
          [this.clock(), id],
        );
        return true;
      }
      if (status === "running") {
        await sql.all("UPDATE runs SET cancel_requested = 1 WHERE id = ?", [id]);
        return true;
      }
      return false;
    });
  }

  /**
   * After a crash: runs left running (SQLite: all of them, one process owns the file; PostgreSQL:
   * those whose heartbeat is older than `staleMs`) are marked interrupted, and each is queued
   * again once as a new run. Returns the interrupted ids.
   */
  async recover(staleMs: number): Promise<number[]> {
    const now = this.clock();
    return this.db.tx(async (sql) => {
      const rows =
        this.db.dialect === "sqlite"
          ? await sql.all("SELECT * FROM runs WHERE status = 'running'")
          : await sql.all(
              "SELECT * FROM runs WHERE status = 'running' AND heartbeat_at < ? FOR UPDATE SKIP LOCKED",
              [now - staleMs],
            );
      const ids: number[] = [];
      for (const row of rows) {
        const run = toRun(row);
        ids.push(run.id);
        await sql.all(
          "UPDATE runs SET status = 'interrupted', finished_at = ?, error = 'the server stopped while it ran' WHERE id = ?",
          [now, run.id],
        );
        if (afterCrash(run.attempt) === "retry" && !run.cancelRequested) {
          await sql.all(
            `INSERT INTO runs (kind, source, ref, sha, fetch_ref, pr, env, version, rule, concurrency_key, status, attempt, retry_of, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)`,
            [
              run.kind,
              run.source,
              run.ref,
              run.sha,
              run.fetchRef,
              run.pr,
              run.env,
              run.version,
              run.rule,
              run.concurrencyKey,
              run.attempt + 1,
              run.id,
              now,
            ],
          );
        }
      }
      return ids;
    });
  }

  /** One run, or null. */
  async getRun(id: number): Promise<Run | null> {
    const rows = await this.db.all("SELECT * FROM runs WHERE id = ?", [id]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** Runs newest first. */
  async listRuns(filter: RunFilter = {}): Promise<Run[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    for (const [column, value] of [
      ["status", filter.status],
      ["kind", filter.kind],
      ["ref", filter.ref],
      ["env", filter.env],
    ] as const) {
      if (value !== undefined) {
        where.push(`${column} = ?`);
        params.push(value);
      }
    }
    if (filter.before !== undefined) {
      where.push("id < ?");
      params.push(filter.before);
    }
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
    const rows = await this.db.all(
      `SELECT * FROM runs${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ${limit}`,
      params,
    );
    return rows.map(toRun);
  }

  /** Records a stage starting. */
  async stageStarted(runId: number, idx: number, name: string): Promise<void> {
    await this.db.all(
      `INSERT INTO stages (run_id, idx, name, status, started_at) VALUES (?, ?, ?, 'running', ?)
       ON CONFLICT (run_id, idx) DO UPDATE SET status = 'running', started_at = excluded.started_at`,
      [runId, idx, name, this.clock()],
    );
  }

  /** Records a stage's end. */
  async stageEnded(
    runId: number,
    idx: number,
    status: string,
    durationMs: number,
    detail?: string,
  ): Promise<void> {
    await this.db.all(
      "UPDATE stages SET status = ?, finished_at = ?, duration_ms = ?, detail = ? WHERE run_id = ? AND idx = ?",
      [status, this.clock(), Math.round(durationMs), detail ?? null, runId, idx],
    );
  }

  /** A run's stages in order. */
  async stages(runId: number): Promise<StageRow[]> {
    const rows = await this.db.all("SELECT * FROM stages WHERE run_id = ? ORDER BY idx", [runId]);
    return rows.map((r) => ({
      idx: Number(r.idx),
      name: String(r.name),
      status: String(r.status),
      startedAt: num(r.started_at),
      finishedAt: num(r.finished_at),
      durationMs: num(r.duration_ms),
      detail: text(r.detail),
    }));
  }

  /** Appends one log line. */
  async log(runId: number, stage: string, line: string): Promise<void> {
    await this.db.all("INSERT INTO logs (run_id, stage, at, line) VALUES (?, ?, ?, ?)", [
      runId,
      stage,
      this.clock(),
      line,
    ]);
  }

  /** Log lines of a run after line id `after`. */
  async logs(
    runId: number,
    after = 0,
    limit = 1000,
  ): Promise<{ id: number; stage: string; at: number; line: string }[]> {
    const rows = await this.db.all(
      `SELECT id, stage, at, line FROM logs WHERE run_id = ? AND id > ? ORDER BY id LIMIT ${Math.min(limit, 5000)}`,
      [runId, after],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      stage: String(r.stage),
      at: Number(r.at),
      line: String(r.line),
    }));
  }

  /** Records a deployment. */
  async addDeployment(d: Omit<Deployment, "id" | "createdAt">): Promise<void> {
    await this.db.all(
      "INSERT INTO deployments (run_id, env, action, version, chart_version, git_commit, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      [d.runId, d.env, d.action, d.version, d.chartVersion, d.gitCommit, this.clock()],
    );
  }

  /** Deployments newest first, of one environment when given. */
  async deployments(env?: string, limit = 100): Promise<Deployment[]> {
    const rows = await this.db.all(
      `SELECT * FROM deployments${env ? " WHERE env = ?" : ""} ORDER BY id DESC LIMIT ${Math.min(limit, 500)}`,
      env ? [env] : [],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      runId: num(r.run_id),
      env: String(r.env),
      action: String(r.action),
      version: text(r.version),
      chartVersion: text(r.chart_version),
      gitCommit: text(r.git_commit),
      createdAt: Number(r.created_at),
    }));
  }

  /** Numbers for /metrics: runs per status and stage durations per stage name. */
  async metrics(): Promise<{
    byStatus: Record<string, number>;
    stages: { name: string; count: number; sumMs: number }[];
  }> {
    const statuses = await this.db.all("SELECT status, COUNT(*) AS n FROM runs GROUP BY status");
    const stages = await this.db.all(
      "SELECT name, COUNT(*) AS n, SUM(duration_ms) AS ms FROM stages WHERE duration_ms IS NOT NULL GROUP BY name",
    );
    return {
      byStatus: Object.fromEntries(statuses.map((r) => [String(r.status), Number(r.n)])),
      stages: stages.map((r) => ({ name: String(r.name), count: Number(r.n), sumMs: Number(r.ms ?? 0) })),
    };
  }
}
