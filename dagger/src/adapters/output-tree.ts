/**
 * Writing generated files into a folder a user named (`render --out`). Never through a symlink: a
 * link on the way (the folder itself, a folder in the repository above it such as a committed
 * `.out`, or a file inside it) could point anywhere, so every step is checked with lstat before
 * the first write (core/runners/render.ts `outputSteps`), and a refusal writes nothing. Something
 * in the way that is not a folder or a file (`--out /dev/null`), or a folder that cannot be
 * written, is the operator's to fix: a {@link UsageError} naming the path (exit 2), never a crash.
 */
import { accessSync, constants, lstatSync, mkdirSync, type Stats, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { UsageError } from "../core/errors.js";
import { outputSteps } from "../core/runners/render.js";
import { escapeControl } from "../core/validate.js";

/** The errno code of a failed fs call. */
const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? "error";

/** The nearest of `path` and its parents that exists, and whether it is a folder. */
function nearestExisting(path: string): [string, "dir" | "other"] {
  for (let at = path; ; at = dirname(at)) {
    try {
      return [at, lstatSync(at).isDirectory() ? "dir" : "other"];
    } catch {
      if (dirname(at) === at) return [at, "other"];
    }
  }
}

/** Why a write under `path` failed, as the operator can act on it. */
function cannotWrite(label: string, path: string, error: unknown): UsageError {
  const code = codeOf(error);
  const why =
    code === "EACCES" || code === "EPERM"
      ? "permission denied"
      : code === "EROFS"
        ? "the file system is read-only"
        : code === "ENOSPC"
          ? "no space left"
          : code === "ENOTDIR"
            ? "a part of the path is not a folder"
            : code;
  return new UsageError(`${label}: cannot write ${escapeControl(path)} (${why}); choose another folder`);
}

/**
 * Writes `files` (path relative to `out` → text) under `out`, creating folders; `bases` are the
 * folders whose subfolders are checked down to `out` (the repository root, the user's directory).
 * `label` names the option in errors, e.g. `--out .out/render`. Throws a {@link UsageError}
 * before writing anything when a step is a symlink, not a folder where one is needed, not a
 * regular file where one is written, or cannot be written.
 * Example: `writeTree("/repo/.out/render", { "plan.json": "{}" }, ["/repo"], "--out .out/render")`.
 */
export function writeTree(
  out: string,
  files: Readonly<Record<string, string>>,
  bases: readonly string[],
  label: string,
): void {
  const steps = outputSteps(bases, out, Object.keys(files));
  const missing = new Set<string>();
  for (const step of steps) {
    const parent = dirname(step.path);
    if (missing.has(parent)) {
      missing.add(step.path);
      continue;
    }
    let stat: Stats;
    try {
      stat = lstatSync(step.path);
    } catch (error) {
      const code = codeOf(error);
      if (code !== "ENOENT" && code !== "ENOTDIR") throw cannotWrite(label, step.path, error);
      missing.add(step.path);
      // It will be created under the nearest folder that exists, which must be one and let us.
      const [above, kind] = nearestExisting(parent);
      if (kind !== "dir")
        throw new UsageError(`${label}: ${escapeControl(above)} is not a folder; choose a folder for --out`);
      try {
        accessSync(above, constants.W_OK);
      } catch (denied) {
        throw cannotWrite(label, above, denied);
      }
      continue;
    }
    const shown = escapeControl(step.path);
    if (stat.isSymbolicLink())
      throw new UsageError(
        `${label}: ${shown} is a symlink; render writes only into real folders (remove the link or choose another --out)`,
      );
    if (step.kind === "dir" && !stat.isDirectory())
      throw new UsageError(`${label}: ${shown} is not a folder; choose a folder for --out`);
    if (step.kind === "file" && !stat.isFile())
      throw new UsageError(`${label}: ${shown} is in the way and is not a regular file; remove it`);
    if (step.kind === "file") {
      try {
        accessSync(step.path, constants.W_OK);
      } catch (denied) {
        throw cannotWrite(label, step.path, denied);
      }
    }
  }
  for (const [path, text] of Object.entries(files)) {
    const full = join(out, path);
    try {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
    } catch (error) {
      throw cannotWrite(label, full, error);
    }
  }
}
