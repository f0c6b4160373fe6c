/**
 * What serve records about runs as they go: each stage's status and duration, the log lines, the
 * deployments, and the numbers /metrics shows. The base of {@link Store}.
 */
import type { Db } from "./db.js";
import { type Deployment, num, type StageRow, text } from "./run-rows.js";

/** Stages, log lines, deployments and metrics. */
export class RecordStore {
  constructor(
    readonly db: Db,
    protected readonly clock: () => number = Date.now,
  ) {}

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
