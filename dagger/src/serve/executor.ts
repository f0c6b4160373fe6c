/**
 * What a worker does with one run. A build fetches the commit from `--repo-url` into a work dir,
 * asks the plan which stages it has, and runs each: the CLI's own stage command
 * (`pipeline <stage> --runner host|dagger`, the one stage runner both runners share) in a child
 * process whose output lines go to the store as they come; promote and preview through the
 * gitops adapters, each recorded as a deployment. Promote, rollback and preview cleanup runs go
 * straight to gitops.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../adapters/config/config-file.js";
import { type GitAuth, git } from "../adapters/gitops/git.js";
import type { GitopsTarget } from "../adapters/gitops/workspace.js";
import { localGit } from "../adapters/release/git-context.js";
import { planFor } from "../adapters/release/plan-source.js";
import type { Run, Store } from "../adapters/serve/store.js";
import type { PipelineConfig } from "../core/config/config.js";
import { FailureError } from "../core/errors.js";
import { type RunStatus, stageExecution } from "../core/serve/queue.js";
import { runStageProcess } from "./stage-process.js";

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
  /** The server's own pipeline.yaml: gitops target of promote, rollback and cleanup runs. */
  config: PipelineConfig;
  gitopsAuth?: GitAuth;
  /** Environment of stage processes: the server's, minus its secrets. */
  childEnv: NodeJS.ProcessEnv;
}

/** How a run ended. */
export interface RunResult {
  status: RunStatus;
  error?: string;
  version?: string;
}

/** Thrown when the run's signal aborts; `reason` is cancel or timeout. */
class Stopped extends Error {}

const reasonOf = (signal: AbortSignal): "cancelled" | "timed_out" =>
  signal.reason === "timeout" ? "timed_out" : "cancelled";

