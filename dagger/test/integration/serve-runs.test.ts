import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git } from "../support/git.js";
import { makeApp, makeGitopsRemote } from "../support/gitops.js";
import {
  api,
  appYaml,
  githubHook,
  makeServeApp,
  pushPayload,
  type Run,
  SECRETS,
  type ServeProcess,
  startServe,
  waitForRun,
} from "../support/serve.js";
import { removeTempDirs } from "../support/temp.js";

/** Reads run `id`'s log as Server-Sent Events until the `end` event; returns the lines and the end status. */
async function sse(url: string, id: number): Promise<{ lines: string[]; end: string; events: number }> {
  const res = await fetch(`${url}/api/runs/${id}/logs`, {
    headers: { authorization: `Bearer ${SECRETS.viewer}`, accept: "text/event-stream" },
  });
  expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
  const text = await res.text();
  const events = text.split("\n\n").filter(Boolean);
  const lines = events
    .filter((e) => !e.includes("event: end"))
    .map((e) => JSON.parse(e.split("data: ")[1]!).line);
  const end = JSON.parse(events.find((e) => e.includes("event: end"))!.split("data: ")[1]!).status;
  return { lines, end, events: events.length };
}

describe("pipeline serve runs stages with the host runner", () => {
  let app: ReturnType<typeof makeServeApp>;
  let serve: ServeProcess;
  let gitops: string;
  beforeAll(async () => {
    const shop = makeApp("app: shop\nimage:\n  registry: r.example/acme\n");
    gitops = makeGitopsRemote([shop.config]);
    app = makeServeApp(appYaml({ gitops }));
    serve = await startServe(app.dir, ["--workers", "2", "--runner", "host", "--repo-url", app.dir]);
  });
  afterAll(async () => {
    await serve?.stop();
    removeTempDirs();
  });

  it("fetches the pushed commit, runs its plan's stages, records each with its duration, and streams the log", async () => {
    const sha = app.commit(appYaml({ gitops, stages: ["lint", "test"], sleep: 1 }));
    const queued = await githubHook(serve.url, "push", pushPayload("refs/heads/main", sha));
    expect(queued.status).toBe(202);
    const id = queued.body.id as number;
    await waitForRun(serve.url, id, "running");
    // Connected while it runs: the stream follows it to the end.
    const log = await sse(serve.url, id);
    const run = await waitForRun(serve.url, id, "final");
    expect(run.status, JSON.stringify(run)).toBe("succeeded");
    expect(run.stages.map((s) => [s.name, s.status])).toEqual([
      ["lint", "ok"],
      ["test", "ok"],
    ]);
    expect(run.stages.every((s) => (s.durationMs ?? 0) > 0)).toBe(true);
    expect(log.end).toBe("succeeded");
    expect(log.lines.some((l) => l.includes(`commit ${sha.slice(0, 12)}`))).toBe(true);
    expect(log.lines.some((l) => /^ok +lint/.test(l))).toBe(true);
    expect(log.lines.some((l) => /^ok +test/.test(l))).toBe(true);
    const metrics = await (await fetch(`${serve.url}/metrics`)).text();
    expect(metrics).toMatch(/pipeline_serve_stage_duration_seconds_count\{stage="lint"\} \d+/);
    expect(metrics).toMatch(/pipeline_serve_runs\{status="succeeded"\} [1-9]/);
  });

  it("cancels a running run, stopping its stage", async () => {
    const sha = app.commit(appYaml({ gitops, stages: ["test"], sleep: 60 }), "feat/cancel");
    const queued = await githubHook(serve.url, "push", pushPayload("refs/heads/feat/cancel", sha));
    const id = queued.body.id as number;
    await waitForRun(serve.url, id, "running");
    expect(
      (await api(serve.url, `/api/runs/${id}/cancel`, { role: "deployer", method: "POST" })).status,
    ).toBe(202);
    const run = await waitForRun(serve.url, id, "final", 30_000);
    expect(run.status).toBe("cancelled");
    expect(run.finishedAt! - run.startedAt!).toBeLessThan(30_000);
    expect(
      (await api(serve.url, `/api/runs/${id}/cancel`, { role: "deployer", method: "POST" })).status,
    ).toBe(409);
  });

  it("cancels the older run of a branch when a newer push arrives", async () => {
    const slow = app.commit(appYaml({ gitops, stages: ["test"], sleep: 60 }), "feat/newer");
    const first = await githubHook(serve.url, "push", pushPayload("refs/heads/feat/newer", slow));
    await waitForRun(serve.url, first.body.id as number, "running");
    const fast = app.commit(appYaml({ gitops, stages: ["lint"] }), "feat/newer");
    const second = await githubHook(serve.url, "push", pushPayload("refs/heads/feat/newer", fast));
    expect(second.body.cancelled).toEqual([first.body.id]);
    const older = await waitForRun(serve.url, first.body.id as number, "final", 30_000);
    const newer = await waitForRun(serve.url, second.body.id as number, "final");
    expect(older.status).toBe("cancelled");
    expect(newer.status).toBe("succeeded");
    // The newer one started only after the older one stopped: one run per branch at a time.
    expect(newer.startedAt!).toBeGreaterThanOrEqual(older.finishedAt!);
  });

  it("runs two promotions to one environment one after the other, each a deployment and a gitops commit", async () => {
    const before = Number(git(gitops, "rev-list", "--count", "main"));
    const a = await api(serve.url, "/api/environments/staging/promote", {
      role: "deployer",
      method: "POST",
      body: { version: "1.1.0" },
    });
    const b = await api(serve.url, "/api/environments/staging/promote", {
      role: "deployer",
      method: "POST",
      body: { version: "1.2.0" },
    });
    expect([a.status, b.status]).toEqual([202, 202]);
    const first = await waitForRun(serve.url, a.body.id as number, "final");
    const second = await waitForRun(serve.url, b.body.id as number, "final");
    expect([first.status, second.status]).toEqual(["succeeded", "succeeded"]);
    expect(second.startedAt!).toBeGreaterThanOrEqual(first.finishedAt!);
    expect(Number(git(gitops, "rev-list", "--count", "main"))).toBe(before + 2);
    const deployments = (await api(serve.url, "/api/deployments?env=staging", { role: "viewer" })).body
      .deployments as { version: string; action: string; gitCommit: string }[];
    expect(deployments.slice(0, 2).map((d) => [d.action, d.version])).toEqual([
      ["promote", "1.2.0"],
      ["promote", "1.1.0"],
    ]);
    const envs = (await api(serve.url, "/api/environments", { role: "viewer" })).body.environments as {
      name: string;
      current: { version: string } | null;
    }[];
    expect(envs.find((e) => e.name === "staging")?.current?.version).toBe("1.2.0");
  });

  it("lets a deployer roll back, refuses a viewer (403) and no token (401), and never logs a token", async () => {
    expect(
      (await api(serve.url, "/api/environments/staging/rollback", { role: "viewer", method: "POST" })).status,
    ).toBe(403);
    expect((await api(serve.url, "/api/runs", { role: null })).status).toBe(401);
    const rollback = await api(serve.url, "/api/environments/staging/rollback", {
      role: "deployer",
      method: "POST",
    });
    expect(rollback.status).toBe(202);
    const run = await waitForRun(serve.url, rollback.body.id as number, "final");
    expect(run.status).toBe("succeeded");
    const deployments = (await api(serve.url, "/api/deployments?env=staging")).body.deployments as {
      action: string;
      version: string;
    }[];
    expect(deployments[0]).toMatchObject({ action: "rollback", version: "1.1.0" });
    for (const secret of Object.values(SECRETS)) expect(serve.output()).not.toContain(secret);
  });

  it("serves its OpenAPI document and answers readiness", async () => {
    const doc = (await (await fetch(`${serve.url}/api/openapi.json`)).json()) as {
      openapi: string;
      paths: object;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/api/environments/{env}/rollback");
    expect((await fetch(`${serve.url}/readyz`)).status).toBe(200);
    const runs = (await api(serve.url, "/api/runs?limit=2&status=succeeded", { role: "viewer" })).body;
    expect((runs.runs as Run[]).length).toBe(2);
    expect(runs.next).toEqual((runs.runs as Run[])[1]!.id);
  });
});

describe("pipeline serve's tag, preview and timeout runs", () => {
  let app: ReturnType<typeof makeServeApp>;
  let serve: ServeProcess;
  let gitops: string;
  beforeAll(async () => {
    const shop = makeApp("app: shop\nimage:\n  registry: r.example/acme\n");
    gitops = makeGitopsRemote([shop.config]);
    // The server's own rules allow the preview (a commit's rules cannot add a credentialed stage).
    app = makeServeApp(appYaml({ gitops, stages: ["preview"] }));
    serve = await startServe(app.dir, [
      "--workers",
      "2",
      "--runner",
      "host",
      "--repo-url",
      app.dir,
      "--timeout",
      "3",
    ]);
  });
  afterAll(async () => {
    await serve?.stop();
  });
  const logOf = async (id: number) =>
    ((await api(serve.url, `/api/runs/${id}/logs`)).body.lines as { line: string }[]).map((l) => l.line);

  it("peels an annotated tag's push to its commit and tells annotated from lightweight tags", async () => {
    const sha = app.commit(appYaml({ gitops, stages: ["latest"] }));
    git(app.dir, "tag", "-a", "v1.0.0", "-m", "release 1.0.0", sha);
    git(app.dir, "tag", "v1.0.1", sha);
    const tagObject = git(app.dir, "rev-parse", "refs/tags/v1.0.0");
    expect(tagObject).not.toBe(sha);
    const annotated = await githubHook(serve.url, "push", pushPayload("refs/tags/v1.0.0", tagObject));
    const lightweight = await githubHook(serve.url, "push", pushPayload("refs/tags/v1.0.1", sha));
    for (const queued of [annotated, lightweight])
      expect((await waitForRun(serve.url, queued.body.id as number, "final")).status).toBe("succeeded");
    expect(await logOf(annotated.body.id as number)).toContain(
      `tag v1.0.0 is annotated, on commit ${sha.slice(0, 12)}`,
    );
    expect(await logOf(lightweight.body.id as number)).toContain(
      `tag v1.0.1 is lightweight, on commit ${sha.slice(0, 12)}`,
    );
    expect((await api(serve.url, `/api/runs/${annotated.body.id}`)).body.version).toBe("1.0.0");
  });

  it("opens a preview for a pull request and removes it when the pull request closes", async () => {
    const sha = app.commit(appYaml({ gitops, stages: ["preview"] }));
    git(app.dir, "update-ref", "refs/pull/7/head", sha);
    const opened = await githubHook(serve.url, "pull_request", {
      action: "opened",
      number: 7,
      // A branch of the repository itself: no approval needed (a fork's waits: serve-hostile.test.ts).
      pull_request: {
        head: { sha, repo: { full_name: "acme/shop" } },
        base: { repo: { full_name: "acme/shop" } },
      },
    });
    expect((await waitForRun(serve.url, opened.body.id as number, "final")).status).toBe("succeeded");
    const files = () => git(gitops, "ls-tree", "-r", "--name-only", "main");
    expect(files()).toMatch(/pr-7|preview-7/);
    const closed = await githubHook(serve.url, "pull_request", { action: "closed", number: 7 });
    expect((await waitForRun(serve.url, closed.body.id as number, "final")).status).toBe("succeeded");
    expect(files()).not.toMatch(/pr-7|preview-7/);
    const deployments = (await api(serve.url, "/api/deployments?env=preview-7")).body.deployments as {
      action: string;
    }[];
    expect(deployments.map((d) => d.action)).toEqual(["preview-down", "preview"]);
  });

  it("stops a run at --timeout and marks it timed out", async () => {
    const sha = app.commit(appYaml({ gitops, stages: ["test"], sleep: 60 }), "feat/slow");
    const queued = await githubHook(serve.url, "push", pushPayload("refs/heads/feat/slow", sha));
    const run = await waitForRun(serve.url, queued.body.id as number, "final", 30_000);
    expect(run.status).toBe("timed_out");
    expect(run.stages[0]).toMatchObject({ name: "test", status: "timed_out" });
  });
});

describe("pipeline serve with --runner dagger on a machine without the Dagger CLI", () => {
  it("runs each stage through `pipeline <stage> --runner dagger`, skipped for the missing tool, and fails the run", async () => {
    const app = makeServeApp(appYaml({ stages: ["lint"] }));
    const serve = await startServe(app.dir, ["--workers", "1", "--runner", "dagger", "--repo-url", app.dir]);
    try {
      const sha = git(app.dir, "rev-parse", "HEAD");
      const queued = await githubHook(serve.url, "push", pushPayload("refs/heads/main", sha));
      const run = await waitForRun(serve.url, queued.body.id as number, "final");
      // A stage that could not run makes the run fail, saying why, as the local loop's exit 3 does.
      expect(run.status).toBe("failed");
      expect(run.error).toBe("lint could not run here for lack of a tool (see the log)");
      expect(run.stages).toEqual([expect.objectContaining({ name: "lint", status: "skipped" })]);
      const lines = ((await api(serve.url, `/api/runs/${run.id}/logs`)).body.lines as { line: string }[]).map(
        (l) => l.line,
      );
      expect(lines.join("\n")).toMatch(/dagger/);
    } finally {
      await serve.stop();
    }
  });
});
