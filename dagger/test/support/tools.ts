/**
 * Finding the real tools tests need, and the one skip rule: a missing tool skips a test with a
 * clear reason only when CI is unset; with CI=true it fails the run, because a skipped test there
 * hides a missing install step.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

const extraDirs = (): string[] => {
  const dirs = [
    join(process.env.GOPATH ?? join(homedir(), "go"), "bin"),
    "/usr/local/go/bin",
    "/usr/sbin",
    "/sbin",
  ];
  if (existsSync("/usr/lib/postgresql")) {
    for (const v of readdirSync("/usr/lib/postgresql").sort().reverse())
      dirs.push(`/usr/lib/postgresql/${v}/bin`);
  }
  return dirs;
};

/** Returns the absolute path of `name` on PATH, in the Go bin dir or PostgreSQL's bin dir, or undefined. */
export function findTool(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? "").split(":"), ...extraDirs()]) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** True when running under CI (then nothing may be skipped). */
export const inCI = process.env.CI === "true" || process.env.CI === "1";

/**
 * Decides whether a suite needing `tools` must be skipped. Returns true (skip) only outside CI, and
 * says why on stderr; in CI a missing tool throws so the suite fails.
 */
export function skipWithout(...tools: string[]): boolean {
  const missing = tools.filter((t) => !findTool(t));
  if (missing.length === 0) return false;
  const reason = `missing tool(s): ${missing.join(", ")} (bash .ci/run installs them)`;
  if (inCI) throw new Error(`CI=true and ${reason}`);
  process.stderr.write(`skipping: ${reason}\n`);
  return true;
}

/** Skips (outside CI) or fails (in CI) unless a Docker Engine answers. */
export function skipWithoutDocker(): boolean {
  if (skipWithout("docker")) return true;
  try {
    execFileSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "pipe", timeout: 15_000 });
    return false;
  } catch {
    const reason = "no Docker Engine answers (start it: dockerd >/tmp/dockerd.log 2>&1 &)";
    if (inCI) throw new Error(`CI=true and ${reason}`);
    process.stderr.write(`skipping: ${reason}\n`);
    return true;
  }
}
