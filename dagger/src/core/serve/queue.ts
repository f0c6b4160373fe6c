/**
 * `pipeline serve`'s queue rules: which runs share a concurrency key, whether a newer run cancels
 * the older ones or waits for them, which statuses are final, what happens to a run a crash left
 * running, and how each plan stage is run. Pure.
 */
import type { Stage } from "../config/config.js";

/** What a run does. */
export type RunKind = "build" | "promote" | "rollback" | "cleanup";

/** Every status a run can have. */
export const RUN_STATUSES = [
  "queued",
  "running",
  // A fork's pull request ran its repository-code stages; the rest waits for a deployer.
  "awaiting_approval",
  "succeeded",
  "failed",
  "cancelled",
  "timed_out",
  "interrupted",
] as const;
/** A run's status. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses a run never leaves. */
export function isFinal(status: RunStatus): boolean {
  return status !== "queued" && status !== "running" && status !== "awaiting_approval";
}

/** Statuses in which a run prints nothing more until someone acts (final, or waiting for approval). */
export function isSettled(status: RunStatus): boolean {
  return isFinal(status) || status === "awaiting_approval";
}

/** What decides a run's concurrency. */
export interface RunIdentity {
  kind: RunKind;
  ref?: string | null;
  pr?: number | null;
  env?: string | null;
}

/** The key runs contend on and what a newer run does to older ones with the same key. */
export interface Concurrency {
  key: string;
  /** `cancel-older`: the newest commit of a PR or branch is the only one worth building. `queue`: wait in order. */
  policy: "cancel-older" | "queue";
}

/**
 * Pull requests and branches: newest wins (cancel the older run). Tags: each is a release, they
 * queue. Promotions and rollbacks: one environment changes one at a time, in order.
 */
export function concurrencyOf(run: RunIdentity): Concurrency {
  if (run.kind === "promote" || run.kind === "rollback")
    return { key: `env:${run.env ?? ""}`, policy: "queue" };
  if (run.pr !== null && run.pr !== undefined) return { key: `pr:${run.pr}`, policy: "cancel-older" };
  const ref = run.ref ?? "";
  if (ref.startsWith("refs/heads/")) return { key: `branch:${ref.slice(11)}`, policy: "cancel-older" };
  return { key: `ref:${ref}`, policy: "queue" };
}

/** How many times a run may be started in all: once, plus one retry after a crash. */
export const MAX_ATTEMPTS = 2;

/** What a restart does with a run a crash left running: retry it once, then leave it interrupted. */
export function afterCrash(attempt: number): "retry" | "give-up" {
  return attempt < MAX_ATTEMPTS ? "retry" : "give-up";
}

/** How a worker runs one plan stage. */
export type StageExecution =
  | { via: "cli"; command: string }
  | { via: "promote" }
  | { via: "preview" }
  | { via: "skip"; reason: string };

/** Stages the CLI runs as commands (`pipeline <stage> --runner host|dagger`). */
const CLI_STAGES: readonly Stage[] = ["lint", "test", "chart-lint", "build", "images", "publish"];

/** How a worker runs `stage`; a stage serve does not run yet is skipped with a reason. */
export function stageExecution(stage: Stage): StageExecution {
  if (CLI_STAGES.includes(stage)) return { via: "cli", command: stage };
  if (stage === "promote") return { via: "promote" };
  if (stage === "preview") return { via: "preview" };
  return { via: "skip", reason: `${stage} is run by the module's release, not by serve's workers` };
}
