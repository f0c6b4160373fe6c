/**
 * What a worker does with one run: a build (build-run.ts) fetches a commit and runs its stages;
 * promote, rollback and preview-cleanup runs change the gitops repository named by the server's
 * own pipeline.yaml, each exactly once across crashes (gitops-effects.ts).
 */
import type { GitAuth } from "../adapters/gitops/git.js";
import type { Run, Store } from "../adapters/serve/store.js";
import type { PipelineConfig } from "../core/config/config.js";
import type { RunStatus } from "../core/serve/queue.js";
import { buildRun, Stopped } from "./build-run.js";
import { cleanupOnce, promoteOnce, rollbackOnce } from "./gitops-effects.js";

/** What every run needs. */
export interface ExecutorContext {
  store: Store;
  /** Where builds fetch commits from. */
  repoUrl?: string;
  /** Token for fetching (PIPELINE_REPO_TOKEN); never in a URL or argv. */
  repoAuth?: GitAuth;
  /** Work dirs live here, one per run, removed after it. */
  workRoot: string;
  runner: "host" | "dagger";
  /** The CLI entry (`node <entry> <stage>`). */
  cliEntry: string;
  /** The server's own pipeline.yaml: every deploy target (gitops, registries, environments) comes from it. */
  config: PipelineConfig;
  gitopsAuth?: GitAuth;
  /** The environment of processes that run repository code: an allow-list, no credential (core/serve/stage-env.ts). */
  stageEnv: (tmpDir: string) => NodeJS.ProcessEnv;
  /** An image to run the repository's code in (host runner: `--container`), with only the checkout mounted. */
  container?: string;
  /** serve's URL, for the Pipeline-Run trailer of its gitops commits. */
  baseUrl: () => string;
  /** The database's installation id: part of every operation's name. */
  installation: string;
}

/** How a run ended (or paused, waiting for approval). */
export interface RunResult {
  status: RunStatus;
  error?: string;
  version?: string;
}

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