/** Runs `run` to its end; never throws (the result says what happened). */
export async function executeRun(run: Run, ctx: ExecutorContext, signal: AbortSignal): Promise<RunResult> {
  const say = (line: string, stage = "serve") => ctx.store.log(run.id, stage, line);
  try {
    if (run.kind === "build") return await build(run, ctx, signal);
    const target: GitopsTarget = { config: ctx.config, auth: ctx.gitopsAuth };
    if (run.kind === "promote") {
      const { promote } = await import("../adapters/gitops/promote.js");
      const version = run.version ?? "";
      await say(`promote ${ctx.config.app} ${version} to ${run.env}`);
      const result = await promote({
        ...target,
        environment: run.env ?? "",
        imageTag: version,
        chartVersion: version.replace(/^v/, ""),
        sourceSha: run.sha ?? "unknown",
      });
      await record(ctx, run, "promote", run.env ?? "", result.version, result.chartVersion, result.commit);
      await say(result.message);
      return { status: "succeeded", version: result.version };
    }
    if (run.kind === "rollback") {
      const { rollback } = await import("../adapters/gitops/rollback.js");
      await say(`roll back ${run.env}${run.version ? ` to ${run.version}` : " to the previous version"}`);
      const result = await rollback({
        ...target,
        environment: run.env ?? "",
        to: run.version ?? undefined,
        now: new Date(),
      });
      await record(ctx, run, "rollback", run.env ?? "", result.version, result.chartVersion, result.commit);
      await say(result.message);
      return { status: "succeeded", version: result.version };
    }
    const { previewDown } = await import("../adapters/gitops/preview.js");
    const result = await previewDown({ ...target, pr: run.pr ?? 0 });
    await record(ctx, run, "preview-down", `preview-${run.pr}`, null, null, result.commit);
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

async function record(
  ctx: ExecutorContext,
  run: Run,
  action: string,
  env: string,
  version: string | null,
  chartVersion: string | null,
  commit: string | null,
): Promise<void> {
  await ctx.store.addDeployment({ runId: run.id, env, action, version, chartVersion, gitCommit: commit });
}

/** Fetch, plan, then each stage in order; a failed stage skips the rest. */
async function build(run: Run, ctx: ExecutorContext, signal: AbortSignal): Promise<RunResult> {
  if (!ctx.repoUrl) throw new FailureError("serve has no --repo-url: workers cannot fetch commits");
  const dir = join(ctx.workRoot, `run-${run.id}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    const say = (line: string) => ctx.store.log(run.id, "checkout", line);
    await say(`fetch ${run.fetchRef} (${run.sha?.slice(0, 12)})`);
    await git(["init", "--quiet"], { cwd: dir });
    await git(
      [
        "fetch",
        "--quiet",
        "--tags",
        "--no-recurse-submodules",
        "--",
        ctx.repoUrl,
        `+${run.fetchRef}:refs/serve/target`,
      ],
      { cwd: dir, auth: ctx.repoAuth },
    );
    if (signal.aborted) throw new Stopped();
    // An annotated tag's push names the tag object: peel it to its commit.
    const wanted = run.sha ? `${run.sha}^{commit}` : "refs/serve/target^{commit}";
    const peeled = await git(["rev-parse", "--verify", "--quiet", wanted], { cwd: dir, allowFail: true });
    if (peeled.code !== 0)
      throw new FailureError(`commit ${run.sha} is not on ${run.fetchRef} any more (a newer push moved it?)`);
    const commit = peeled.stdout.trim();
    await git(["checkout", "--quiet", "--detach", commit], { cwd: dir });
    if (run.ref?.startsWith("refs/tags/")) {
      // The plan reads the tag from this checkout; say what it found (latest moves only for annotated tags).
      const type = await git(["cat-file", "-t", run.ref], { cwd: dir, allowFail: true });
      const kind = type.stdout.trim() === "tag" ? "annotated" : "lightweight";
      await say(`tag ${run.ref.slice(10)} is ${kind}, on commit ${commit.slice(0, 12)}`);
    }
    const file = join(dir, "pipeline.yaml");
    if (!existsSync(file))
      throw new FailureError(`commit ${commit.slice(0, 12)} has no pipeline.yaml at its root`);
    const config = loadConfig(file);
    const plan = await planFor(
      localGit(dir),
      config,
      { ref: run.ref ?? undefined, sha: commit, ...(run.pr !== null ? { pr: run.pr } : {}) },
      {},
    );
    await say(
      `commit ${commit.slice(0, 12)}, rule ${plan.rule ?? "(none)"}, version ${plan.version}: ${plan.stages.join(" -> ") || "no stages"}`,
    );
    let failed: string | undefined;
    // Stages that could not run here: the rest still run (as in the local loop), but the run is not a success.
    const missing: string[] = [];
    for (const [idx, stage] of plan.stages.entries()) {
      if (signal.aborted) throw new Stopped();
      await ctx.store.stageStarted(run.id, idx, stage);
      const started = Date.now();
      const how = stageExecution(stage);
      let status = "ok";
      let detail: string | undefined;
      if (failed) {
        status = "skipped";
        detail = "an earlier stage failed";
      } else if (how.via === "skip") {
        status = "skipped";
        detail = how.reason;
      } else {
        try {
          if (how.via === "cli") {
            const code = await runStageProcess(run.id, stage, dir, ctx, signal);
            if (code === 3) {
              status = "skipped";
              detail = "a tool it needs is missing (see its log)";
              missing.push(stage);
            } else if (code !== 0) {
              status = "failed";
              detail = `exited ${code}`;
            }
          } else if (how.via === "promote") {
            const { promote } = await import("../adapters/gitops/promote.js");
            const promotion = plan.promotions[0];
            if (!promotion) {
              status = "skipped";
              detail = "the plan promotes nowhere";
            } else {
              const result = await promote({
                config,
                auth: ctx.gitopsAuth,
                environment: promotion.environment,
                imageTag: plan.tags.image,
                chartVersion: plan.chart.version,
                sourceSha: commit,
              });
              await record(
                ctx,
                run,
                "promote",
                promotion.environment,
                result.version,
                result.chartVersion,
                result.commit,
              );
              detail = result.message;
            }
          } else {
            const { previewUp } = await import("../adapters/gitops/preview.js");
            const result = await previewUp({
              config,
              auth: ctx.gitopsAuth,
              pr: run.pr ?? 0,
              imageTag: plan.tags.image,
              chartVersion: plan.chart.version,
              now: new Date(),
            });
            await record(
              ctx,
              run,
              "preview",
              `preview-${run.pr}`,
              plan.tags.image,
              plan.chart.version,
              result.commit,
            );
            detail = `preview ${result.changed ? "updated" : "unchanged"}`;
          }
        } catch (error) {
          if (signal.aborted) throw new Stopped();
          status = "failed";
          detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
          await ctx.store.log(run.id, stage, `error: ${detail}`);
        }
      }
      if (signal.aborted) {
        await ctx.store.stageEnded(
          run.id,
          idx,
          reasonOf(signal),
          Date.now() - started,
          String(signal.reason),
        );
        throw new Stopped();
      }
      await ctx.store.stageEnded(run.id, idx, status, Date.now() - started, detail);
      if (status === "failed") failed = stage;
    }
    if (failed) return { status: "failed", error: `${failed} failed`, version: plan.version };
    if (missing.length)
      return {
        status: "failed",
        error: `${missing.join(", ")} could not run here for lack of a tool (see the log)`,
        version: plan.version,
      };
    return { status: "succeeded", version: plan.version };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
