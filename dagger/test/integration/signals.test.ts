/**
 * SIGINT and SIGTERM against the real CLI while git is busy: the CLI stops its git children
 * (their whole process group), removes its temp dirs, says so in one line and exits 130 or 143.
 * Nothing it started outlives it, and a push it stopped never lands afterwards.
 */
import { chmodSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, processesWith, startCli } from "../support/cli-process.js";
import { git } from "../support/git.js";
import { makeApp, makeGitopsRemote } from "../support/gitops.js";
import { waitFor } from "../support/ports.js";
import { removeTempDirs, tempDir } from "../support/temp.js";

afterAll(removeTempDirs);

const SECRET = "s3cret-signal-Kp4";
const ENV = {
  GITOPS_TOKEN: SECRET,
  GITHUB_TOKEN: undefined,
  GITHUB_SHA: undefined,
  CI_COMMIT_SHA: undefined,
  GITHUB_SERVER_URL: undefined,
  CI_PIPELINE_URL: undefined,
  PIPELINE_KEEP_WORKTREE: undefined,
  // Long enough that only the signal can end these runs.
  PIPELINE_GIT_TIMEOUT: "120",
};

const refs = (remote: string) => git(remote, "for-each-ref", "--format=%(refname) %(objectname)");
const leftovers = (tmp: string) => readdirSync(tmp).filter((n) => n.startsWith("pipeline-"));
/** Live git processes (ours or their helpers) whose argv holds `marker`. */
const gitChildren = (marker: string) => processesWith(marker).filter((p) => /(^|\/)git[ -]/.test(p.argv));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the CLI with a private TMPDIR. */
function start(args: string[], cwd: string): { cli: CliProcess; tmp: string } {
  const tmp = tempDir("signal-tmp-");
  return { cli: startCli(args, { cwd, env: { ...ENV, TMPDIR: tmp }, deadlineMs: 30_000 }), tmp };
}

/** What every interrupted run must look like. */
async function expectInterrupted(
  cli: CliProcess,
  tmp: string,
  signal: "SIGINT" | "SIGTERM",
  marker: string,
): Promise<void> {
  const sent = Date.now();
  cli.child.kill(signal);
  const r = await cli.result;
  expect(r.code, r.stderr).toBe(signal === "SIGINT" ? 130 : 143);
  expect(Date.now() - sent).toBeLessThan(5_000);
  expect(r.stderr.trimEnd().split("\n"), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(new RegExp(`^pipeline: interrupted by ${signal}`));
  expect(`${r.stdout}${r.stderr}`).not.toContain(SECRET);
  expect(leftovers(tmp)).toEqual([]);
  // Nothing it started is still running (its git children ran with the marker in their argv).
  expect(processesWith(marker)).toEqual([]);
}

describe("a signal while git waits on a remote that never answers", () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let url: string;
  let app: ReturnType<typeof makeApp>;
  beforeAll(async () => {
    app = makeApp("app: shop\n");
    silent = createServer((s) => {
      sockets.push(s);
      s.on("error", () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(silent.address() as { port: number }).port}/gitops.git`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it.each([
    ["promote", "SIGINT"],
    ["promote", "SIGTERM"],
    ["history", "SIGINT"],
    ["history", "SIGTERM"],
    ["rollback", "SIGTERM"],
    ["preview up", "SIGINT"],
    ["preview sweep", "SIGTERM"],
    ["unfreeze", "SIGINT"],
  ] as const)("%s, %s: exit 128+n, children stopped, clone removed", async (command, signal) => {
    const args: Record<string, string[]> = {
      promote: ["promote", "--env", "staging", "--image-tag", "1.0.0", "--chart-version", "1.0.0"],
      history: ["history", "--env", "staging"],
      rollback: ["rollback", "--env", "staging"],
      "preview up": ["preview", "up", "--pr", "4", "--image-tag", "pr-4", "--chart-version", "0.0.0-pr-4"],
      "preview sweep": ["preview", "sweep", "--max-age", "7d"],
      unfreeze: ["unfreeze", "--env", "staging"],
    };
    const { cli, tmp } = start([...args[command]!, "--repo", url], app.dir);
    await waitFor(
      "a git child talking to the silent remote",
      async () => gitChildren(url).length > 0,
      10_000,
    );
    await expectInterrupted(cli, tmp, signal, url);
  });

  it("a second signal while stopping still exits at once", async () => {
    const { cli, tmp } = start(
      ["promote", "--repo", url, "--env", "staging", "--image-tag", "1.0.0", "--chart-version", "1.0.0"],
      app.dir,
    );
    await waitFor("a git child", async () => gitChildren(url).length > 0, 10_000);
    cli.child.kill("SIGINT");
    cli.child.kill("SIGINT");
    const r = await cli.result;
    expect(r.code).toBe(130);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    await sleep(200);
    expect(leftovers(tmp)).toEqual([]);
    expect(processesWith(url)).toEqual([]);
  });
});

describe("a signal while the push is in flight", () => {
  it.each(["SIGINT", "SIGTERM"] as const)(
    "%s: the push is stopped and never lands after the CLI has exited",
    async (signal) => {
      const app = makeApp("app: shop\n");
      const remote = makeGitopsRemote([app.config]);
      const started = join(tempDir("signal-hook-"), "started");
      // Accepts the push, but only after a pause the signal falls into.
      const hook = join(remote, "hooks", "pre-receive");
      writeFileSync(hook, `#!/bin/sh\ncat >/dev/null\ntouch ${started}\nsleep 3\nexit 0\n`);
      chmodSync(hook, 0o755);
      const before = refs(remote);
      const { cli, tmp } = start(
        ["promote", "--repo", remote, "--env", "staging", "--image-tag", "1.0.0", "--chart-version", "1.0.0"],
        app.dir,
      );
      await waitFor("the push to reach the hook", async () => existsSync(started), 15_000);
      await expectInterrupted(cli, tmp, signal, remote);
      expect((await cli.result).stderr).toMatch(/stopped \d+ running git process/);
      // Long enough for the hook to have finished and the ref to move, had anything survived.
      await sleep(3_500);
      expect(refs(remote)).toBe(before);
    },
  );
});
