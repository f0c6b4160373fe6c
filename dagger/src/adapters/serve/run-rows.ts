/**
 * The rows of serve's store as the rest of serve reads them: runs, stages, deployments, and how a
 * database row becomes a typed value.
 */
import type { RunKind, RunStatus } from "../../core/serve/queue.js";
import type { Row } from "./db.js";

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
  /** A pull request from a fork: its credentialed stages wait for a deployer's approval. */
  fork: boolean;
  /** Who approved them (role and token fingerprint, never the token) and when. */
  approvedBy: string | null;
  approvedAt: number | null;
  /** The first run of its retry chain: names the operations its gitops commits carry. */
  opRun: number;
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
  fork?: boolean;
}

/** A nullable number column. */
export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
/** A nullable text column. */
export const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** A runs row as a {@link Run}. */
export function toRun(r: Row): Run {
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
    fork: Number(r.fork ?? 0) === 1,
    approvedBy: text(r.approved_by),
    approvedAt: num(r.approved_at),
    opRun: num(r.op_run) ?? Number(r.id),
  };
}

/** Filters and paging of `Store.listRuns`. */
export interface RunFilter {
  status?: string;
  kind?: string;
  ref?: string;
  env?: string;
  /** Runs with an id below this (the next page's cursor). */
  before?: number;
  limit?: number;
}
