/**
 * The release run: the plan's stages in order — lint and test in parallel, then the rest — each
 * timed; the first failure stops the run and the summary says which stages did not run.
 */
import type { Stage } from "./core/config.js";
import type { Plan } from "./core/plan.js";

/** One stage's outcome. */
export interface StageOutcome {
  stage: Stage;
  status: "ok" | "failed" | "skipped";
  seconds: number;
  detail?: string;
}

/** Stages that build, image and publish are done together by publish (Dagger builds lazily). */
const FOLDED_INTO_PUBLISH: readonly Stage[] = ["build", "images", "manifests"];

/** Runs the plan's stages with the given implementations; stages without one are reported as skipped. */
export async function runRelease(
  plan: Plan,
  steps: Partial<Record<Stage, () => Promise<string>>>,
): Promise<{ plan: string; stages: StageOutcome[] }> {
  const outcomes: StageOutcome[] = [];
  let failed = false;
  const timed = async (stage: Stage): Promise<StageOutcome> => {
    const step = steps[stage];
    if (failed || !step)
      return {
        stage,
        status: "skipped",
        seconds: 0,
        detail: failed
          ? "an earlier stage failed"
          : FOLDED_INTO_PUBLISH.includes(stage)
            ? "done by publish"
            : "no step in the module",
      };
    const started = Date.now();
    try {
      await step();
      return { stage, status: "ok", seconds: (Date.now() - started) / 1000 };
    } catch (error) {
      failed = true;
      return {
        stage,
        status: "failed",
        seconds: (Date.now() - started) / 1000,
        detail: error instanceof Error ? error.message : String(error),
      };
    }
  };
  const parallel: Stage[] = plan.stages.filter((s) => s === "lint" || s === "test");
  outcomes.push(...(await Promise.all(parallel.map(timed))));
  failed = outcomes.some((o) => o.status === "failed");
  for (const stage of plan.stages.filter((s) => !parallel.includes(s))) outcomes.push(await timed(stage));
  if (failed) {
    const first = outcomes.find((o) => o.status === "failed")!;
    throw new Error(
      `release failed at ${first.stage}: ${first.detail}\n${JSON.stringify(outcomes, null, 2)}`,
    );
  }
  return { plan: `${plan.event.kind} ${plan.version}`, stages: outcomes };
}
