/**
 * What a worker does with one run: a build (build-run.ts) fetches a commit and runs its stages;
 * promote, rollback and preview-cleanup runs change the gitops repository named by the server's
 * own pipeline.yaml, each exactly once across crashes (gitops-effects.ts).
 */
import type { Run } from "../adapters/serve/store.js";
import { buildRun, Stopped } from "./build-run.js";
import { cleanupOnce, promoteOnce, rollbackOnce } from "./gitops-effects.js";
import type { ExecutorContext, RunResult } from "./run-context.js";

const reasonOf = (signal: AbortSignal): "cancelled" | "timed_out" =>
  signal.reason === "timeout" ? "timed_out" : "cancelled";

/** Runs `run` to its end; never throws (the result says what happened). */
export async function executeRun(run: Run, ctx: ExecutorContext, signal: AbortSignal): Promise<RunResult> {
  const say = (line: string, stage = "serve") => ctx.store.log(run.id, stage, line);
  try {
    if (run.kind === "build") return await buildRun(run, ctx, signal);
    if (run.kind === "promote") {
      const version = run.version ?? "";
      await say(`promote ${ctx.config.app} ${version} to ${run.env}`);
      const result = await promoteOnce(ctx, run, {
        environment: run.env ?? "",
        imageTag: version,
        chartVersion: version.replace(/^v/, ""),
        sourceSha: run.sha ?? "unknown",
      });
      await say(result.message);
      return { status: "succeeded", version: result.version };
    }
    if (run.kind === "rollback") {
      await say(`roll back ${run.env}${run.version ? ` to ${run.version}` : " to the previous version"}`);
      const result = await rollbackOnce(ctx, run, run.env ?? "", run.version ?? undefined);
      await say(result.message);
      return { status: "succeeded", version: result.version };
    }
    const result = await cleanupOnce(ctx, run, run.pr ?? 0);
    await say(result.changed ? `preview of #${run.pr} removed` : `pull request #${run.pr} had no preview`);
    return { status: "succeeded" };
  } catch (error) {
    if (error instanceof Stopped || signal.aborted)
      return { status: reasonOf(signal), error: String(signal.reason) };
    const message = error instanceof Error ? error.message : String(error);
    await say(`error: ${message}`).catch(() => undefined);
    return { status: "failed", error: message.split("\n")[0] };
  }
}
