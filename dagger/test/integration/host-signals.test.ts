/**
 * SIGINT and SIGTERM against the real CLI while the host runner's tools are busy: a real `go build`
 * held up by a slow `-toolexec` stand-in, and the test stage with a PostgreSQL started from the
 * host's binaries and a `test.before` command that never ends. The CLI stops every child's process
 * group, stops the PostgreSQL it started, removes its temp dirs and exits 130 or 143: nothing it
 * started outlives it.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type CliProcess, processesWith, startCli } from "../support/cli-process.js";
import { git } from "../support/git.js";
import { waitFor } from "../support/ports.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool } from "../support/tools.js";

/** What each test started, so that a failing run (a child that outlived the CLI) leaves nothing behind. */
const markers: string[] = [];

afterAll(() => {
  for (const { pid, argv } of markers.flatMap(processesWith)) {
    try {
      // SIGQUIT is PostgreSQL's immediate shutdown; it also stops its backends.
      process.kill(pid, /(^|\/)postgres /.test(argv) ? "SIGQUIT" : "SIGKILL");
    } catch {
      // Gone already.
    }
  }
  removeTempDirs();
});

const MAIN = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n';

/** A committed Go repo with one binary and `extra` lines of pipeline.yaml. */
function makeRepo(extra: string): string {
  const repo = tempDir("host-signal-repo-");
  const files: Record<string, string> = {
    "go.mod": "module example.com/slow\n\ngo 1.26\n",
    "cmd/slow/main.go": MAIN,
    "slow_test.go": "package slow\n",
    "pipeline.yaml": `app: slow\ngo: { source: . }\nplatforms: [linux/amd64]\n${extra}`,
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), text);
  }
  git(repo, "init", "-q", "-b", "main");
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "initial");
  return repo;
}

/**
 * A script that says it started (a file in `dir`), then waits in a `sleep` whose argv carries a
 * unique marker: what a hung tool looks like, with a grandchild only a group kill reaches.
 */
function stallingScript(dir: string): { path: string; started: string; marker: string } {
  const marker = `3600.${Math.floor(Math.random() * 1e9)}`;
  const started = join(dir, "started");
  const path = join(dir, "stall.sh");
  writeFileSync(path, `#!/bin/sh\ntouch ${started}\nsleep ${marker}\n`);
  chmodSync(path, 0o755);
  markers.push(marker, path);
  return { path, started, marker };
}

/** The CLI with a private TMPDIR (readable by the postgres user, which runs the server as root). */
function start(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): { cli: CliProcess; tmp: string } {
  const tmp = tempDir("host-signal-tmp-");
  chmodSync(tmp, 0o755);
  markers.push(tmp, cwd);
  const path = [dirname(findTool("go")!), ...(process.env.PATH ?? "").split(":")].join(":");
  return {
    cli: startCli(args, {
      cwd,
      env: { ...env, PATH: path, TMPDIR: tmp, DATABASE_URL: undefined },
      deadlineMs: 60_000,
    }),
    tmp,
  };
}

/** What every interrupted host run must look like: exit 128+n, one line, nothing left running or on disk. */
async function expectInterrupted(
  cli: CliProcess,
  tmp: string,
  signal: "SIGINT" | "SIGTERM",
  markers: string[],
): Promise<string> {
  const sent = Date.now();
  cli.child.kill(signal);
  const r = await cli.result;
  expect(r.code, r.stderr).toBe(signal === "SIGINT" ? 130 : 143);
  expect(Date.now() - sent).toBeLessThan(5_000);
  expect(r.stderr.trimEnd().split("\n"), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(new RegExp(`^pipeline: interrupted by ${signal}; stopped `));
  for (const marker of markers) expect(processesWith(marker), marker).toEqual([]);
  expect(readdirSync(tmp).filter((n) => n.startsWith("pipeline-"))).toEqual([]);
  return r.stderr;
}

describe("a signal while the host runner's go build runs", () => {
  it.each(["SIGINT", "SIGTERM"] as const)(
    "%s: go build and the tool it runs are stopped before the CLI exits",
    async (signal) => {
      const repo = makeRepo("");
      const stall = stallingScript(tempDir("host-signal-tool-"));
      // A real go build; every compiler call goes through the stand-in, which never finishes.
      const { cli, tmp } = start(["build", "--runner", "host"], repo, {
        GOFLAGS: `-toolexec=${stall.path}`,
      });
      await waitFor("go build to reach the compiler", async () => existsSync(stall.started), 30_000);
      // go build's own argv names the repo's .out folder.
      expect(processesWith(join(repo, ".out")).length).toBeGreaterThan(0);
      const stderr = await expectInterrupted(cli, tmp, signal, [
        stall.marker,
        stall.path,
        join(repo, ".out"),
      ]);
      expect(stderr).toMatch(/stopped 1 running go process$/m);
    },
  );
});

describe("a signal while the host runner's test stage runs", () => {
  it("SIGTERM: the before command, PostgreSQL and its data dir are gone when the CLI exits", async () => {
    const tools = tempDir("host-signal-tool-");
    chmodSync(tools, 0o755);
    const stall = stallingScript(tools);
    const repo = makeRepo(
      `test:\n  race: false\n  services: { db: { postgres: "17" } }\n  before: [${stall.path}]\n`,
    );
    const { cli, tmp } = start(["test", "--runner", "host"], repo);
    await waitFor("the before command to start", async () => existsSync(stall.started), 60_000);
    // The server runs with its socket dir in the CLI's TMPDIR.
    expect(processesWith(join(tmp, "pipeline-pg-")).length).toBeGreaterThan(0);
    const stderr = await expectInterrupted(cli, tmp, "SIGTERM", [stall.marker, stall.path, tmp]);
    expect(stderr).toMatch(/stopped 1 running stall\.sh process$/m);
  });
});
