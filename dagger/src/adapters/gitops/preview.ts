/**
 * Preview environments, one per pull request: `previewUp` adds its Application (namespace
 * preview-<n>), `previewDown` removes it, `previewSweep` removes the old ones and those of closed
 * pull requests. Each is idempotent.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parse } from "yaml";
import { UsageError } from "../../core/errors.js";
import {
  PREVIEW_CREATED,
  previewApplicationYaml,
  previewParameters,
  previewPath,
  previewsToSweep,
} from "../../core/gitops/layout.js";
import { previewNamespace } from "../../core/gitops/preview.js";
import { gitopsPath } from "../../core/gitops/promotion.js";
import { isPrNumber, requireOciTag, requireSemver, safeEcho } from "../../core/validate.js";
import type { RegistryAccess } from "../registry/connect.js";
import { pathInside } from "./paths.js";
import { prepareRenderCheck, type RenderCheck } from "./render-check.js";
import { commitWithRetry, type GitopsTarget } from "./workspace.js";

/** When a preview was created, from its Application; "" when the file is not YAML we can read. */
function createdAtOf(text: string): string {
  try {
    const value = parse(text, { maxAliasCount: 50 })?.metadata?.annotations?.[PREVIEW_CREATED];
    return typeof value === "string" ? value : "";
  } catch {
    // A broken or hostile file (aliases bombs included) has no creation time: it is left alone.
    return "";
  }
}

function requirePr(pr: number): void {
  if (!isPrNumber(pr)) throw new UsageError(`--pr ${safeEcho(pr)} is not a pull request number (e.g. 42)`);
}

/**
 * Adds or updates the preview of pull request `pr`, after rendering the chart with the preview's
 * values and its Application's parameters (gitops.validate): a render that fails pushes nothing.
 */
export async function previewUp(
  options: GitopsTarget & {
    pr: number;
    imageTag: string;
    chartVersion: string;
    now: Date;
    /** The app's checkout, whose chart folder is rendered (default: pipeline.yaml's folder). */
    root?: string;
    /** Registry access for `gitops.validate: registry`. */
    registry?: RegistryAccess;
  },
) {
  const { config, pr } = options;
  requirePr(pr);
  requireOciTag(options.imageTag, "--image-tag");
  requireSemver(options.chartVersion, "--chart-version");
  const render = await prepareRenderCheck(config, { what: "preview up", ...options });
  try {
    return { ...(await previewUpRendered(options, render)), validation: render.note };
  } finally {
    render.close();
  }
}

async function previewUpRendered(
  options: GitopsTarget & { pr: number; imageTag: string; chartVersion: string; now: Date },
  render: RenderCheck,
) {
  const { config, pr } = options;
  const path = previewPath(config, pr);
  const outcome = await commitWithRetry(options, async (dir) => {
    const full = pathInside(dir, path, path);
    const existing = existsSync(full) ? readFileSync(full, "utf8") : null;
    // Keep the first creation time so a sweep measures the preview's age, not its last update.
    const createdAt = (existing && createdAtOf(existing)) || options.now.toISOString();
    const text = previewApplicationYaml(config, {
      pr,
      imageTag: options.imageTag,
      chartVersion: options.chartVersion,
      createdAt,
    });
    if (existing === text) return { message: null, result: false };
    await render.preview(
      dir,
      previewNamespace(config.preview.namespace, pr),
      previewParameters(config, options.imageTag, pr),
    );
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    return {
      message: `preview(pr-${pr}): ${config.app} ${options.imageTag}\n\nPreview of pull request #${pr} in namespace ${config.preview.namespace.replace("{pr}", String(pr))}.\n`,
      result: true,
    };
  });
  return { pr, path, changed: outcome.result, commit: outcome.commit };
}

/** Removes the preview of pull request `pr`. */
export async function previewDown(options: GitopsTarget & { pr: number }) {
  requirePr(options.pr);
  const path = previewPath(options.config, options.pr);
  const outcome = await commitWithRetry(options, (dir) => {
    const full = pathInside(dir, path, path);
    if (!existsSync(full)) return { message: null, result: false };
    rmSync(full);
    return { message: `preview(pr-${options.pr}): remove ${options.config.app} preview\n`, result: true };
  });
  return { pr: options.pr, path, changed: outcome.result, commit: outcome.commit };
}

/** Removes previews older than `maxAgeMs`, and those of pull requests not in `openPrs` when given. */
export async function previewSweep(
  options: GitopsTarget & { maxAgeMs: number; openPrs?: number[]; now: Date },
) {
  const folder = gitopsPath(options.config, "apps/preview");
  const prefix = `${options.config.app}-pr-`;
  const outcome = await commitWithRetry(options, (dir) => {
    const full = pathInside(dir, folder, folder);
    const previews = existsSync(full)
      ? readdirSync(full)
          .filter((f) => f.startsWith(prefix) && f.endsWith(".yaml"))
          .map((f) => ({ pr: Number(f.slice(prefix.length, -".yaml".length)), file: `${folder}/${f}` }))
          // Only files this tool would have named: pr-<safe integer>.yaml, read through the path check.
          .filter((p) => isPrNumber(p.pr) && `${prefix}${p.pr}.yaml` === p.file.slice(folder.length + 1))
          .map((p) => ({
            pr: p.pr,
            createdAt: createdAtOf(readFileSync(pathInside(dir, p.file, p.file), "utf8")),
          }))
      : [];
    const removed = previewsToSweep(previews, options.now, options.maxAgeMs, options.openPrs);
    for (const r of removed) {
      const path = previewPath(options.config, r.pr);
      rmSync(pathInside(dir, path, path));
    }
    const message = removed.length
      ? `preview: sweep ${removed.length} ${options.config.app} preview(s)\n\n${removed.map((r) => `- pr-${r.pr}: ${r.reason}`).join("\n")}\n`
      : null;
    return { message, result: removed };
  });
  return { removed: outcome.result, commit: outcome.commit };
}
