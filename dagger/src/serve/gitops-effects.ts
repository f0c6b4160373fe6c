/**
 * serve's gitops changes, each exactly once whatever crashes: the change is decided (a
 * rollback's target version, a promotion's version) and stored before anything is pushed; its
 * commit carries the operation's name; a retry reads the decision back instead of recomputing it,
 * and first asks the gitops history whether the earlier attempt landed. The deployment row is
 * written once per operation. Deploy targets are always the server's own pipeline.yaml.
 */
import { history } from "../adapters/gitops/history.js";
import type { Run } from "../adapters/serve/store.js";
import type { PipelineConfig } from "../core/config/config.js";
import { landedEntry, type Operation, operationUrl } from "../core/serve/effects.js";
import type { ExecutorContext } from "./run-context.js";

/** What a gitops effect needs of the executor. */
export type EffectContext = Pick<ExecutorContext, "store" | "gitopsAuth" | "baseUrl" | "installation"> & {
  /** The server's own config (deploy targets). */
  config: PipelineConfig;
};

/** What a promotion or rollback did. */
export interface EffectResult {
  version: string;
  message: string;
}

const operationOf = (ctx: EffectContext, run: Run): Operation => ({
  installation: ctx.installation,
  run: run.opRun,
});

/**
 * The commit an earlier attempt of this operation landed in `environment`, if any. Only a
 * decision stored before (or a retry) can have landed something, so a first attempt reads nothing.
 */
async function landedBefore(
  ctx: EffectContext,
  run: Run,
  environment: string,
  decidedBefore: boolean,
): Promise<string | undefined> {
  if (!decidedBefore && run.attempt === 1) return undefined;
  const entries = await history({ config: ctx.config, auth: ctx.gitopsAuth, environment, limit: 200 });
  return landedEntry(entries, operationOf(ctx, run))?.commit;
}

/** Promotes `imageTag` (chart `chartVersion`) to `environment` once for this run and its retries. */
export async function promoteOnce(
  ctx: EffectContext,
  run: Run,
  input: { environment: string; imageTag: string; chartVersion: string; sourceSha: string },
): Promise<EffectResult> {
  const { store } = ctx;
  const before = await store.intent(run.opRun, "promote", input.environment);
  const intent =
    before ??
    (await store.decide({
      opRun: run.opRun,
      action: "promote",
      env: input.environment,
      version: input.imageTag,
      chartVersion: input.chartVersion,
      sourceSha: input.sourceSha,
      reason: null,
      at: null,
    }));
  const version = intent.version ?? input.imageTag;
  const chartVersion = intent.chartVersion ?? input.chartVersion;
  const record = (gitCommit: string | null) =>
    store.recordEffect(run.opRun, "promote", input.environment, {
      runId: run.id,
      version,
      chartVersion,
      gitCommit,
    });
  const landed = await landedBefore(ctx, run, input.environment, before !== null);
  if (landed) {
    await record(landed);
    return {
      version,
      message: `${input.environment} already has ${version} from an earlier attempt of this run (${landed.slice(0, 12)}): nothing pushed again`,
    };
  }
  const { promote } = await import("../adapters/gitops/promote.js");
  const result = await promote({
    config: ctx.config,
    auth: ctx.gitopsAuth,
    environment: input.environment,
    imageTag: version,
    chartVersion,
    sourceSha: intent.sourceSha ?? input.sourceSha,
    runUrl: operationUrl(ctx.baseUrl(), operationOf(ctx, run)),
  });
  await record(result.commit);
  return { version: result.version, message: result.message };
}

/**
 * Rolls `environment` back (to `to`, or to the version before the current one) once: the target
 * is decided from the history and stored before the push, and a retry applies that same target.
 */
export async function rollbackOnce(
  ctx: EffectContext,
  run: Run,
  environment: string,
  to: string | undefined,
): Promise<EffectResult> {
  const { store } = ctx;
  const { applyRollback, resolveRollback } = await import("../adapters/gitops/rollback.js");
  const before = await store.intent(run.opRun, "rollback", environment);
  let intent = before;
  if (!intent) {
    const target = await resolveRollback({ config: ctx.config, auth: ctx.gitopsAuth, environment, to });
    intent = await store.decide({
      opRun: run.opRun,
      action: "rollback",
      env: environment,
      version: target.version,
      chartVersion: target.chartVersion,
      sourceSha: target.sourceSha,
      reason: target.reason,
      // In the freeze marker: the same on every attempt, so a landed attempt reads as no change.
      at: new Date().toISOString(),
    });
  }
  const version = intent.version ?? "";
  const chartVersion = intent.chartVersion ?? "";
  const record = (gitCommit: string | null) =>
    store.recordEffect(run.opRun, "rollback", environment, {
      runId: run.id,
      version,
      chartVersion,
      gitCommit,
    });
  const landed = await landedBefore(ctx, run, environment, before !== null);
  if (landed) {
    await record(landed);
    return {
      version,
      message: `${environment} was rolled back to ${version} by an earlier attempt of this run (${landed.slice(0, 12)}): nothing pushed again`,
    };
  }
  const result = await applyRollback({
    config: ctx.config,
    auth: ctx.gitopsAuth,
    environment,
    target: { version, chartVersion, sourceSha: intent.sourceSha ?? "unknown", reason: intent.reason ?? "" },
    at: intent.at ?? new Date().toISOString(),
    runUrl: operationUrl(ctx.baseUrl(), operationOf(ctx, run)),
  });
  await record(result.commit);
  return { version: result.version, message: result.message };
}

/**
 * Opens or updates pull request `pr`'s preview. The preview's file is the same on every attempt
 * (its creation time is kept from the file once written), so a retry after a landed push commits
 * nothing; the deployment row is written once.
 */
export async function previewOnce(
  ctx: EffectContext,
  run: Run,
  input: { pr: number; imageTag: string; chartVersion: string },
): Promise<{ changed: boolean }> {
  const { previewUp } = await import("../adapters/gitops/preview.js");
  const result = await previewUp({
    config: ctx.config,
    auth: ctx.gitopsAuth,
    pr: input.pr,
    imageTag: input.imageTag,
    chartVersion: input.chartVersion,
    now: new Date(),
  });
  await ctx.store.recordEffect(run.opRun, "preview", `preview-${input.pr}`, {
    runId: run.id,
    version: input.imageTag,
    chartVersion: input.chartVersion,
    gitCommit: result.commit,
  });
  return { changed: result.changed };
}

/** Removes pull request `pr`'s preview (a no-op when it has none); recorded once. */
export async function cleanupOnce(ctx: EffectContext, run: Run, pr: number): Promise<{ changed: boolean }> {
  const { previewDown } = await import("../adapters/gitops/preview.js");
  const result = await previewDown({ config: ctx.config, auth: ctx.gitopsAuth, pr });
  await ctx.store.recordEffect(run.opRun, "preview-down", `preview-${pr}`, {
    runId: run.id,
    version: null,
    chartVersion: null,
    gitCommit: result.commit,
  });
  return { changed: result.changed };
}
