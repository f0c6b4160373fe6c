/** `gitops init <dir>`: scaffold a gitops-config repository for the app (a git repo with one commit). */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { PipelineConfig } from "../../core/config/config.js";
import { FailureError, UsageError } from "../../core/errors.js";
import { scaffold } from "../../core/gitops/layout.js";
import { safeEcho } from "../../core/validate.js";
import { git } from "./git.js";
import { pathInside } from "./paths.js";

/** Writes the layout into `dir` (which must be empty or absent) and commits it on gitops.branch. */
export async function gitopsInit(
  config: PipelineConfig,
  dir: string,
): Promise<{ dir: string; files: string[] }> {
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0))
    throw new UsageError(
      `${safeEcho(dir, 200)} is not an empty directory; gitops init writes a new repository`,
    );
  // Decided (and every path checked) before the first write, so a bad path leaves nothing behind.
  const files = scaffold(config);
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
  await git(["init", "--quiet", "--initial-branch", config.gitops.branch], { cwd: dir });
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
  return { dir, files: Object.keys(files).sort() };
}
