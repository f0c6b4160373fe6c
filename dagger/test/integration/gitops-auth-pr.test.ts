import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliAsync } from "../support/cli.js";
import { git } from "../support/git.js";
import { type GitHttpServer, startGitHttp } from "../support/git-http.js";
import { startGithubStandin } from "../support/github-standin.js";
import { makeApp, makeGitopsRemote } from "../support/gitops.js";
import { removeTempDirs, tempDir } from "../support/temp.js";

afterAll(removeTempDirs);

const TOKEN = "gho_TestToken_1234567890abcdef";

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe("gitops credentials over real git HTTP", () => {
  let server: GitHttpServer;
  let app: ReturnType<typeof makeApp>;
  let remote: string;
  beforeAll(async () => {
    app = makeApp("app: shop\n");
    remote = makeGitopsRemote([app.config]);
    server = await startGitHttp(join(remote, ".."), TOKEN);
  });
  afterAll(async () => server?.close());

  // The git HTTP server runs in this process, so the CLI must run without blocking it.
  it("pushes with the token from the environment, and the token appears nowhere", async () => {
    const scratch = tempDir();
    const result = await runCliAsync(
      [
        "promote",
        "--repo",
        `${server.url}/gitops.git`,
        "--env",
        "staging",
        "--image-tag",
        "1.0.0",
        "--chart-version",
        "1.0.0",
      ],
      {
        cwd: app.dir,
        env: { GITOPS_TOKEN: TOKEN, TMPDIR: scratch, PIPELINE_KEEP_WORKTREE: "1" },
      },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(
      server.authorizations.some((a) => Buffer.from(a.slice(6), "base64").toString().endsWith(`:${TOKEN}`)),
    ).toBe(true);
    expect(result.stdout).not.toContain(TOKEN);
    expect(git(remote, "log", "--format=%B", "main")).not.toContain(TOKEN);
    const kept = filesUnder(scratch);
    expect(kept.some((f) => f.endsWith(join(".git", "config")))).toBe(true);
    for (const file of kept) expect(readFileSync(file).includes(TOKEN), file).toBe(false);
  });

  it("fails with one line, without the token, when the token is wrong", async () => {
    const result = await runCliAsync(
      [
        "promote",
        "--repo",
        `${server.url}/gitops.git`,
        "--env",
        "staging",
        "--image-tag",
        "2.0.0",
        "--chart-version",
        "2.0.0",
      ],
      {
        cwd: app.dir,
        env: { GITOPS_TOKEN: "wrong-token-value" },
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/git clone failed/);
    expect(result.stderr).not.toContain("wrong-token-value");
  });
});

describe("the gitops token stays on its host (scheme, host and port)", () => {
  let home: GitHttpServer;
  let other: GitHttpServer;
  let app: ReturnType<typeof makeApp>;
  let remote: string;
  let root: string;
  const promote = (repo: string, version: string) =>
    runCliAsync(
      ["promote", "--repo", repo, "--env", "staging", "--image-tag", version, "--chart-version", version],
      { cwd: app.dir, env: { GITOPS_TOKEN: TOKEN } },
    );
  const sentToken = (server: GitHttpServer) =>
    server.authorizations.filter((a) => a && Buffer.from(a.slice(6), "base64").toString().includes(TOKEN));

  beforeAll(async () => {
    app = makeApp("app: shop\n");
    remote = makeGitopsRemote([app.config]);
    root = join(remote, "..");
    git(root, "clone", "-q", "--bare", remote, "pushaway.git");
    // Another server that would take the token: it must never see it.
    const elsewhere = makeGitopsRemote([app.config]);
    other = await startGitHttp(join(elsewhere, ".."), TOKEN);
    const otherPort = new URL(other.url).port;
    home = await startGitHttp(root, TOKEN, {
      redirect: (path) => {
        const [repo, rest] = [path.split("/")[1], path.split("/").slice(2).join("/")];
        if (repo === "moved.git") return `${home.url}/gitops.git/${rest}`;
        if (repo === "away-host.git") return `http://localhost:${otherPort}/gitops.git/${rest}`;
        if (repo === "away-port.git") return `http://127.0.0.1:${otherPort}/gitops.git/${rest}`;
        if (repo === "pushaway.git" && rest.endsWith("service=git-receive-pack"))
          return `http://127.0.0.1:${otherPort}/gitops.git/${rest}`;
        return undefined;
      },
    });
  });
  afterAll(async () => {
    await home?.close();
    await other?.close();
  });

  it("follows a redirect on its own host, with the token", async () => {
    const result = await promote(`${home.url}/moved.git`, "1.0.0");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(git(remote, "show", "main:environments/staging/values.yaml")).toContain('tag: "1.0.0"');
  });

  for (const [name, repo] of [
    ["another host", "away-host.git"],
    ["another port of the same address", "away-port.git"],
  ] as const) {
    it(`sends no token when the remote redirects the clone to ${name}`, async () => {
      const before = git(remote, "rev-parse", "main");
      const result = await promote(`${home.url}/${repo}`, "2.0.0");
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(
        /git clone failed.*the token is only ever sent to http:\/\/127\.0\.0\.1:/,
      );
      expect(result.stdout + result.stderr).not.toContain(TOKEN);
      expect(other.authorizations.length).toBeGreaterThan(0);
      expect(sentToken(other)).toEqual([]);
      expect(git(remote, "rev-parse", "main")).toBe(before);
    });
  }

  it("sends no token when only the push is redirected to another port", async () => {
    const before = git(join(root, "pushaway.git"), "rev-parse", "main");
    const seen = other.authorizations.length;
    const result = await promote(`${home.url}/pushaway.git`, "3.0.0");
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(other.authorizations.length).toBeGreaterThan(seen);
    expect(sentToken(other)).toEqual([]);
    expect(git(join(root, "pushaway.git"), "rev-parse", "main")).toBe(before);
  });
});

describe("promotion by pull request", () => {
  it("pushes the promotion branch and asks GitHub for one pull request naming app, env and version", async () => {
    const github = await startGithubStandin();
    try {
      const app = makeApp(
        "app: shop\nenvironments:\n  staging: {}\n  uat: {}\n  prod:\n    pullRequest: true\n",
      );
      const remote = makeGitopsRemote([app.config]);
      const before = git(remote, "rev-parse", "main");
      const result = await runCliAsync(
        [
          "promote",
          "--repo",
          remote,
          "--env",
          "prod",
          "--image-tag",
          "1.2.3",
          "--chart-version",
          "1.2.3",
          "--json",
        ],
        {
          cwd: app.dir,
          env: {
            GITHUB_API_URL: github.url,
            GITHUB_TOKEN: "gh-token-for-test",
            GITOPS_GITHUB_REPOSITORY: "acme/gitops-config",
          },
        },
      );
      expect(result.stderr).toBe("");
      expect(JSON.parse(result.stdout).pullRequest).toEqual({
        number: 1,
        url: "https://github.example/acme/gitops-config/pull/1",
        branch: "promote/prod/shop-1.2.3",
      });
      expect(git(remote, "rev-parse", "main")).toBe(before);
      expect(git(remote, "show", "promote/prod/shop-1.2.3:environments/prod/values.yaml")).toContain(
        'tag: "1.2.3"',
      );
      const pulls = github.requests.filter((r) => r.method === "POST");
      expect(pulls).toHaveLength(1);
      expect(pulls[0]).toMatchObject({
        path: "/repos/acme/gitops-config/pulls",
        authorization: "token gh-token-for-test",
      });
      expect(pulls[0]!.body).toMatchObject({
        head: "promote/prod/shop-1.2.3",
        base: "main",
        title: "promote(prod): shop 1.2.3",
      });
      expect(String(pulls[0]!.body!.body)).toMatch(/\*\*shop\*\*.*\*\*1\.2\.3\*\*.*\*\*prod\*\*/);
    } finally {
      await github.close();
    }
  });

  it("refuses a GitHub API that redirects to another host: neither the token nor the pull request goes there", async () => {
    const github = await startGithubStandin();
    // GITHUB_API_URL answers every request with a 307 to another host (the stand-in, which would take it).
    const redirector = createServer((req, res) =>
      res.writeHead(307, { location: `${github.url}${req.url}` }).end(),
    );
    await new Promise<void>((r) => redirector.listen(0, "127.0.0.1", r));
    try {
      const app = makeApp(
        "app: shop\nenvironments:\n  staging: {}\n  uat: {}\n  prod:\n    pullRequest: true\n",
      );
      const remote = makeGitopsRemote([app.config]);
      const result = await runCliAsync(
        ["promote", "--repo", remote, "--env", "prod", "--image-tag", "1.2.4", "--chart-version", "1.2.4"],
        {
          cwd: app.dir,
          env: {
            GITHUB_API_URL: `http://localhost:${(redirector.address() as { port: number }).port}`,
            GITHUB_TOKEN: "gh-token-for-test",
            GITOPS_GITHUB_REPOSITORY: "acme/gitops-config",
          },
        },
      );
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(/redirected a request to another host \(127\.0\.0\.1:\d+\); refused/);
      expect(result.stderr).not.toContain("gh-token-for-test");
      expect(github.requests).toEqual([]);
    } finally {
      await new Promise((r) => redirector.close(r));
      await github.close();
    }
  });
});
