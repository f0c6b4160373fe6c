/**
 * What makes serve's effects happen once across crashes: the database's installation id (part of
 * every operation's name), the gitops changes decided before they are pushed (intents), and the
 * process groups runs started (so a restart stops what a crash left running).
 */
import { randomBytes } from "node:crypto";
import type { Sql } from "./db.js";
import { RecordStore } from "./records.js";
import { num, text } from "./run-rows.js";

/** A gitops change as decided before its push. */
export interface Intent {
  opRun: number;
  action: string;
  env: string;
  version: string | null;
  chartVersion: string | null;
  sourceSha: string | null;
  reason: string | null;
  /** The rollback's time, written into its freeze marker: the same on every attempt. */
  at: string | null;
  gitCommit: string | null;
  /** Its deployment row is written. */
  recorded: boolean;
}

/** A process group a run started. */
export interface RunProcess {
  host: string;
  pgid: number;
  /** The group leader's start time (clock ticks since boot): a reused pid has another. */
  startTicks: string;
  runId: number;
  instance: string;
}

/** What an effect's deployment row says. */
export interface EffectRecord {
  runId: number;
  version: string | null;
  chartVersion: string | null;
  gitCommit: string | null;
}

/** Installation id, intents and run processes on top of the records. */
export class EffectStore extends RecordStore {
  private installationId: string | undefined;

  /** A random id made once per database: operations of two databases never share a name. */
  async installation(): Promise<string> {
    if (this.installationId) return this.installationId;
    await this.db.all(
      "INSERT INTO meta (key, value) VALUES ('installation', ?) ON CONFLICT (key) DO NOTHING",
      [randomBytes(6).toString("hex")],
    );
    const rows = await this.db.all("SELECT value FROM meta WHERE key = 'installation'");
    this.installationId = String(rows[0]!.value);
    return this.installationId;
  }

  /** The intent of an operation, or null when none was decided yet. */
  async intent(opRun: number, action: string, env: string): Promise<Intent | null> {
    const rows = await this.db.all("SELECT * FROM intents WHERE op_run = ? AND action = ? AND env = ?", [
      opRun,
      action,
      env,
    ]);
    const r = rows[0];
    if (!r) return null;
    return {
      opRun: Number(r.op_run),
      action: String(r.action),
      env: String(r.env),
      version: text(r.version),
      chartVersion: text(r.chart_version),
      sourceSha: text(r.source_sha),
      reason: text(r.reason),
      at: text(r.at),
      gitCommit: text(r.git_commit),
      recorded: Number(r.recorded) === 1,
    };
  }

  /** Stores a decided intent unless one is stored already; returns the stored one (the first decision wins). */
  async decide(intent: Omit<Intent, "gitCommit" | "recorded">): Promise<Intent> {
    await this.db.all(
      `INSERT INTO intents (op_run, action, env, version, chart_version, source_sha, reason, at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (op_run, action, env) DO NOTHING`,
      [
        intent.opRun,
        intent.action,
        intent.env,
        intent.version,
        intent.chartVersion,
        intent.sourceSha,
        intent.reason,
        intent.at,
        this.clock(),
      ],
    );
    return (await this.intent(intent.opRun, intent.action, intent.env))!;
  }

  /**
   * Records that an operation's effect is in place, with its deployment row, once: a retry that
   * finds the effect already recorded adds nothing. Returns false when it was recorded before.
   */
  async recordEffect(opRun: number, action: string, env: string, record: EffectRecord): Promise<boolean> {
    const now = this.clock();
    return this.db.tx(async (sql: Sql) => {
      await sql.all(
        `INSERT INTO intents (op_run, action, env, version, chart_version, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (op_run, action, env) DO NOTHING`,
        [opRun, action, env, record.version, record.chartVersion, now],
      );
      const changed = await sql.all(
        "UPDATE intents SET recorded = 1, git_commit = ? WHERE op_run = ? AND action = ? AND env = ? AND recorded = 0 RETURNING op_run",
        [record.gitCommit, opRun, action, env],
      );
      if (changed.length === 0) return false;
      await sql.all(
        "INSERT INTO deployments (run_id, env, action, version, chart_version, git_commit, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [record.runId, env, action, record.version, record.chartVersion, record.gitCommit, now],
      );
      return true;
    });
  }

  /** Records a process group a run started. */
  async addProcess(p: RunProcess): Promise<void> {
    await this.db.all(
      `INSERT INTO run_processes (host, pgid, start_ticks, run_id, instance, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (host, pgid, start_ticks) DO NOTHING`,
      [p.host, p.pgid, p.startTicks, p.runId, p.instance, this.clock()],
    );
  }

  /** Forgets a process group that has ended. */
  async removeProcess(host: string, pgid: number, startTicks: string): Promise<void> {
    await this.db.all("DELETE FROM run_processes WHERE host = ? AND pgid = ? AND start_ticks = ?", [
      host,
      pgid,
      startTicks,
    ]);
  }

  /** Process groups recorded on `host`, of the given instances (all instances when omitted). */
  async processes(host: string, instances?: readonly string[]): Promise<RunProcess[]> {
    const rows = await this.db.all("SELECT * FROM run_processes WHERE host = ?", [host]);
    return rows
      .map((r) => ({
        host: String(r.host),
        pgid: Number(r.pgid),
        startTicks: String(r.start_ticks),
        runId: num(r.run_id) ?? 0,
        instance: String(r.instance),
      }))
      .filter((p) => !instances || instances.includes(p.instance));
  }
}
