/**
 * The plan's date through the real CLI and git: the committer time of the commit planned (or
 * SOURCE_DATE_EPOCH), read within the plan's three git calls, so planning one commit twice gives
 * the same plan whatever the clock says.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { git, repoWithFiles } from "../support/git.js";
import { removeTempDirs, tempDir } from "../support/temp.js";

afterAll(removeTempDirs);

const CI_VARS = {
  GITHUB_ACTIONS: undefined,
  GITHUB_REF: undefined,
  GITLAB_CI: undefined,
  SOURCE_DATE_EPOCH: undefined,
};
const RELEASED = "2024-03-01T10:00:00Z";
const LATEST = "2024-06-15T08:30:00Z";

/** An empty commit whose committer date is `date` (the author date is left to the clock: it must not matter). */
function commitAt(repo: string, date: string, message: string): void {
  execFileSync(
    "git",
    ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", message],
    {
      cwd: repo,
      env: { ...process.env, GIT_COMMITTER_DATE: date },
    },
  );
}

let repo: string;
let log: string;
let bin: string;
beforeAll(() => {
  repo = repoWithFiles({
    "pipeline.yaml": "app: shop\n",
    "src/cmd/api/main.go": "package main\n\nfunc main() {}\n",
  });
  commitAt(repo, RELEASED, "release");
  git(repo, "tag", "-a", "v1.0.0", "-m", "release 1.0.0");
  commitAt(repo, LATEST, "later");
  // A git on PATH that records each call, then runs the real one.
  bin = tempDir("pipeline-git-log-");
  log = join(bin, "calls.log");
  const real = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
  writeFileSync(join(bin, "git"), `#!/bin/sh\necho "$*" >> "${log}"\nexec "${real}" "$@"\n`);
  chmodSync(join(bin, "git"), 0o755);
});

function plan(args: string[], env: Record<string, string | undefined> = {}) {
  writeFileSync(log, "");
  const result = runCli(["plan", "--json", ...args], {
    cwd: repo,
    env: { ...CI_VARS, PATH: `${bin}:${process.env.PATH}`, ...env },
  });
  const calls = execFileSync("cat", [log], { encoding: "utf8" }).split("\n").filter(Boolean);
  return { ...result, calls, json: result.code === 0 ? JSON.parse(result.stdout) : null };
}

const created = (p: { json: { annotations: Record<string, string> } }) =>
  p.json.annotations["org.opencontainers.image.created"];

describe("the plan's created date", () => {
  it("is HEAD's committer time, and a second plan is byte-identical", () => {
    const first = plan(["--ref", "refs/heads/main"]);
    expect(first.code, first.stderr).toBe(0);
    expect(created(first)).toBe(LATEST);
    expect(first.json.event.branch).toBe("main");
    expect(plan(["--ref", "refs/heads/main"]).stdout).toBe(first.stdout);
  });

  it("is read within three git calls", () => {
    const p = plan([]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.calls.length).toBeLessThanOrEqual(3);
    expect(created(p)).toBe(LATEST);
  });

  it("is the tag's commit time when planning a tag that is not HEAD", () => {
    const p = plan(["--ref", "refs/tags/v1.0.0"]);
    expect(p.code, p.stderr).toBe(0);
    expect(created(p)).toBe(RELEASED);
    expect(p.calls.length).toBeLessThanOrEqual(3);
  });

  it("is SOURCE_DATE_EPOCH when set", () => {
    const p = plan([], { SOURCE_DATE_EPOCH: "1700000000" });
    expect(p.code, p.stderr).toBe(0);
    expect(created(p)).toBe("2023-11-14T22:13:20Z");
  });

  it("refuses a SOURCE_DATE_EPOCH that is not whole seconds (exit 2, one line, no stack)", () => {
    const p = plan([], { SOURCE_DATE_EPOCH: "last tuesday" });
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/^pipeline: SOURCE_DATE_EPOCH "?last tuesday"? is not a time/);
    expect(p.stderr).not.toMatch(/\n\s+at /);
  });

  it("reads no branch on a detached HEAD, and still the commit's time", () => {
    const detached = tempDir("pipeline-detached-");
    execFileSync("git", ["clone", "-q", repo, detached]);
    git(detached, "checkout", "-q", "--detach", "HEAD~1");
    const result = runCli(["plan", "--json"], { cwd: detached, env: CI_VARS });
    expect(result.code, result.stderr).toBe(0);
    const p = JSON.parse(result.stdout);
    expect(p.annotations["org.opencontainers.image.created"]).toBe(RELEASED);
    expect(p.version).toBe("1.0.0");
  });
});
