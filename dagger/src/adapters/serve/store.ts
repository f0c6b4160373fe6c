/**
 * serve's durable state over either database: runs and their queue (this file), with stages, log
 * lines and deployments (records.ts) and what makes effects happen once (effect-records.ts) in
 * the classes it extends. Every write that decides something (enqueue with its cancellations,
 * claim, approval) is one transaction, so two workers or two serve processes never take the same
 * run.
 */
import { afterCrash, concurrencyOf, type RunStatus } from "../../core/serve/queue.js";
import type { SqlValue } from "./db.js";
import { EffectStore } from "./effect-records.js";
import { type NewRun, type Run, type RunFilter, toRun } from "./run-rows.js";

export type { Intent, RunProcess } from "./effect-records.js";
export type { Deployment, NewRun, Run, RunFilter, StageRow } from "./run-rows.js";

/** The store. */
export class Store extends EffectStore {
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
          "SELECT id, status FROM runs WHERE concurrency_key = ? AND status IN ('queued', 'running', 'awaiting_approval')",
          [key],
        );
        for (const o of older) {
          cancelled.push(Number(o.id));
          if (o.status !== "running")
            await sql.all(
              "UPDATE runs SET status = 'cancelled', finished_at = ?, error = 'superseded by a newer run' WHERE id = ? AND status = ?",
              [now, Number(o.id), String(o.status)],
            );
          else await sql.all("UPDATE runs SET cancel_requested = 1 WHERE id = ?", [Number(o.id)]);
        }
      }
      const rows = await sql.all(
        `INSERT INTO runs (kind, source, ref, sha, fetch_ref, pr, env, version, rule, concurrency_key, status, created_at, fork)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?) RETURNING id`,
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
          run.fork ? 1 : 0,
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
  async claim(worker: string, instance = ""): Promise<Run | null> {
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
          "UPDATE runs SET status = 'running', worker = ?, instance = ?, started_at = ?, heartbeat_at = ? WHERE id = ? AND status = 'queued' RETURNING *",
          [worker, instance, now, now, Number(rows[0]!.id)],
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
      if (status === "queued" || status === "awaiting_approval") {
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
   * Approves a fork's run: its credentialed stages may run. `who` is the approver as the API
   * knows it (role and token fingerprint). A run waiting for approval is queued again and
   * continues; a queued or running one goes on when it reaches them.
   */
  async approve(id: number, who: string): Promise<"approved" | "missing" | "not-fork" | "already" | "ended"> {
    return this.db.tx(async (sql) => {
      const row = (await sql.all("SELECT * FROM runs WHERE id = ?", [id]))[0];
      if (!row) return "missing";
      const run = toRun(row);
      if (!run.fork) return "not-fork";
      if (run.approvedAt !== null) return "already";
      if (!["queued", "running", "awaiting_approval"].includes(run.status)) return "ended";
      await sql.all(
        `UPDATE runs SET approved_by = ?, approved_at = ?,
           status = CASE WHEN status = 'awaiting_approval' THEN 'queued' ELSE status END,
           finished_at = CASE WHEN status = 'awaiting_approval' THEN NULL ELSE finished_at END,
           error = CASE WHEN status = 'awaiting_approval' THEN NULL ELSE error END
         WHERE id = ?`,
        [who, this.clock(), id],
      );
      return "approved";
    });
  }

  /** The instances (serve processes) that have runs running. */
  async runningInstances(): Promise<string[]> {
    const rows = await this.db.all(
      "SELECT DISTINCT instance FROM runs WHERE status = 'running' AND instance IS NOT NULL",
    );
    return rows.map((r) => String(r.instance));
  }

  /** Instances of runs whose heartbeat is older than `staleMs` (PostgreSQL: their process died). */
  async staleInstances(staleMs: number): Promise<string[]> {
    const rows = await this.db.all(
      "SELECT DISTINCT instance FROM runs WHERE status = 'running' AND heartbeat_at < ? AND instance IS NOT NULL",
      [this.clock() - staleMs],
    );
    return rows.map((r) => String(r.instance));
  }

  /**
   * After a crash: runs left running (SQLite: all of them, one process owns the file; PostgreSQL:
   * those of the `gone` instances, and any whose heartbeat is older than `staleMs`) are marked
   * interrupted, and each is queued again once as a new run. Returns the interrupted ids.
   */
  async recover(staleMs: number, gone: readonly string[] = []): Promise<number[]> {
    const now = this.clock();
    return this.db.tx(async (sql) => {
      const of = gone.length ? ` OR instance IN (${gone.map(() => "?").join(", ")})` : "";
      const rows =
        this.db.dialect === "sqlite"
          ? await sql.all("SELECT * FROM runs WHERE status = 'running'")
          : await sql.all(
              `SELECT * FROM runs WHERE status = 'running' AND (heartbeat_at < ?${of}) FOR UPDATE SKIP LOCKED`,
              [now - staleMs, ...gone],
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
            `INSERT INTO runs (kind, source, ref, sha, fetch_ref, pr, env, version, rule, concurrency_key, status, attempt, retry_of, created_at,
               fork, approved_by, approved_at, op_run)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)`,
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
              // The retry is the same run again: the same commit, approval and operation names.
              run.fork ? 1 : 0,
              run.approvedBy,
              run.approvedAt,
              run.opRun,
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
}
