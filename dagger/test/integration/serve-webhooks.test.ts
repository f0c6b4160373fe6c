import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { git } from "../support/git.js";
import {
  api,
  appYaml,
  githubHook,
  gitlabHook,
  makeServeApp,
  pushPayload,
  type Run,
  SECRETS,
  type ServeProcess,
  startServe,
} from "../support/serve.js";
import { removeTempDirs } from "../support/temp.js";

describe("pipeline serve's webhooks (no workers: runs stay queued)", () => {
  let app: ReturnType<typeof makeServeApp>;
  let serve: ServeProcess;
  let sha: string;
  beforeAll(async () => {
    app = makeServeApp(appYaml());
    sha = git(app.dir, "rev-parse", "HEAD");
    serve = await startServe(app.dir, ["--workers", "0", "--repo-url", app.dir]);
  });
  afterAll(async () => {
    await serve?.stop();
    removeTempDirs();
  });
  const runs = async () => (await api(serve.url, "/api/runs?limit=500")).body.runs as Run[];

  it("queues a run for a signed GitHub push to a branch a rule matches, stored before the 202", async () => {
    const answer = await githubHook(serve.url, "push", pushPayload("refs/heads/main", sha));
    expect(answer.status).toBe(202);
    const run = (await api(serve.url, `/api/runs/${answer.body.id}`)).body;
    expect(run).toMatchObject({
      kind: "build",
      source: "github",
      ref: "refs/heads/main",
      sha,
      status: "queued",
    });
  });

  it("queues tag pushes and pull requests, and a closed pull request as a preview cleanup", async () => {
    const tag = await githubHook(serve.url, "push", pushPayload("refs/tags/v1.0.0", sha));
    expect(tag.status).toBe(202);
    const pr = await githubHook(serve.url, "pull_request", {
      action: "opened",
      number: 12,
      pull_request: { head: { sha } },
    });
    expect(pr.status).toBe(202);
    const closed = await githubHook(serve.url, "pull_request", { action: "closed", number: 12 });
    expect(closed.status).toBe(202);
    const all = await runs();
    expect(all.find((r) => r.id === tag.body.id)).toMatchObject({ ref: "refs/tags/v1.0.0", kind: "build" });
    expect(all.find((r) => r.id === pr.body.id)).toMatchObject({ ref: "refs/pull/12/merge", pr: 12 });
    // The cleanup supersedes the pull request's queued build.
    expect(all.find((r) => r.id === pr.body.id)?.status).toBe("cancelled");
    expect(all.find((r) => r.id === closed.body.id)).toMatchObject({
      kind: "cleanup",
      pr: 12,
      status: "queued",
    });
  });

  it("answers 200 ignored with the reason when no rule matches", async () => {
    const answer = await githubHook(serve.url, "push", pushPayload("refs/heads/docs", sha));
    expect(answer).toEqual({
      status: 200,
      body: { ignored: true, reason: "no rule in pipeline.yaml matches branch refs/heads/docs" },
    });
  });

  it("queues signed GitLab pushes and merge requests, and refuses a wrong token", async () => {
    const push = await gitlabHook(serve.url, {
      object_kind: "push",
      ref: "refs/heads/feat/x",
      checkout_sha: sha,
    });
    expect(push.status).toBe(202);
    const mr = await gitlabHook(serve.url, {
      object_kind: "merge_request",
      object_attributes: { iid: 5, action: "open", last_commit: { id: sha } },
    });
    expect(mr.status).toBe(202);
    expect((await api(serve.url, `/api/runs/${mr.body.id}`)).body).toMatchObject({
      pr: 5,
      ref: "refs/pull/5/merge",
    });
    expect((await gitlabHook(serve.url, { object_kind: "push" }, { token: "wrong" })).status).toBe(401);
  });

  it("refuses a bad or missing signature with 401 and stores nothing", async () => {
    const before = (await runs()).length;
    expect(
      (await githubHook(serve.url, "push", pushPayload("refs/heads/main", sha), { secret: "wrong" })).status,
    ).toBe(401);
    const unsigned = await fetch(`${serve.url}/hooks/github`, {
      method: "POST",
      headers: { "x-github-event": "push", "x-github-delivery": "x" },
      body: JSON.stringify(pushPayload("refs/heads/main", sha)),
    });
    expect(unsigned.status).toBe(401);
    expect((await runs()).length).toBe(before);
  });

  it("ignores a replayed delivery", async () => {
    const first = await githubHook(serve.url, "push", pushPayload("refs/heads/feat/a", sha), {
      delivery: "d-1",
    });
    const replay = await githubHook(serve.url, "push", pushPayload("refs/heads/feat/a", sha), {
      delivery: "d-1",
    });
    expect(first.status).toBe(202);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ ignored: true, id: first.body.id });
    expect((await runs()).filter((r) => r.ref === "refs/heads/feat/a")).toHaveLength(1);
  });

  it("answers 413 past 1 MiB and 400 for malformed JSON", async () => {
    const big = JSON.stringify({ ref: "refs/heads/main", after: sha, pad: "x".repeat(1024 * 1024) });
    expect((await githubHook(serve.url, "push", null, { raw: big })).status).toBe(413);
    expect((await githubHook(serve.url, "push", null, { raw: "{not json" })).status).toBe(400);
    // The server still answers after both.
    expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
  });

  it("queues a manual run for a ref at its current commit for a deployer, not for a viewer", async () => {
    expect(
      (
        await api(serve.url, "/api/runs", {
          role: "viewer",
          method: "POST",
          body: { ref: "refs/heads/main" },
        })
      ).status,
    ).toBe(403);
    const manual = await api(serve.url, "/api/runs", {
      role: "deployer",
      method: "POST",
      body: { ref: "refs/heads/main" },
    });
    expect(manual.status).toBe(202);
    expect((await api(serve.url, `/api/runs/${manual.body.id}`)).body).toMatchObject({
      source: "api",
      sha,
      ref: "refs/heads/main",
    });
    const unknown = await api(serve.url, "/api/runs", {
      role: "deployer",
      method: "POST",
      body: { ref: "refs/heads/nope" },
    });
    expect(unknown.status).toBe(404);
  });

  it("keeps its state in .pipeline/state.db, which passes SQLite's integrity check", () => {
    const db = join(app.dir, ".pipeline", "state.db");
    expect(existsSync(db)).toBe(true);
    expect(serve.output()).not.toContain(SECRETS.github);
    const handle = new Database(db, { readonly: true });
    expect(handle.pragma("integrity_check", { simple: true })).toBe("ok");
    handle.close();
  });
});

describe("pipeline serve's flags and secrets", () => {
  const app = () => makeServeApp(appYaml()).dir;
  it.each([
    [["--listen", "8080"], /--listen "8080" is not host:port/],
    [["--runner", "kind"], /--runner "kind" must be host or dagger/],
    [["--workers", "many"], /--workers "many" is not a number/],
    [["--database", "mysql://db/x"], /--database must be postgres:\/\/… or a SQLite file path/],
  ])("refuses %j with exit 2", (args, message) => {
    const result = runCli(["serve", ...args], { cwd: app() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it("refuses a malformed token list without showing any token", () => {
    const result = runCli(["serve", "--workers", "0"], {
      cwd: app(),
      env: { PIPELINE_API_TOKENS: "viewer:aaaaaaaaaaaaaaaaaaaa,root:secret-value-0123456789" },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/PIPELINE_API_TOKENS: entry 2 is not role:token/);
    expect(result.stderr).not.toMatch(/secret-value|aaaaaaaa/);
  });

  it("has no flag that takes a secret", () => {
    const help = runCli(["serve", "--help"]).stdout;
    expect(help).toMatch(/--repo-url/);
    expect(help).not.toMatch(/--(secret|token|github-secret|gitlab-token)\b/);
  });
});
