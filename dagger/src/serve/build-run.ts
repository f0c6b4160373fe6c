/**
 * A build run: fetch the commit from `--repo-url` into a work dir, read its pipeline.yaml for the
 * build shape only (deploy targets are the server's: core/serve/trust.ts), plan, and run each
 * stage. Repository-code stages run as `pipeline <stage>` processes with an allow-listed
 * environment; credentialed stages (publish's push, preview, promote) run in serve's own code
 * against the server's targets, and for a fork's pull request only after a deployer approved.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../adapters/config/config-file.js";
import { git } from "../adapters/gitops/git.js";
import { localGit } from "../adapters/release/git-context.js";
import { planFor } from "../adapters/release/plan-source.js";
import type { Run, StageRow } from "../adapters/serve/store.js";
import type { PipelineConfig, Stage } from "../core/config/config.js";
import { FailureError } from "../core/errors.js";
import type { Plan } from "../core/release/plan.js";
import { selectStages } from "../core/release/stages.js";
import { stageExecution } from "../core/serve/queue.js";
import { gateStage, serverOwnedDifferences, serverOwnedRefusal, trustedConfig } from "../core/serve/trust.js";
import { previewOnce, promoteOnce } from "./gitops-effects.js";
import { publishStage } from "./publish-stage.js";
import type { BuildState, ExecutorContext, RunResult } from "./run-context.js";
import { runStageProcess } from "./stage-process.js";

/** Thrown when the run's signal aborts; `reason` is cancel or timeout. */
export class Stopped extends Error {}

const reasonOf = (signal: AbortSignal): "cancelled" | "timed_out" =>
  signal.reason === "timeout" ? "timed_out" : "cancelled";

/** Fetches the run's commit into `dir` and checks it out; returns the commit. */
async function checkout(run: Run, ctx: ExecutorContext, dir: string, signal: AbortSignal): Promise<string> {
  if (!ctx.repoUrl) throw new FailureError("serve has no --repo-url: workers cannot fetch commits");
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
  return commit;
}

/**
 * The commit's config for this run: its build shape with the server's deploy targets. A commit
 * that names other targets is refused here, before any credential is used.
 */
function commitConfig(dir: string, commit: string, server: PipelineConfig): PipelineConfig {
  const file = join(dir, "pipeline.yaml");
  if (!existsSync(file))
    throw new FailureError(`commit ${commit.slice(0, 12)} has no pipeline.yaml at its root`);
  const own = loadConfig(file);
  const differences = serverOwnedDifferences(server, own);
  if (differences.length > 0) throw new FailureError(serverOwnedRefusal(commit, differences));
  return trustedConfig(server, own);
}

/**
 * Fetch, check the config, plan, then each stage in order; a failed stage skips the rest. The
 * run's folder holds the checkout (`repo/`) and the stage processes' temp dir (`tmp/`): removing
 * it removes everything the run wrote.
 */
export async function buildRun(run: Run, ctx: ExecutorContext, signal: AbortSignal): Promise<RunResult> {
  const runDir = join(ctx.workRoot, `run-${run.id}`);
  const dir = join(runDir, "repo");
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(runDir, "tmp"));
  try {
    const commit = await checkout(run, ctx, dir, signal);
    const config = commitConfig(dir, commit, ctx.config);
    const event = { ref: run.ref ?? undefined, sha: commit, ...(run.pr !== null ? { pr: run.pr } : {}) };
    const plan = await planFor(localGit(dir), config, event, {});
    await ctx.store.log(
      run.id,
      "checkout",
      `commit ${commit.slice(0, 12)}, rule ${plan.rule ?? "(none)"}, version ${plan.version}: ${plan.stages.join(" -> ") || "no stages"}`,
    );
    return await runStages(run, ctx, signal, { runDir, dir, commit, config, plan });
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}

/** The server's own rule for the plan's event: which credentialed stages it allows, and where it promotes. */
function serverRule(ctx: ExecutorContext, plan: Plan) {
  const e = plan.event;
  return selectStages(ctx.config.rules, {
    kind: e.kind,
    ref: e.ref,
    sha: e.sha,
    ...(e.branch !== null ? { branch: e.branch } : {}),
    ...(e.tag !== null ? { tag: e.tag } : {}),
    ...(e.pr !== null ? { pr: e.pr } : {}),
    source: "flags",
  });
}

