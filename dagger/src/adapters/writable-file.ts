/**
 * Checking a file a user named for writing before a long-lived process opens it (`serve
 * --database`): a folder, a device, a path under a regular file, a folder that cannot be created
 * or a file that cannot be written is the operator's mistake, reported as a {@link UsageError}
 * naming the path (exit 2) instead of an error from deep inside the database driver. Missing
 * folders are created one level at a time (node's recursive mkdir never returns on some paths
 * under /proc).
 */
import { closeSync, mkdirSync, openSync, rmSync, type Stats, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { UsageError } from "../core/errors.js";
import { escapeControl } from "../core/validate.js";

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? "error";

const reason = (code: string) =>
  code === "EACCES" || code === "EPERM"
    ? "permission denied"
    : code === "EROFS"
      ? "read-only file system"
      : code === "ENOSPC"
        ? "no space left"
        : code === "ENOENT"
          ? "the file system refused it: ENOENT"
          : code;

const statOf = (path: string): Stats | undefined => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

/**
 * Makes sure `file` can be created or opened for writing, with its folder writable too (databases
 * put journals beside the file); creates missing folders. `label` names the option in errors,
 * e.g. `--database /srv/serve.db`. Example: `prepareWritableFile("/srv/serve.db", "--database /srv/serve.db")`.
 */
export function prepareWritableFile(file: string, label: string): void {
  const shown = (path: string) => escapeControl(path);
  const missing: string[] = [];
  let at = dirname(file);
  for (; !statOf(at) && dirname(at) !== at; at = dirname(at)) missing.unshift(at);
  const above = statOf(at);
  if (!above?.isDirectory())
    throw new UsageError(
      `${label}: ${shown(at)} is not a folder; give a file path in a folder that exists or can be created`,
    );
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      throw new UsageError(
        `${label}: cannot create the folder ${shown(folder)} (${reason(codeOf(error))}); choose another path`,
      );
    }
  }
  const stat = statOf(file);
  if (stat?.isDirectory())
    throw new UsageError(
      `${label}: ${shown(file)} is a folder; give a file path (example: .pipeline/state.db)`,
    );
  if (stat && !stat.isFile())
    throw new UsageError(
      `${label}: ${shown(file)} is not a regular file; give a file path (example: .pipeline/state.db)`,
    );
  const probe = join(dirname(file), `.pipeline-write-check-${process.pid}`);
  try {
    closeSync(openSync(probe, "wx"));
    rmSync(probe, { force: true });
    if (stat) closeSync(openSync(file, "r+"));
  } catch (error) {
    rmSync(probe, { force: true });
    throw new UsageError(
      `${label}: ${shown(stat ? file : dirname(file))} cannot be written (${reason(codeOf(error))}); choose another path`,
    );
  }
}
