/**
 * `promote`: apply the core's change set for one environment to the gitops repo and push it (or
 * open a pull request, for environments that need review). Safe to re-run: an environment already
 * at that version gets no commit. Refused while the environment is frozen by a rollback, unless
 * forced. Environments with `verify: true` are promoted only when every artifact exists. The chart
 * is rendered with the values about to be committed first (gitops.validate): a values file the
 * chart's schema rejects, or one missing a required value, is refused and nothing is pushed.
 */

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { PipelineConfig } from "../../core/config/config.js";
import { chartImages } from "../../core/config/images-section.js";
import { FailureError, UsageError } from "../../core/errors.js";
import { freezeMarker, freezePath } from "../../core/gitops/layout.js";
import {
  type DeployedVersion,
  downgradeRefusal,
  environmentFiles,
  needsPromotionHistory,
  type PromotionInput,
  planPromotion,
  TARGET_REVISION_KEY,
  validatePromotionInput,
} from "../../core/gitops/promotion.js";
import { applyChanges, getValue } from "../../core/gitops/yaml-edit.js";
import { redactUrl, safeEcho } from "../../core/validate.js";
import type { RegistryAccess } from "../registry/connect.js";
import { assertVerified, verifyArtifacts } from "../registry/verify.js";
import { isRepositoryName, openPullRequest } from "./github-pull-request.js";
import { history } from "./history.js";
import { pathInside } from "./paths.js";
import { assertCameFrom, supplyChainFromEnv } from "./promotion-gate.js";
import { prepareRenderCheck, type RenderCheck } from "./render-check.js";
import { commitWithRetry, type GitopsTarget } from "./workspace.js";

/** What to promote, and how. */
export interface PromoteOptions extends GitopsTarget, Omit<PromotionInput, "rollback"> {
  /** Promote even while the environment is frozen (says so in the result). */
  force?: boolean;
  /** A rollback: allowed while frozen, and freezes the environment in the same commit. */
  rollback?: { reason: string; at: string };
  /** Registry access for environments that verify before promoting. */
  registry?: RegistryAccess;
  /** GitHub access for environments promoted by pull request. */
  github?: { token?: string; repository?: string; apiUrl?: string };
  /** The app's checkout, whose chart folder the promotion renders (default: pipeline.yaml's folder). */
  root?: string;
}

/** What a promotion did. */
export interface PromoteResult {
  environment: string;
  version: string;
  chartVersion: string;
  changed: boolean;
  commit: string | null;
  attempts: number;
  files: string[];
  forced: boolean;
  pullRequest?: { number: number; url: string; branch: string };
  message: string;
  /** What was rendered before the commit (gitops.validate), or why nothing was. */
  validation?: string;
}

/** `owner/name` of a GitHub clone URL, for pull requests. */
export function githubRepository(url: string): string | undefined {
  return /github\.com[/:]([^/]+\/[^/.]+?)(\.git)?$/.exec(url)?.[1];
}

/** Applies the planned changes in a clone; throws before anything is written when a file is missing or broken. */
export function applyPlannedChanges(
  dir: string,
  files: readonly { path: string; changes: { key: string; value: string }[] }[],
  repo: string,
): string[] {
  const updates: { path: string; full: string; text: string }[] = [];
  for (const file of files) {
    const full = pathInside(dir, file.path, file.path);
    if (!existsSync(full)) {
      throw new UsageError(
        `${file.path}: not in the gitops repo ${safeEcho(redactUrl(repo), 200)} (run pipeline gitops init, or check --env and gitops.path)`,
      );
    }
    const before = readFileSync(full, "utf8");
    const after = applyChanges(before, file.changes, file.path);
    if (after !== before) updates.push({ path: file.path, full, text: after });
  }
  // Validate everything first, then write: a broken file leaves the clone untouched.
  for (const update of updates) writeFileSync(update.full, update.text);
  return updates.map((u) => u.path);
}

/**
 * What an environment runs in a clone: the first image tag in its values and the chart version of
 * its Application. Missing or unreadable keys read as empty (applying the change reports them).
 */
export function deployedVersion(dir: string, config: PipelineConfig, environment: string): DeployedVersion {
  const files = environmentFiles(config, environment);
  const read = (path: string, key: string) => {
    const full = pathInside(dir, path, path);
    if (!existsSync(full)) return "";
    let value: unknown;
    try {
      value = getValue(readFileSync(full, "utf8"), key, path);
    } catch {
      return ""; // Broken YAML: applying the change reports it with the file and line.
    }
    return typeof value === "string" || typeof value === "number" ? String(value) : "";
  };
  // The first chart image's values key, as promotion writes it (every image gets the same tag).
  const image = chartImages(config.images)[0];
  return {
    imageTag: image ? read(files.values, `${image.values}.tag`) : "",
    chartVersion: read(files.application, TARGET_REVISION_KEY),
  };
}

/**
 * Promotes a version to an environment, after rendering the chart with the values about to be
 * committed (adapters/gitops/render-check.ts): a render that fails commits and pushes nothing.
 */
export async function promote(options: PromoteOptions): Promise<PromoteResult> {
  validatePromotionInput(options.config, { ...options, rollback: Boolean(options.rollback) });
  const render = await prepareRenderCheck(options.config, {
    what: options.rollback ? "rollback" : "promote",
    chartVersion: options.chartVersion,
    root: options.root,
    registry: options.registry,
  });
  try {
    return { ...(await promoteRendered(options, render)), validation: render.note };
  } finally {
    render.close();
  }
}

