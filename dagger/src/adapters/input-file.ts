/**
 * Reads a file the user controls (pipeline.yaml, Chart.yaml, a CI event payload) without trusting
 * where it points: it must be a regular file, inside its root once symlinks are resolved, and
 * smaller than a cap. A refusal names the file and the rule, never the content or a link target,
 * because a committed symlink to /proc/self/environ would otherwise print the runner's secrets.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
} from "node:fs";
import { UsageError } from "../core/errors.js";
import { isInside } from "../core/validate.js";

/** Why a path cannot be read, in words, from a file system error (never its message: it holds paths). */
function unreadable(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") return "is a symlink to nothing";
  if (code === "ELOOP") return "is a symlink loop";
  if (code === "EACCES" || code === "EPERM") return "cannot be read (permission denied)";
  return `cannot be read (${code ?? "unknown error"})`;
}

/** What a file is, in words, for messages. */
function kindOf(path: string): string {
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return "a directory";
    if (stat.isFIFO()) return "a pipe";
    if (stat.isSocket()) return "a socket";
    if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
    return "not a regular file";
  } catch {
    return "a symlink to nothing";
  }
}

/**
 * Reads `file` as UTF-8 after checking it is a regular file whose real path is inside `root`, at
 * most `maxBytes` long. `label` names the file in messages (e.g. `pipeline.yaml`); `hint` says what
 * to do. Throws {@link UsageError}.
 */
export function readInputFile(
  file: string,
  options: { root: string; maxBytes: number; label?: string; hint?: string },
): string {
  const label = options.label ?? file;
  const hint = options.hint ?? "replace it with a regular file inside the repository";
  try {
    lstatSync(file);
  } catch {
    throw new UsageError(`${label}: file not found (${hint})`);
  }
  let real: string;
  let realRoot: string;
  try {
    real = realpathSync(file);
    realRoot = realpathSync(options.root);
  } catch (error) {
    throw new UsageError(`${label}: ${unreadable(error)} (${hint})`);
  }
  if (!isInside(realRoot, real)) {
    throw new UsageError(`${label}: is a symlink that leaves the repository; refused (${hint})`);
  }
  const stat = statSync(real);
  if (!stat.isFile()) throw new UsageError(`${label}: is ${kindOf(real)}, not a regular file (${hint})`);
  if (stat.size > options.maxBytes) {
    throw new UsageError(
      `${label}: is ${stat.size} bytes, more than the ${options.maxBytes} allowed (${hint})`,
    );
  }
  // Read at most maxBytes + 1 whatever stat said: some files report a size of 0 and are not empty.
  const buffer = Buffer.alloc(options.maxBytes + 1);
  // No following links and no blocking: the path may have been swapped since it was checked.
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    throw new UsageError(`${label}: ${unreadable(error)} (${hint})`);
  }
  let length = 0;
  try {
    if (!fstatSync(fd).isFile())
      throw new UsageError(`${label}: changed while it was read; refused (${hint})`);
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > options.maxBytes) {
        throw new UsageError(`${label}: is more than the ${options.maxBytes} bytes allowed (${hint})`);
      }
    }
  } finally {
    closeSync(fd);
  }
  return buffer.subarray(0, length).toString("utf8");
}
