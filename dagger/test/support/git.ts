/** Real git repositories in temp dirs for tests. */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tempDir } from "./temp.js";

/** Runs git in `cwd` with a fixed identity and no user/system config, returning stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_AUTHOR_NAME: "Test Author",
      GIT_AUTHOR_EMAIL: "author@example.com",
      GIT_COMMITTER_NAME: "Test Author",
      GIT_COMMITTER_EMAIL: "author@example.com",
    },
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

/** Creates a work tree with an initial commit on `main`; `files` maps paths to contents. */
export function repoWithFiles(files: Record<string, string>): string {
  const dir = tempDir("pipeline-git-");
  git(dir, "init", "-q", "-b", "main");
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "initial");
  return dir;
}

/** Creates a bare repository seeded from a work tree with `files` (the "remote"). */
export function bareRepoWithFiles(files: Record<string, string>): string {
  const work = repoWithFiles(files);
  const bare = tempDir("pipeline-bare-");
  git(bare, "clone", "-q", "--bare", work, ".");
  return bare;
}