async function promoteRendered(options: PromoteOptions, render: RenderCheck): Promise<PromoteResult> {
  const { config, environment } = options;
  const plan = planPromotion(config, { ...options, rollback: Boolean(options.rollback) });
  const settings = config.environments[environment]!;
  if (!options.rollback) await assertCameFrom(options, environment, options.imageTag);
  if (settings.verify && !options.rollback) {
    assertVerified(
      await verifyArtifacts({
        config,
        imageTag: options.imageTag,
        digests: options.digests,
        chartVersion: options.chartVersion,
        ...options.registry,
        supplyChain: supplyChainFromEnv(config, options.sourceSha),
      }),
    );
  }
  const repo = options.repo ?? config.gitops.repo;
  const frozen = freezePath(config, environment);
  let forced = false;
  const change = async (dir: string) => {
    // Re-read on every attempt: after a lost push race the winner may be newer, and newest wins.
    const current = deployedVersion(dir, config, environment);
    const next = { imageTag: options.imageTag, chartVersion: options.chartVersion };
    const guard = { force: options.force, rollback: Boolean(options.rollback) };
    // Without an image tag only the log tells a promoted chart from the scaffold's placeholder.
    if (needsPromotionHistory(current, next, guard))
      current.promoted = (await history({ ...options, environment, limit: 1 })).length > 0;
    const refusal = downgradeRefusal(environment, current, next, guard);
    if (refusal) throw new FailureError(refusal);
    if (existsSync(pathInside(dir, frozen, frozen)) && !options.rollback) {
      if (!options.force) {
        throw new FailureError(
          `${environment} is frozen by a rollback (${frozen} in the gitops repo): automatic promotion is refused; run pipeline unfreeze --env ${environment} when it is fixed, or promote by hand with --force`,
        );
      }
      forced = true;
    }
    const changed = applyPlannedChanges(dir, plan.files, repo);
    if (options.rollback) {
      const text = freezeMarker({
        environment,
        version: options.imageTag,
        at: options.rollback.at,
        reason: options.rollback.reason,
      });
      const full = pathInside(dir, frozen, frozen);
      if (!existsSync(full) || readFileSync(full, "utf8") !== text) {
        writeFileSync(full, text);
        changed.push(frozen);
      }
    }
    // The values as they would be committed, rendered as Argo CD will: refused before the commit.
    if (changed.length) await render.environment(dir, environment);
    return { message: changed.length ? plan.message : null, result: changed };
  };
  const base = { environment, version: options.imageTag, chartVersion: options.chartVersion, forced: false };
  if (settings.pullRequest && !options.rollback) {
    const branch = `promote/${environment}/${config.app}-${options.imageTag}`;
    const token = options.github?.token ?? process.env.GITHUB_TOKEN;
    const repository =
      options.github?.repository ?? process.env.GITOPS_GITHUB_REPOSITORY ?? githubRepository(repo);
    // Checked before the push, so a promotion that can't open its pull request pushes nothing.
    if (!token || !repository) {
      throw new UsageError(
        `${environment} is promoted by pull request: set GITHUB_TOKEN and GITOPS_GITHUB_REPOSITORY (owner/name of the gitops repo); nothing was pushed`,
      );
    }
    if (!isRepositoryName(repository)) {
      throw new UsageError(
        `GITOPS_GITHUB_REPOSITORY ${safeEcho(repository)} is not owner/name (e.g. acme/gitops-config); nothing was pushed`,
      );
    }
    const outcome = await commitWithRetry(options, change, { pushBranch: branch, force: true });
    if (!outcome.commit)
      return {
        ...base,
        changed: false,
        commit: null,
        attempts: outcome.attempts,
        files: [],
        forced,
        message: `${environment} is already at ${options.imageTag}`,
      };
    const pr = await openPullRequest({
      token,
      repository,
      head: branch,
      base: config.gitops.branch,
      title: plan.message.split("\n")[0]!,
      body: `Promote **${config.app}** to **${options.imageTag}** (chart ${options.chartVersion}) in **${environment}**.\n\nSource commit: ${options.sourceSha}${options.runUrl ? `\nPipeline run: ${options.runUrl}` : ""}\n`,
      apiUrl: options.github?.apiUrl,
    });
    return {
      ...base,
      changed: true,
      commit: outcome.commit,
      attempts: outcome.attempts,
      files: outcome.result,
      forced,
      pullRequest: { number: pr.number, url: pr.url, branch },
      message: `opened pull request #${pr.number} to promote ${config.app} ${options.imageTag} to ${environment}`,
    };
  }
  const outcome = await commitWithRetry(options, change);
  if (!outcome.commit) {
    return {
      ...base,
      changed: false,
      commit: null,
      attempts: outcome.attempts,
      files: [],
      forced,
      message: `${environment} is already at ${options.imageTag}: nothing to commit`,
    };
  }
  return {
    ...base,
    changed: true,
    commit: outcome.commit,
    attempts: outcome.attempts,
    files: outcome.result,
    forced,
    message: `${options.rollback ? "rolled back" : "promoted"} ${config.app} ${options.imageTag} to ${environment}${forced ? " (forced past the freeze)" : ""}`,
  };
}
