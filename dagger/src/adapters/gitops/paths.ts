/**
 * The write-site check for every file the pipeline writes or removes in a gitops clone or a new
 * gitops repo: the path must be relative, without `..`, and must resolve inside the root on disk
 * too, so neither `gitops.path: ..` nor a symlink committed to the gitops repo
 * (`environments -> /home/ci`) can move a write outside it. Config validation refuses bad paths
 * earlier; this is the last line, where the write happens.
 */
import { lstatSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { UsageError } from "../../core/errors.js";
import { relativePathProblem, safeEcho } from "../../core/validate.js";

const inside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
};

/**
 * The absolute path of `rel` inside `root`, checked lexically and against symlinks on disk; a
 * UsageError naming `what` (e.g. "gitops.path") when it would leave the root.
 */
export function pathInside(root: string, rel: string, what: string): string {
  const refuse = (why: string) =>
    new UsageError(
      `${what}: ${why}; paths in the gitops repo must be relative and stay inside it (fix gitops.path or preview.valuesFile in pipeline.yaml)`,
    );
  const problem = relativePathProblem(rel);
  if (problem) throw refuse(`${safeEcho(rel)} ${problem}`);
  const realRoot = realpathSync(root);
  const full = resolve(realRoot, rel);
  if (!inside(realRoot, full)) throw refuse(`${safeEcho(rel)} leaves the repository`);
  if (isSymlink(full)) throw refuse(`${safeEcho(rel)} is a symlink`);
  // The deepest part that exists must really be inside: a committed symlink could point anywhere.
  let existing = full;
  while (!lexists(existing) && existing !== realRoot) existing = dirname(existing);
  let real: string;
  try {
    real = realpathSync(existing);
  } catch {
    throw refuse(`${safeEcho(rel)} goes through a broken symlink`);
  }
  if (!inside(realRoot, real)) throw refuse(`${safeEcho(rel)} goes through a symlink out of it`);
  return full;
}

function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
