/**
 * `pipeline serve` against hostile pull requests: the real server, a real git server and registry
 * on loopback, and commits written the way an attacker with a pull request would write them.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureLocalBase } from "../support/docker.js";
import { git } from "../support/git.js";
import { freePort } from "../support/ports.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import {
  api,
  githubHook,
  gitlabHook,
  makeServeApp,
  pushPayload,
  type Run,
  type ServeProcess,
  startServe,
  waitForRun,
} from "../support/serve.js";
import {
  ALL_SECRETS,
  filesWithSecrets,
  HELD,
  prPayload,
  servedGitops,
  trustYaml,
} from "../support/serve-trust.js";
import { removeTempDirs, tempDir } from "../support/temp.js";

afterAll(removeTempDirs);

/** An HTTP server that answers 401 asking for basic auth and records every request's headers. */
async function hostileServer(): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ""}`);
    res.writeHead(401, { "www-authenticate": 'Basic realm="x"' }).end();
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

const logOf = async (url: string, id: number) =>
  ((await api(url, `/api/runs/${id}/logs`)).body.lines as { line: string }[]).map((l) => l.line).join("\n");

describe("pipeline serve and a hostile pull request", () => {
  let gitops: Awaited<ReturnType<typeof servedGitops>>;
  let registry: TestRegistry;
  let hostile: Awaited<ReturnType<typeof hostileServer>>;
  let app: ReturnType<typeof makeServeApp>;
  let serve: ServeProcess;
  let server: string;
  let pr = 40;
  const commits = () => Number(git(gitops.bare, "rev-list", "--count", "main"));
  beforeAll(async () => {
    gitops = await servedGitops();
    registry = await startRegistry({
      auth: { username: HELD.REGISTRY_USERNAME, password: HELD.REGISTRY_PASSWORD },
    });
    hostile = await hostileServer();
    ensureLocalBase();
    // The server's own pipeline.yaml: pull requests may publish and preview, to these targets.
    server = trustYaml({
      gitops: gitops.url,
      registry: registry.host,
      base: "local/pipeline-base:1",
      stages: ["test", "publish", "preview"],
    });
    app = makeServeApp(server);
    serve = await startServe(app.dir, ["--workers", "2", "--runner", "host", "--repo-url", app.dir], HELD);
  });
  afterAll(async () => {
    await serve?.stop();
    await registry?.remove();
    await hostile?.close();
    await gitops?.server.close();
  });

  /** Commits `yaml` as pull request `n`'s head and sends its webhook. */
  const openPr = async (yaml: string, fork: boolean) => {
    const n = ++pr;
    const sha = app.commit(yaml);
    git(app.dir, "update-ref", `refs/pull/${n}/head`, sha);
    const queued = await githubHook(serve.url, "pull_request", prPayload(n, sha, fork));
    expect(queued.status).toBe(202);
    return { n, id: queued.body.id as number };
  };

  it.each([
    ["gitops.repo", ["preview"], /\(gitops\)/],
    ["image.registry", ["test", "publish"], /\(image\.registry, image\.registries\)/],
  ])(
    "refuses a commit that points %s at another host, before any credential is sent",
    async (key, stages, named) => {
      const before = commits();
      const { id } = await openPr(
        trustYaml({
          gitops: key === "gitops.repo" ? `${hostile.url}/x.git` : gitops.url,
          registry: key === "gitops.repo" ? registry.host : hostile.url.slice(7),
          base: "local/pipeline-base:1",
          stages,
        }),
        false,
      );
      const run = await waitForRun(serve.url, id, "final", 180_000);
      // Not a request reached the other host, let alone a credential.
      expect(hostile.seen).toEqual([]);
      expect(commits()).toBe(before);
      expect(run.status).toBe("failed");
      expect(run.error).toMatch(/changes what only the server's own pipeline\.yaml decides/);
      expect(run.error).toMatch(named);
      expect(run.stages).toEqual([]);
    },
  );

  it.each([
    ["an absolute path", (victim: string) => victim],
    [
      "a path relative to serve's folder",
      (victim: string) => join("..", victim.split("/").slice(-2).join("/")),
    ],
  ])(
    "refuses a commit whose gitops.repo is %s on the server's disk, which gets no commit",
    async (_what, path) => {
      const victim = join(tempDir("pipeline-victim-"), "victim.git");
      git(gitops.bare, "clone", "-q", "--bare", gitops.bare, victim);
      const before = Number(git(victim, "rev-list", "--count", "main"));
      const { id } = await openPr(
        trustYaml({
          gitops: path(victim),
          registry: registry.host,
          base: "local/pipeline-base:1",
          stages: ["preview"],
        }),
        false,
      );
      const run = await waitForRun(serve.url, id, "final");
      expect(Number(git(victim, "rev-list", "--count", "main"))).toBe(before);
      expect(run.status).toBe("failed");
      expect(run.error).toMatch(/\(gitops\)/);
    },
  );

  it("gives the repository's code no credential: its environment dump and every file it wrote hold none", async () => {
    const dump = tempDir("pipeline-dump-");
    const before = [
      `mkdir -p ${dump}`,
      `env > ${dump}/env.txt`,
      `cat /proc/$PPID/environ > ${dump}/parent-environ.txt`,
      `cp -r . ${dump}/checkout`,
      `ls -la "$TMPDIR" > ${dump}/tmpdir.txt`,
      `echo written > ${dump}/done`,
    ].join("; ");
    const sha = app.commit(
      trustYaml({
        gitops: gitops.url,
        registry: registry.host,
        base: "local/pipeline-base:1",
        stages: ["test"],
        before: `sh -c '${before}'`,
      }),
      "feat/dump",
    );
    const queued = await githubHook(serve.url, "push", pushPayload("refs/heads/feat/dump", sha));
    const run = await waitForRun(serve.url, queued.body.id as number, "final");
    expect(run.status, await logOf(serve.url, run.id)).toBe("succeeded");
    const dumped = readFileSync(join(dump, "env.txt"), "utf8");
    expect(dumped).not.toMatch(
      /GITOPS_TOKEN|GITHUB_TOKEN|REGISTRY_|PIPELINE_REPO_TOKEN|PIPELINE_API|ACME_DEPLOY/,
    );
    expect(filesWithSecrets(dump)).toEqual([]);
    // The dump is real: the allow-listed variables are there.
    expect(dumped).toMatch(/^PATH=/m);
    expect(dumped).toMatch(/^PIPELINE_SERVE_INSTANCE=/m);
    const log = await logOf(serve.url, run.id);
    for (const secret of ALL_SECRETS) expect(log).not.toContain(secret);
  });

  it("runs a fork's pull request without publish or preview until a deployer approves it, then publishes and previews", async () => {
    const before = commits();
    const { n, id } = await openPr(server, true);
    const waiting = await waitForRun(serve.url, id, "awaiting_approval");
    expect(waiting.stages.map((s) => [s.name, s.status, s.detail])).toEqual([
      ["test", "ok", null],
      ["publish", "skipped", "awaiting approval"],
      ["preview", "skipped", "awaiting approval"],
    ]);
    expect(registry.requests().filter((r) => r.startsWith("PUT"))).toEqual([]);
    expect(commits()).toBe(before);
    expect(waiting).toMatchObject({ fork: true, approvedBy: null });

    const viewer = await api(serve.url, `/api/runs/${id}/approve`, { role: "viewer", method: "POST" });
    expect(viewer.status).toBe(403);
    expect((await api(serve.url, `/api/runs/${id}`)).body.approvedAt).toBeNull();
    const approved = await api(serve.url, `/api/runs/${id}/approve`, { role: "deployer", method: "POST" });
    expect(approved.status).toBe(202);
    expect(approved.body.approvedBy).toMatch(/^deployer \(token [0-9a-f]{8}\)$/);
    expect(
      (await api(serve.url, `/api/runs/${id}/approve`, { role: "deployer", method: "POST" })).status,
    ).toBe(409);

    const done = (await waitForRun(serve.url, id, "final", 180_000)) as Run & { approvedAt: number };
    expect(done.status, await logOf(serve.url, id)).toBe("succeeded");
    expect(done.approvedAt).toBeGreaterThan(0);
    expect(done.stages.map((s) => [s.name, s.status])).toEqual([
      ["test", "ok"],
      ["publish", "ok"],
      ["preview", "ok"],
    ]);
    // Published with serve's registry credentials, by serve's own code.
    expect(registry.requests().some((r) => /^PUT \/v2\/shop-api\/manifests\//.test(r))).toBe(true);
    expect(git(gitops.bare, "ls-tree", "-r", "--name-only", "main")).toContain(`shop-pr-${n}.yaml`);
    expect(commits()).toBe(before + 1);
    // The gitops token went only to the gitops server.
    const basic = (t: string) => Buffer.from(`x-access-token:${t}`).toString("base64");
    expect(gitops.server.authorizations).toContain(`Basic ${basic(HELD.GITOPS_TOKEN)}`);
    expect(hostile.seen).toEqual([]);
  });

  it("holds a GitLab merge request from another project the same way, and a pull request without repositories too", async () => {
    const sha = app.commit(server);
    git(app.dir, "update-ref", "refs/merge-requests/9/head", sha);
    const mr = await gitlabHook(serve.url, {
      object_kind: "merge_request",
      object_attributes: {
        iid: 9,
        action: "open",
        last_commit: { id: sha },
        source_project_id: 77,
        target_project_id: 12,
      },
    });
    expect((await waitForRun(serve.url, mr.body.id as number, "awaiting_approval")).fork).toBe(true);
    git(app.dir, "update-ref", "refs/pull/99/head", sha);
    const bare = await githubHook(serve.url, "pull_request", {
      action: "opened",
      number: 99,
      pull_request: { head: { sha } },
    });
    expect((await waitForRun(serve.url, bare.body.id as number, "awaiting_approval")).fork).toBe(true);
    const notFork = await api(serve.url, "/api/runs/1/approve", { role: "deployer", method: "POST" });
    expect(notFork.status).toBe(409);
  });
});
