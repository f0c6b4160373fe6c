/**
 * `kill -9` of `pipeline serve` at each step of a promotion, a rollback and a preview: before the
 * push (the push's first request stalls), during it (a pre-receive hook waits), and after it lands
 * but before serve writes the database (a post-receive hook waits). After a restart the
 * environment must be on the version asked for, with each effect once in the gitops history and
 * the deployments, and nothing of the dead serve left: no process, no temp dir. A second serve on
 * the same database is refused.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { CLI_ENTRY } from "../support/cli.js";
import { type FaultProxy, startFaultProxy } from "../support/fault-proxy.js";
import { git } from "../support/git.js";
import { freePort, waitFor } from "../support/ports.js";
import { startPostgres } from "../support/postgres.js";
import {
  api,
  appYaml,
  githubHook,
  makeServeApp,
  pushPayload,
  type Run,
  type ServeProcess,
  startServe,
  waitForRun,
} from "../support/serve.js";
import { HELD, prPayload, servedGitops, trustYaml } from "../support/serve-trust.js";
import { removeTempDirs, tempDir } from "../support/temp.js";

afterAll(removeTempDirs);

type Step = "before" | "during" | "after";

/** One serve with its gitops repo behind a fault proxy, and the dirs a crash may leave things in. */
async function world() {
  const gitops = await servedGitops();
  const proxy: FaultProxy = await startFaultProxy(gitops.server.url.slice(7));
  const url = `http://${proxy.host}/gitops.git`;
  const app = makeServeApp(trustYaml({ gitops: url, stages: ["preview"] }));
  const tmp = tempDir("pipeline-serve-tmp-");
  const marks = tempDir("pipeline-hook-marks-");
  const args = ["--workers", "1", "--runner", "host", "--repo-url", app.dir];
  const start = () => startServe(app.dir, args, { ...HELD, TMPDIR: tmp });
  return { gitops, proxy, app, tmp, marks, start };
}

/** A hook that says it started, then waits until the test releases it. */
function hook(bare: string, name: string, marks: string): void {
  const file = join(bare, "hooks", name);
  writeFileSync(
    file,
    `#!/bin/sh\ntouch ${marks}/${name}\nwhile [ ! -e ${marks}/release ]; do sleep 0.1; done\ncat >/dev/null\n`,
  );
  chmodSync(file, 0o755);
}

const commits = (bare: string) => Number(git(bare, "rev-list", "--count", "main"));

/** The version the newest promotion or rollback commit of `env` names, from its trailers. */
function currentVersion(bare: string, env: string): string | undefined {
  for (const message of git(bare, "log", "--format=%B%x1e", "main").split("\x1e")) {
    if (message.includes(`Pipeline-Env: ${env}\n`)) return /Pipeline-Version: (\S+)/.exec(message)?.[1];
  }
  return undefined;
}

