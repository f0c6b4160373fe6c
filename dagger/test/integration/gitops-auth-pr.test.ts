import { readdirSync, readFileSync, statSync } from "node:fs";
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
});
