import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
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
import { removeTempDirs } from "../support/temp.js";

afterAll(removeTempDirs);

describe("pipeline serve after kill -9", () => {
  let serve: ServeProcess | undefined;
  afterAll(async () => {
    await serve?.stop();
  });

  it("completes queued runs, retries the interrupted one once, and keeps a sound database", async () => {
    const app = makeServeApp(appYaml());
    const args = ["--workers", "1", "--runner", "host", "--repo-url", app.dir];
    serve = await startServe(app.dir, args);
    const slow = app.commit(appYaml({ stages: ["test"], sleep: 4 }), "feat/slow");
    const running = await githubHook(serve.url, "push", pushPayload("refs/heads/feat/slow", slow));
    await waitForRun(serve.url, running.body.id as number, "running");
    const queued: number[] = [];
    for (const branch of ["feat/q1", "feat/q2", "feat/q3"]) {
      const sha = app.commit(appYaml({ stages: ["latest"] }), branch);
      queued.push(
        (await githubHook(serve.url, "push", pushPayload(`refs/heads/${branch}`, sha))).body.id as number,
      );
    }
    await serve.kill9();

    const db = new Database(join(app.dir, ".pipeline", "state.db"));
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();

    serve = await startServe(app.dir, ["--workers", "2", "--runner", "host", "--repo-url", app.dir]);
    expect(serve.output()).toMatch(new RegExp(`runs ${running.body.id} were interrupted`));
    for (const id of queued) expect((await waitForRun(serve.url, id, "final")).status).toBe("succeeded");
    const interrupted = (await api(serve.url, `/api/runs/${running.body.id}`)).body as unknown as Run;
    expect(interrupted.status).toBe("interrupted");
    const all = (await api(serve.url, "/api/runs?limit=100")).body.runs as Run[];
    const retries = all.filter((r) => r.retryOf === running.body.id);
    expect(retries).toHaveLength(1);
    expect(retries[0]!.attempt).toBe(2);

    // The retry is killed too: it is left interrupted, never tried a third time.
    await waitForRun(serve.url, retries[0]!.id, "running");
    await serve.kill9();
    serve = await startServe(app.dir, ["--workers", "1", "--runner", "host", "--repo-url", app.dir]);
    expect((await api(serve.url, `/api/runs/${retries[0]!.id}`)).body.status).toBe("interrupted");
    const after = (await api(serve.url, "/api/runs?limit=100")).body.runs as Run[];
    expect(after.filter((r) => r.retryOf === retries[0]!.id)).toEqual([]);
    expect(after.filter((r) => r.status === "queued" || r.status === "running")).toEqual([]);
    await serve.stop();
    const check = new Database(join(app.dir, ".pipeline", "state.db"), { readonly: true });
    expect(check.pragma("integrity_check", { simple: true })).toBe("ok");
    check.close();
    serve = undefined;
  });
});