/** Processes still carrying this app's folders in their environment: what a dead serve left. */
function leftovers(markers: readonly string[], except: number | undefined): string[] {
  const out: string[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === except || Number(name) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`, "latin1");
      if (markers.some((m) => environ.includes(m)))
        out.push(`${name}: ${readFileSync(`/proc/${name}/cmdline`, "latin1").replaceAll("\0", " ")}`);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return out;
}

/** Everything under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: "utf8" }) : [];
}

const promote = async (serve: ServeProcess, version: string) => {
  const queued = await api(serve.url, "/api/environments/staging/promote", {
    role: "deployer",
    method: "POST",
    body: { version },
  });
  return queued.body.id as number;
};

describe("pipeline serve after kill -9 during a gitops change", () => {
  let serve: ServeProcess | undefined;
  afterEach(async () => {
    await serve?.stop();
    serve = undefined;
  });

  const cases: [string, Step][] = [];
  for (const action of ["promote", "rollback", "preview"])
    for (const step of ["before", "during", "after"] as const) cases.push([action, step]);

  it.each(cases)(
    "%s, killed %s the push, ends on the asked version once, with nothing left behind",
    async (action, step) => {
      const w = await world();
      serve = await w.start();
      if (action === "promote") await waitForRun(serve.url, await promote(serve, "1.0.0"), "final");
      if (action === "rollback")
        for (const version of ["1.0.0", "1.1.0", "1.2.0"])
          expect((await waitForRun(serve.url, await promote(serve, version), "final")).status).toBe(
            "succeeded",
          );
      const base = commits(w.gitops.bare);
      const seen = w.proxy.requests.length;
      if (step === "before")
        w.proxy.set({ method: "GET", path: /service=git-receive-pack/, fault: { kind: "stall" } });
      if (step === "during") hook(w.gitops.bare, "pre-receive", w.marks);
      if (step === "after") hook(w.gitops.bare, "post-receive", w.marks);

      let id: number;
      let pr = 0;
      if (action === "promote") id = await promote(serve, "1.1.0");
      else if (action === "rollback")
        id = (
          await api(serve.url, "/api/environments/staging/rollback", { role: "deployer", method: "POST" })
        ).body.id as number;
      else {
        pr = 7;
        const sha = git(w.app.dir, "rev-parse", "HEAD");
        git(w.app.dir, "update-ref", `refs/pull/${pr}/head`, sha);
        id = (await githubHook(serve.url, "pull_request", prPayload(pr, sha, false))).body.id as number;
      }
      await waitFor(
        `the ${step} point of the push`,
        async () =>
          step === "before"
            ? w.proxy.requests.slice(seen).some((r) => /service=git-receive-pack/.test(r))
            : existsSync(join(w.marks, step === "during" ? "pre-receive" : "post-receive")),
        60_000,
      );
      await serve.kill9();
      w.proxy.clear();
      writeFileSync(join(w.marks, "release"), "");
      // A push already under way lands now, while serve is down (it outlived serve).
      if (step !== "before")
        await waitFor("the orphaned push to land", async () => commits(w.gitops.bare) === base + 1, 60_000);

      serve = await w.start();
      let retry: Run | undefined;
      await waitFor("the retry", async () => {
        retry = ((await api(serve!.url, "/api/runs?limit=100")).body.runs as Run[]).find(
          (r) => r.retryOf === id,
        );
        return retry !== undefined;
      }).catch(async (error) => {
        const runs = (await api(serve!.url, "/api/runs?limit=100")).body.runs as Run[];
        throw new Error(
          `${error.message}: ${JSON.stringify(runs.map((r) => [r.id, r.status, r.retryOf]))}\n${serve?.output()}`,
        );
      });
      const done = await waitForRun(serve.url, retry!.id, "final");
      expect(done.status, JSON.stringify(done)).toBe("succeeded");

      // The version asked for, once.
      expect(commits(w.gitops.bare)).toBe(base + 1);
      const env = action === "preview" ? `preview-${pr}` : "staging";
      if (action === "promote") expect(currentVersion(w.gitops.bare, "staging")).toBe("1.1.0");
      if (action === "rollback") expect(currentVersion(w.gitops.bare, "staging")).toBe("1.1.0");
      if (action === "preview")
        expect(git(w.gitops.bare, "ls-tree", "-r", "--name-only", "main")).toContain(`shop-pr-${pr}.yaml`);
      const deployments = (await api(serve.url, `/api/deployments?env=${env}`)).body.deployments as {
        runId: number;
      }[];
      expect(deployments.filter((d) => d.runId === id || d.runId === retry!.id)).toHaveLength(1);

      // Nothing of the dead serve: no process, no temp dir.
      await waitFor(
        "the dead serve's processes to be gone",
        async () => leftovers([w.app.dir, w.tmp], serve!.child.pid).length === 0,
      ).catch(() => undefined);
      expect(leftovers([w.app.dir, w.tmp], serve.child.pid)).toEqual([]);
      expect(readdirSync(w.tmp)).toEqual([]);
      const own = String(serve.child.pid);
      for (const folder of ["tmp", "work"]) {
        const root = join(w.app.dir, ".pipeline", folder);
        expect(
          filesUnder(root).filter((n) => !n.startsWith(own)),
          folder,
        ).toEqual([]);
        expect(filesUnder(join(root, own)), folder).toEqual([]);
      }
      await serve.stop();
      serve = undefined;
      await w.proxy.close();
      await w.gitops.server.close();
    },
  );
});

describe("a second pipeline serve on the same SQLite file", () => {
  it("is refused with one line and exit 2, and the first keeps its runs", async () => {
    const w = await world();
    const first = await w.start();
    try {
      const port = await freePort();
      const second = spawnSync(
        process.execPath,
        [CLI_ENTRY, "serve", "--listen", `127.0.0.1:${port}`, "--workers", "1", "--repo-url", w.app.dir],
        {
          cwd: w.app.dir,
          encoding: "utf8",
          timeout: 60_000,
          env: { ...process.env, ...HELD, INIT_CWD: undefined },
        },
      );
      expect(second.status).toBe(2);
      expect(second.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(
          new RegExp(
            `^pipeline: another pipeline serve \\(pid ${first.child.pid}\\) already uses the database .*state\\.db.*: stop it first`,
          ),
        ),
      ]);
      const id = await promote(first, "1.0.0");
      expect((await waitForRun(first.url, id, "final")).status).toBe("succeeded");
      expect(first.output()).not.toMatch(/interrupted/);
    } finally {
      await first.stop();
      await w.proxy.close();
      await w.gitops.server.close();
    }
  });
});

describe("pipeline serve on PostgreSQL after another serve's kill -9", () => {
  it("takes the dead one's runs back at once (its lock is free), after stopping what it left running", async () => {
    const postgres = await startPostgres();
    const app = makeServeApp(appYaml({ stages: ["test"], sleep: 120 }));
    const args = ["--database", postgres.url, "--workers", "1", "--runner", "host", "--repo-url", app.dir];
    let first: ServeProcess | undefined;
    let second: ServeProcess | undefined;
    try {
      first = await startServe(app.dir, args);
      const sha = git(app.dir, "rev-parse", "HEAD");
      const id = (await githubHook(first.url, "push", pushPayload("refs/heads/main", sha))).body.id as number;
      const pid = first.child.pid!;
      const own = [`.pipeline/work/${pid}/`, `.pipeline/tmp/${pid}`].map((p) => join(app.dir, p));
      // The test stage's process (and its sleep) runs with its temp dir in the first serve's work dir.
      await waitFor("the test stage to run", async () => leftovers(own, undefined).length > 0, 60_000);
      await first.kill9();
      // Its heartbeat is fresh: only the free advisory lock says the first serve is gone.
      second = await startServe(app.dir, args);
      expect(second.output()).toMatch(new RegExp(`runs ${id} were interrupted`));
      expect(second.output()).toMatch(/stopped \d+ process\(es\) a stopped serve had left running/);
      expect(leftovers(own, undefined)).toEqual([]);
      const runs = (await api(second.url, "/api/runs?limit=10")).body.runs as Run[];
      const retry = runs.find((r) => r.retryOf === id)!;
      expect(retry.attempt).toBe(2);
      await api(second.url, `/api/runs/${retry.id}/cancel`, { role: "deployer", method: "POST" });
      await waitForRun(second.url, retry.id, "final");
    } finally {
      await second?.stop();
      await first?.kill9();
      postgres.stop();
    }
  });
});