async function runStages(
  run: Run,
  ctx: ExecutorContext,
  signal: AbortSignal,
  state: BuildState,
): Promise<RunResult> {
  const { plan } = state;
  const server = serverRule(ctx, plan);
  // A run continued after its approval: the repository-code stages it already passed are not run again.
  const before: StageRow[] = run.approvedAt !== null ? await ctx.store.stages(run.id) : [];
  let failed: string | undefined;
  let waiting = false;
  // Stages that could not run here: the rest still run (as in the local loop), but the run is not a success.
  const missing: string[] = [];
  for (const [idx, stage] of plan.stages.entries()) {
    if (signal.aborted) throw new Stopped();
    const earlier = before.find((s) => s.idx === idx && s.name === stage);
    let approved = run.approvedAt !== null;
    const started = Date.now();
    let status = "ok";
    let detail: string | undefined;
    if (earlier?.status === "ok") {
      await ctx.store.log(run.id, stage, `${stage} passed before the approval: not run again`);
      continue;
    }
    await ctx.store.stageStarted(run.id, idx, stage);
    if (failed) {
      status = "skipped";
      detail = "an earlier stage failed";
    } else {
      // An approval may have come while this run was going.
      if (run.fork && !approved) approved = (await ctx.store.getRun(run.id))?.approvedAt != null;
      const gate = gateStage(stage, server, { fork: run.fork, approved });
      const how = stageExecution(stage);
      if (gate.action === "skip") {
        status = "skipped";
        detail = gate.reason;
      } else if (how.via === "skip") {
        status = "skipped";
        detail = how.reason;
      } else if (gate.action === "await-approval") {
        waiting = true;
        status = "skipped";
        detail = "awaiting approval";
      } else {
        try {
          detail = await runOne(run, ctx, signal, state, stage, gate.environment);
        } catch (error) {
          // A cancel or timeout: recorded as such just below.
          if (signal.aborted) status = "stopped";
          else if (error instanceof StageMissing) {
            status = "skipped";
            detail = error.message;
            missing.push(stage);
          } else {
            status = "failed";
            detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
            await ctx.store.log(run.id, stage, `error: ${detail}`);
          }
        }
      }
    }
    if (signal.aborted) {
      await ctx.store.stageEnded(run.id, idx, reasonOf(signal), Date.now() - started, String(signal.reason));
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
  if (waiting) {
    await ctx.store.log(
      run.id,
      "serve",
      "a pull request from a fork: its repository-code stages ran without credentials; publish, preview and promote wait for a deployer's approval (POST /api/runs/:id/approve or the status page)",
    );
    return { status: "awaiting_approval", version: plan.version };
  }
  return { status: "succeeded", version: plan.version };
}

/** A stage process exited 3: a tool it needs is missing here. */
class StageMissing extends Error {}

/** Runs one stage; resolves to its detail line, rejects when it failed. */
async function runOne(
  run: Run,
  ctx: ExecutorContext,
  signal: AbortSignal,
  state: BuildState,
  stage: Stage,
  environment: string | undefined,
): Promise<string | undefined> {
  const { plan, commit } = state;
  const how = stageExecution(stage);
  const eventArgs = [
    "--ref",
    plan.event.ref,
    "--sha",
    commit,
    ...(plan.event.pr !== null ? ["--pr", String(plan.event.pr)] : []),
  ];
  const stageProcess = async (name: string) => {
    const code = await runStageProcess(
      run.id,
      { stage: name, label: stage, args: eventArgs },
      state,
      ctx,
      signal,
    );
    if (code === 3) throw new StageMissing("a tool it needs is missing (see its log)");
    if (code !== 0) throw new FailureError(`exited ${code}`);
  };
  if (stage === "publish") return publishStage(run, ctx, state, stageProcess);
  if (how.via === "cli") {
    await stageProcess(stage);
    return undefined;
  }
  if (how.via === "promote") {
    if (!environment) return "the plan promotes nowhere";
    const result = await promoteOnce(ctx, run, {
      environment,
      imageTag: plan.tags.image,
      chartVersion: plan.chart.version,
      sourceSha: commit,
    });
    return result.message;
  }
  const result = await previewOnce(ctx, run, {
    pr: run.pr ?? 0,
    imageTag: plan.tags.image,
    chartVersion: plan.chart.version,
  });
  return `preview ${result.changed ? "updated" : "unchanged"}`;
}
