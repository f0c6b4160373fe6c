/**
 * The one stage runner behind `npm run pipeline` (host or dagger) and the module's `release`: runs
 * stages in order, times each, reports each as it ends, and decides the exit code. A stage that
 * throws MissingToolError is skipped (its message says what to install) and the run goes on; a
 * stage that fails stops the run and every later stage is skipped. No I/O: the steps and the
 * clock are inputs.
 */
import { ExitCode, MissingToolError } from "../errors.js";

/** One stage's result. */
export interface StageOutcome<S extends string = string> {
  stage: S;
  status: "ok" | "failed" | "skipped";
  seconds: number;
  /** What the stage printed (ok), why it failed, or why it was skipped. */
  detail?: string;
  /** True when it was skipped for lack of a tool or a cluster (exit code 3). */
  missing?: boolean;
}

/** A stage's step: resolves to its output summary (a string; anything else is not shown). */
export type StageStep = () => Promise<unknown>;

/** Options of {@link runStages}. */
export interface RunStagesOptions<S extends string> {
  /** Stages run together first (lint and test in a release); the rest run one after another. */
  parallel?: readonly S[];
  /** Called as each stage ends (the loop prints one line per stage). */
  onOutcome?: (outcome: StageOutcome<S>) => void;
  /** Why a stage without a step is skipped (default: "no step for this stage"). */
  noStep?: (stage: S) => string;
  /** Milliseconds now (default Date.now). */
  clock?: () => number;
}

/** Runs `stages` with `steps`; never throws for a stage's failure (see {@link exitCodeOf}). */
export async function runStages<S extends string>(
  stages: readonly S[],
  steps: Partial<Record<S, StageStep>>,
  options: RunStagesOptions<S> = {},
): Promise<StageOutcome<S>[]> {
  const clock = options.clock ?? Date.now;
  let failed = false;
  const timed = async (stage: S): Promise<StageOutcome<S>> => {
    const step = steps[stage];
    let outcome: StageOutcome<S>;
    if (failed) outcome = { stage, status: "skipped", seconds: 0, detail: "an earlier stage failed" };
    else if (!step)
      outcome = {
        stage,
        status: "skipped",
        seconds: 0,
        detail: options.noStep?.(stage) ?? "no step for this stage",
      };
    else {
      const started = clock();
      const seconds = () => (clock() - started) / 1000;
      try {
        const output = await step();
        const detail = typeof output === "string" && output ? { detail: output } : {};
        outcome = { stage, status: "ok", seconds: seconds(), ...detail };
      } catch (error) {
        if (error instanceof MissingToolError) {
          outcome = { stage, status: "skipped", seconds: seconds(), detail: error.message, missing: true };
        } else {
          outcome = {
            stage,
            status: "failed",
            seconds: seconds(),
            detail: error instanceof Error ? error.message : String(error),
          };
        }
      }
    }
    options.onOutcome?.(outcome);
    return outcome;
  };
  const parallel = stages.filter((s) => options.parallel?.includes(s));
  const outcomes = await Promise.all(parallel.map(timed));
  failed = outcomes.some((o) => o.status === "failed");
  for (const stage of stages.filter((s) => !parallel.includes(s))) {
    const outcome = await timed(stage);
    if (outcome.status === "failed") failed = true;
    outcomes.push(outcome);
  }
  // Report in stage order whatever order the parallel group finished in.
  return stages.map((s) => outcomes.find((o) => o.stage === s)!);
}

/** 1 when a stage failed, 3 when one was skipped for lack of a tool or cluster, else 0. */
export function exitCodeOf(outcomes: readonly StageOutcome[]): number {
  if (outcomes.some((o) => o.status === "failed")) return ExitCode.failure;
  if (outcomes.some((o) => o.status === "skipped" && o.missing)) return ExitCode.missingTool;
  return ExitCode.ok;
}

/** The first line of a detail, for one-line output. */
function firstLine(text = ""): string {
  return text.split("\n").find((l) => l.trim()) ?? "";
}

/** The line printed as a stage ends: status, stage, seconds and the first line of what it said or why. */
export function stageLine(outcome: StageOutcome): string {
  const status = outcome.status === "ok" ? "ok  " : outcome.status === "failed" ? "FAIL" : "skip";
  const line = `${status}  ${outcome.stage.padEnd(12)} ${outcome.seconds.toFixed(1).padStart(6)} s`;
  const detail = firstLine(outcome.detail);
  return detail ? `${line}  ${detail}` : line;
}

/** The summary table: one row per stage with status, seconds and the reason when not ok. */
export function summaryRows(outcomes: readonly StageOutcome[]): string[][] {
  const total = outcomes.reduce((n, o) => n + o.seconds, 0);
  const code = exitCodeOf(outcomes);
  return [
    ["STAGE", "STATUS", "SECONDS", "REASON"],
    ...outcomes.map((o) => [
      o.stage,
      o.status === "ok" ? "ran" : o.status,
      o.seconds.toFixed(1),
      o.status === "ok" ? "" : firstLine(o.detail),
    ]),
    ["total", code === 0 ? "ok" : code === 3 ? "incomplete" : "failed", total.toFixed(1), ""],
  ];
}
