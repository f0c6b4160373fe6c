/**
 * `gitops init <dir>`: scaffold a gitops-config repository for the app (a git repo with one
 * commit), its environments' values seeded from the app's own.
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { PipelineConfig } from "../../core/config/config.js";
import { FailureError, UsageError } from "../../core/errors.js";
import { type ScaffoldSeeds, scaffoldWithNotes } from "../../core/gitops/layout.js";
import { safeEcho } from "../../core/validate.js";
import { readInputFile } from "../input-file.js";
import { git } from "./git.js";
import { pathInside } from "./paths.js";

/** The largest seed or schema file read. */
const MAX_SEED_BYTES = 1024 * 1024;

/** A file of the app's checkout, or null when it has none (or it can't be read safely). */
function readSeed(root: string, path: string): string | null {
  if (!path) return null;
  try {
    return readInputFile(join(root, path), { root, maxBytes: MAX_SEED_BYTES, label: path, hint: "" });
  } catch {
    return null;
  }
}

/**
 * What the app's checkout at `root` seeds the gitops repository with: each environment's
 * `environments/<env>/values.yaml`, the preview values file, and the chart's values.schema.json.
 */
export function readSeeds(config: PipelineConfig, root: string): ScaffoldSeeds {
  const schemaText = config.chart.path ? readSeed(root, `${config.chart.path}/values.schema.json`) : null;
  let schema: unknown;
  try {
    schema = schemaText ? JSON.parse(schemaText) : undefined;
  } catch {
    throw new UsageError(
      `${config.chart.path}/values.schema.json: not valid JSON (helm would refuse the chart too; fix it, then run gitops init again)`,
    );
  }
  return {
    environments: Object.fromEntries(
      Object.keys(config.environments).map((env) => [env, readSeed(root, `environments/${env}/values.yaml`)]),
    ),
    preview: readSeed(root, config.preview.valuesFile),
    schema,
  };
}

/**
 * True when `dir` holds only `.git` of a repository without a commit: what `git clone` of a new,
 * empty gitops repository leaves, which init may fill (its remote then takes a plain push).
 */
async function isEmptyClone(dir: string): Promise<boolean> {
  const entries = readdirSync(dir);
  if (entries.length !== 1 || entries[0] !== ".git") return false;
  const head = await git(["rev-parse", "--verify", "--quiet", "HEAD"], { cwd: dir, allowFail: true });
  const inside = await git(["rev-parse", "--show-toplevel"], { cwd: dir, allowFail: true });
  return head.code !== 0 && inside.code === 0 && resolve(inside.stdout.trim()) === resolve(dir);
}

/**
 * Writes the layout into `dir` (absent, empty, or an empty clone) and commits it on gitops.branch.
 * Each environment's values start from the app checkout's own (`root`, default pipeline.yaml's
 * folder), without the placeholders the chart's values.schema.json rejects.
 */
export async function gitopsInit(
  config: PipelineConfig,
  dir: string,
  root = dirname(resolve(config.file)),
): Promise<{ dir: string; files: string[]; notes: string[] }> {
  const exists = existsSync(dir);
  if (exists && !statSync(dir).isDirectory())
    throw new UsageError(
      `${safeEcho(dir, 200)} is not an empty directory; gitops init writes a new repository`,
    );
  const clone = exists && (await isEmptyClone(dir));
  if (exists && !clone && readdirSync(dir).length > 0)
    throw new UsageError(
      `${safeEcho(dir, 200)} is not an empty directory (nor an empty clone); gitops init writes a new repository`,
    );
  // Decided (and every path checked) before the first write, so a bad path leaves nothing behind.
  const seeds = readSeeds(config, root);
  const { files, notes } = scaffoldWithNotes(config, "0.1.0", seeds);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new FailureError(
      `gitops init: cannot create ${safeEcho(dir, 200)} (${(error as NodeJS.ErrnoException).code ?? "error"}); choose a writable place`,
      { cause: error },
    );
  }
  for (const [path, text] of Object.entries(files)) {
    const full = pathInside(dir, path, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  // An empty clone keeps its remote; its unborn branch becomes gitops.branch, whatever git's default.
  if (clone) await git(["symbolic-ref", "HEAD", `refs/heads/${config.gitops.branch}`], { cwd: dir });
  else await git(["init", "--quiet", "--initial-branch", config.gitops.branch], { cwd: dir });
  await git(["add", "-A"], { cwd: dir });
  await git(
    [
      "-c",
      `user.name=${config.gitops.authorName}`,
      "-c",
      `user.email=${config.gitops.authorEmail}`,
      "commit",
      "--quiet",
      "-m",
      `init: gitops layout for ${config.app}`,
    ],
    { cwd: dir },
  );
  const next = clone ? [`push it: git -C ${safeEcho(dir, 200)} push -u origin ${config.gitops.branch}`] : [];
  return { dir, files: Object.keys(files).sort(), notes: [...notes, ...next] };
}
