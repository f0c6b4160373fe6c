/**
 * The release run: the plan's stages in order — lint and test in parallel, then the rest — each
 * timed; the first failure stops the run and the summary says which stages did not run.
 */
import type { Stage } from "./core/config.js";
import type { Plan } from "./core/plan.js";
import { type StageOutcome as CoreStageOutcome, runStages } from "./core/stage-runner.js";

/** One stage's outcome. */
export type StageOutcome = CoreStageOutcome<Stage>;

/** Stages that build, image and publish are done together by publish (Dagger builds lazily). */
const FOLDED_INTO_PUBLISH: readonly Stage[] = ["build", "images", "manifests"];

/** Why a release run without a signing key or an OIDC identity leaves its artifacts unsigned. */
export const NO_SIGNING_KEY =
  "no signing key: pass --signing-key env:COSIGN_PRIVATE_KEY, or an OIDC identity to sign keylessly (--actions-id-token-request-url/--actions-id-token-request-token, or --identity-token), to attach SBOMs, signatures and provenance";

/** Runs the plan's stages with the given implementations; stages without one are reported as skipped. */
export async function runRelease(
  plan: Plan,
  steps: Partial<Record<Stage, () => Promise<string>>>,
): Promise<{ plan: string; stages: StageOutcome[] }> {
  // The shared runner (core/stage-runner.ts, also behind `npm run pipeline`); outputs are not kept.
  const quiet = Object.fromEntries(
    Object.entries(steps).map(([stage, step]) => [stage, () => step!().then(() => undefined)]),
  ) as Partial<Record<Stage, () => Promise<undefined>>>;
  const outcomes = await runStages(plan.stages, quiet, {
    parallel: ["lint", "test"],
    noStep: (stage) =>
      FOLDED_INTO_PUBLISH.includes(stage)
        ? "done by publish"
        : stage === "sign"
          ? NO_SIGNING_KEY
          : "no step in the module",
  });
  const failed = outcomes.some((o) => o.status === "failed");
  if (failed) {
    const first = outcomes.find((o) => o.status === "failed")!;
    throw new Error(
      `release failed at ${first.stage}: ${first.detail}\n${JSON.stringify(outcomes, null, 2)}`,
    );
  }
  return { plan: `${plan.event.kind} ${plan.version}`, stages: outcomes };
}
