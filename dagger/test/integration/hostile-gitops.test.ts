/**
 * Hostile input and faults against the gitops commands, through the real CLI and real git: URLs
 * with credentials, paths that leave the clone, forged trailers, invalid tags and versions,
 * downgrades and races, remotes that reject or never answer. Every case ends in exit 0, 1 or 2
 * with one line on stderr, no stack trace, no secret anywhere, nothing written outside its root,
 * and no temp dir left in its private TMPDIR.
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { processArgvs, startCli } from "../support/cli-process.js";
import { git } from "../support/git.js";
import { startGitHttp } from "../support/git-http.js";
import { makeApp, makeGitopsRemote } from "../support/gitops.js";
import { removeTempDirs, tempDir } from "../support/temp.js";

afterAll(removeTempDirs);

const SECRET = "s3cret-Qx7-hostile";
const BASE_ENV = {
  GITOPS_TOKEN: undefined,
  GITHUB_TOKEN: undefined,
  GITHUB_SHA: undefined,
  CI_COMMIT_SHA: undefined,
  GITHUB_ACTIONS: undefined,
  GITHUB_SERVER_URL: undefined,
  GITHUB_REPOSITORY: undefined,
  GITHUB_RUN_ID: undefined,
  CI_PIPELINE_URL: undefined,
  PIPELINE_GIT_TIMEOUT: undefined,
  PIPELINE_KEEP_WORKTREE: undefined,
};

type Run = { code: number; stdout: string; stderr: string; ms: number; tmp: string };

/** Runs the CLI with a private TMPDIR, so anything it leaves behind is visible. */
async function run(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined>; deadlineMs?: number },
): Promise<Run> {
  const tmp = tempDir("hostile-tmp-");
  const r = await startCli(args, {
    cwd: options.cwd,
    env: { ...BASE_ENV, TMPDIR: tmp, ...options.env },
    deadlineMs: options.deadlineMs,
  }).result;
  return { ...r, tmp };
}

/** What the pipeline may leave in TMPDIR: nothing of its own. */
const leftovers = (tmp: string) => readdirSync(tmp).filter((n) => n.startsWith("pipeline-"));

/** The rules every case keeps. */
function expectContained(r: Run, code: number, message?: RegExp, secrets: string[] = [SECRET]): void {
  expect(r.code, r.stderr).toBe(code);
  if (code === 0) expect(r.stderr).toBe("");
  else {
    expect(r.stderr.trimEnd().split("\n"), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(/^pipeline: /);
    if (message) expect(r.stderr).toMatch(message);
  }
  expect(r.stderr).not.toMatch(/\n\s+at |unexpected error/);
  for (const secret of secrets) expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
  expect(leftovers(r.tmp)).toEqual([]);
}

/** A snapshot of every file under `dir` with its content, to prove nothing changed there. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, name.name);
      if (name.isDirectory()) walk(full);
      else out[full] = readFileSync(full, "utf8");
    }
  };
  walk(dir);
  return out;
}

const refs = (remote: string) => git(remote, "for-each-ref", "--format=%(refname) %(objectname)");
const show = (remote: string, path: string) => git(remote, "show", `main:${path}`);

/** Installs a pre-receive hook (shell text) in a bare repo. */
function hook(remote: string, script: string): void {
  const file = join(remote, "hooks", "pre-receive");
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
}

/** Commits `change` to the remote's main from a throwaway clone (to plant hostile content). */
function plant(remote: string, change: (work: string) => void): void {
  const work = tempDir("hostile-plant-");
  git(work, "clone", "-q", remote, ".");
  change(work);
  git(work, "add", "-A");
  git(work, "commit", "-q", "-m", "plant");
  git(work, "push", "-q", "origin", "main");
}

const promoteArgs = (remote: string, tag: string, chart: string, ...extra: string[]) => [
  "promote",
  "--repo",
  remote,
  "--env",
  "staging",
  "--image-tag",
  tag,
  "--chart-version",
  chart,
  ...extra,
];

describe("credentials in the gitops URL are refused before git starts, and never echoed", () => {
  let app: ReturnType<typeof makeApp>;
  beforeAll(() => {
    app = makeApp("app: shop\n");
  });
  const url = `https://bot:${SECRET}@127.0.0.1:9/gitops.git`;
  it.each([
    ["promote", promoteArgs(url, "1.0.0", "1.0.0")],
    ["history", ["history", "--repo", url, "--env", "staging"]],
    ["rollback", ["rollback", "--repo", url, "--env", "staging"]],
    ["unfreeze", ["unfreeze", "--repo", url, "--env", "staging"]],
    [
      "preview up",
      ["preview", "up", "--repo", url, "--pr", "1", "--image-tag", "pr-1", "--chart-version", "0.0.0-pr-1"],
    ],
    ["preview down", ["preview", "down", "--repo", url, "--pr", "1"]],
    ["preview sweep", ["preview", "sweep", "--repo", url, "--max-age", "7d"]],
    ["promote, token as the user name", promoteArgs(`https://${SECRET}@127.0.0.1:9/x.git`, "1.0.0", "1.0.0")],
    ["promote, password on ssh", promoteArgs(`ssh://git:${SECRET}@127.0.0.1:9/x.git`, "1.0.0", "1.0.0")],
    [
      "promote, password in an scp-like remote",
      promoteArgs(`bot:${SECRET}@127.0.0.1:x.git`, "1.0.0", "1.0.0"),
    ],
    ["promote, token in git://", promoteArgs(`git://${SECRET}@127.0.0.1:9/x.git`, "1.0.0", "1.0.0")],
  ])("%s: exit 2", async (_name, args) => {
    const r = await run(args, { cwd: app.dir });
    expectContained(r, 2, /credentials|password/);
  });

  it.each([
    ["promote", ["promote", "--env", "staging", "--image-tag", "1.0.0", "--chart-version", "1.0.0"]],
    ["history", ["history", "--env", "staging"]],
  ])("%s with credentials in gitops.repo: exit 2", async (_name, args) => {
    const dir = makeApp("app: shop\n").dir;
    writeFileSync(join(dir, "pipeline.yaml"), `app: shop\ngitops:\n  repo: ${url}\n`);
    const r = await run(args, { cwd: dir });
    expectContained(r, 2, /credentials/);
  });

  it("gitops init with credentials in gitops.repo writes nothing with them", async () => {
    const dir = makeApp("app: shop\n").dir;
    writeFileSync(join(dir, "pipeline.yaml"), `app: shop\ngitops:\n  repo: ${url}\n`);
    const target = join(tempDir("hostile-init-"), "gitops");
    const r = await run(["gitops", "init", target], { cwd: dir });
    expect([0, 2]).toContain(r.code);
    expectContained(r, r.code, /credentials/);
    if (existsSync(target))
      for (const text of Object.values(snapshot(target))) expect(text).not.toContain(SECRET);
  });

  it("no git child ever carries the token in its argv, and nothing it leaves does", async () => {
    const app2 = makeApp("app: shop\n");
    const remote = makeGitopsRemote([app2.config]);
    const server = await startGitHttp(join(remote, ".."), SECRET);
    try {
      const tmp = tempDir("hostile-tmp-");
      const cli = startCli(promoteArgs(`${server.url}/gitops.git`, "1.0.0", "1.0.0"), {
        cwd: app2.dir,
        env: { ...BASE_ENV, TMPDIR: tmp, GITOPS_TOKEN: SECRET },
      });
      const seen = new Set<string>();
      const watch = setInterval(() => {
        for (const p of processArgvs())
          if (p.argv.includes(server.url) || p.argv.startsWith("git")) seen.add(p.argv);
      }, 5);
      const r = await cli.result;
      clearInterval(watch);
      expectContained({ ...r, tmp }, 0);
      expect([...seen].some((a) => a.includes("clone"))).toBe(true);
      for (const argv of seen) expect(argv).not.toContain(SECRET);
      expect(git(remote, "log", "--format=%B", "main")).not.toContain(SECRET);
    } finally {
      await server.close();
    }
  });

  it("GIT_* variables from the caller can't redirect the commit, change its author or trace the token", async () => {
    const app2 = makeApp("app: shop\n");
    const remote = makeGitopsRemote([app2.config]);
    const server = await startGitHttp(join(remote, ".."), SECRET);
    // As inside a git hook of another repo, with tracing on and a forged author.
    const victim = tempDir("hostile-victim-repo-");
    git(victim, "init", "-q", "-b", "main");
    try {
      const r = await run(promoteArgs(`${server.url}/gitops.git`, "1.0.0", "1.0.0"), {
        cwd: app2.dir,
        env: {
          GITOPS_TOKEN: SECRET,
          GIT_DIR: join(victim, ".git"),
          GIT_WORK_TREE: victim,
          GIT_TRACE: "1",
          GIT_TRACE_CURL: "1",
          GIT_TRACE_REDACT: "0",
          GIT_CURL_VERBOSE: "1",
          GIT_AUTHOR_NAME: "Mallory",
          GIT_COMMITTER_NAME: "Mallory",
          GIT_CONFIG_COUNT: "1",
          GIT_CONFIG_KEY_0: "credential.helper",
          GIT_CONFIG_VALUE_0: `store --file=${join(victim, "stolen")}`,
        },
      });
      expectContained(r, 0);
      expect(git(remote, "log", "-1", "--format=%an|%cn", "main")).toBe("pipeline-bot|pipeline-bot");
      expect(readdirSync(victim)).toEqual([".git"]);
      expect(() => git(victim, "rev-parse", "HEAD")).toThrow();
    } finally {
      await server.close();
    }
  });

  it("a wrong token fails in one line without the token and leaves no temp dir", async () => {
    const app2 = makeApp("app: shop\n");
    const remote = makeGitopsRemote([app2.config]);
    const server = await startGitHttp(join(remote, ".."), SECRET);
    try {
      const r = await run(promoteArgs(`${server.url}/gitops.git`, "1.0.0", "1.0.0"), {
        cwd: app2.dir,
        env: { GITOPS_TOKEN: "wrong-token-Zz9" },
      });
      expectContained(r, 1, /git clone failed \(exit 128\)/, [SECRET, "wrong-token-Zz9"]);
    } finally {
      await server.close();
    }
  });

  it("git dying without stderr is reported by subcommand and exit code, never by its command line", async () => {
    // A git that dies silently on clone (as when the OOM killer takes it), the real git otherwise.
    const real = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
    const bin = tempDir("hostile-bin-");
    writeFileSync(
      join(bin, "git"),
      `#!/bin/sh\nfor a in "$@"; do [ "$a" = clone ] && exit 128; done\nexec ${real} "$@"\n`,
    );
    chmodSync(join(bin, "git"), 0o755);
    const app2 = makeApp("app: shop\n");
    const remote = makeGitopsRemote([app2.config]);
    const r = await run(promoteArgs(remote, "1.0.0", "1.0.0"), {
      cwd: app2.dir,
      env: { PATH: `${bin}:${process.env.PATH}`, GITOPS_TOKEN: SECRET },
    });
    expectContained(r, 1, /^pipeline: git clone failed \(exit 128\)\n$/);
    expect(r.stderr).not.toMatch(/--depth|--branch|credential|file:\/\//);
  });
});

describe("paths never leave the clone or the new repo", () => {
  it.each([
    ["gitops.path: ..", "gitops:\n  path: ..\n"],
    ["gitops.path: ../escape", "gitops:\n  path: ../escape\n"],
    ["gitops.path: /tmp", "gitops:\n  path: /tmp\n"],
    ["gitops.path: a/../../b", "gitops:\n  path: a/../../b\n"],
  ])("promote with %s: exit 2, nothing outside the clone changes", async (_name, extra) => {
    const app = makeApp("app: shop\n");
    const remote = makeGitopsRemote([app.config]);
    writeFileSync(join(app.dir, "pipeline.yaml"), `app: shop\n${extra}`);
    const before = refs(remote);
    const outside = snapshot(join(remote, ".."));
    const r = await run(promoteArgs(remote, "1.0.0", "1.0.0"), { cwd: app.dir });
    expectContained(r, 2, /gitops\.path|\.\./);
    expect(refs(remote)).toBe(before);
    expect(snapshot(join(remote, ".."))).toEqual(outside);
  });

  it.each([
    ["gitops.path: ../escape", "gitops:\n  path: ../escape\n"],
    ["preview.valuesFile: ../../outside.yaml", "preview:\n  valuesFile: ../../outside.yaml\n"],
    ["preview.valuesFile: /etc/outside.yaml", "preview:\n  valuesFile: /etc/outside.yaml\n"],
  ])("gitops init with %s: exit 2 and nothing written anywhere", async (_name, extra) => {
    const app = makeApp("app: shop\n");
    writeFileSync(join(app.dir, "pipeline.yaml"), `app: shop\n${extra}`);
    const parent = tempDir("hostile-init-");
    const target = join(parent, "deep", "gitops");
    const r = await run(["gitops", "init", target], { cwd: app.dir });
    expectContained(r, 2, /\.\.|relative|outside|absolute/);
    expect(readdirSync(parent).filter((n) => n !== "deep")).toEqual([]);
    expect(existsSync(join(parent, "outside.yaml"))).toBe(false);
    expect(existsSync(join(parent, "escape"))).toBe(false);
  });

  describe("symlinks committed to the gitops repo", () => {
    let app: ReturnType<typeof makeApp>;
    let remote: string;
    let victim: string;
    beforeEach(() => {
      app = makeApp("app: shop\n");
      remote = makeGitopsRemote([app.config]);
      victim = tempDir("hostile-victim-");
      writeFileSync(join(victim, "values.yaml"), "images:\n  api:\n    tag: keep\n");
      mkdirSync(join(victim, "preview"));
      writeFileSync(join(victim, "preview", "shop-pr-7.yaml"), "keep me\n");
    });

    it.each([
      [
        "values.yaml -> a file outside",
        (w: string, v: string) => {
          const f = join(w, "environments/staging/values.yaml");
          git(w, "rm", "-q", f);
          mkdirSync(dirname(f), { recursive: true });
          symlinkSync(join(v, "values.yaml"), f);
        },
        (r: string) => promoteArgs(r, "1.0.0", "1.0.0"),
      ],
      [
        "environments/staging -> a dir outside",
        (w: string, v: string) => {
          git(w, "rm", "-rq", "environments/staging");
          symlinkSync(v, join(w, "environments/staging"));
        },
        (r: string) => promoteArgs(r, "1.0.0", "1.0.0"),
      ],
      [
        "apps/preview -> a dir outside (preview up)",
        (w: string, v: string) => symlinkSync(join(v, "preview"), join(w, "apps/preview")),
        (r: string) => [
          "preview",
          "up",
          "--repo",
          r,
          "--pr",
          "8",
          "--image-tag",
          "pr-8",
          "--chart-version",
          "0.0.0-pr-8",
        ],
      ],
      [
        "apps/preview -> a dir outside (preview down)",
        (w: string, v: string) => symlinkSync(join(v, "preview"), join(w, "apps/preview")),
        (r: string) => ["preview", "down", "--repo", r, "--pr", "7"],
      ],
      [
        "apps/preview -> a dir outside (preview sweep)",
        (w: string, v: string) => symlinkSync(join(v, "preview"), join(w, "apps/preview")),
        (r: string) => ["preview", "sweep", "--repo", r, "--max-age", "1m", "--open-prs", "1"],
      ],
      [
        "FROZEN -> a file outside (unfreeze)",
        (w: string, v: string) => symlinkSync(join(v, "values.yaml"), join(w, "environments/staging/FROZEN")),
        (r: string) => ["unfreeze", "--repo", r, "--env", "staging"],
      ],
    ])("%s: exit 2, the outside is untouched, nothing pushed", async (_name, setup, args) => {
      plant(remote, (w) => setup(w, victim));
      const before = refs(remote);
      const outside = snapshot(victim);
      const r = await run(args(remote), { cwd: app.dir });
      expectContained(r, 2, /symlink/);
      expect(snapshot(victim)).toEqual(outside);
      expect(refs(remote)).toBe(before);
    });
  });
});

describe("promote validates what it commits", () => {
  let app: ReturnType<typeof makeApp>;
  let remote: string;
  beforeAll(() => {
    app = makeApp("app: shop\n");
    remote = makeGitopsRemote([app.config]);
  });

  it.each([
    ["an empty tag", ["--image-tag", "", "--chart-version", "1.0.0"], /--image-tag/],
    ["a tag with a space", ["--image-tag", "a b", "--chart-version", "1.0.0"], /--image-tag/],
    ["a tag that is a path", ["--image-tag", "../../etc", "--chart-version", "1.0.0"], /--image-tag/],
    ["a tag with a colon", ["--image-tag", "X:Y", "--chart-version", "1.0.0"], /--image-tag/],
    ["a 129-character tag", ["--image-tag", "a".repeat(129), "--chart-version", "1.0.0"], /--image-tag/],
    ["a 200-character tag", ["--image-tag", "b".repeat(200), "--chart-version", "1.0.0"], /--image-tag/],
    [
      "a tag with a newline and a forged trailer",
      ["--image-tag", "1.0.0\nPipeline-Env: prod", "--chart-version", "1.0.0"],
      /--image-tag "1\.0\.0\\nPipeline-Env: prod"/,
    ],
    [
      "a chart version that is not one",
      ["--image-tag", "1.0.0", "--chart-version", "not a version"],
      /--chart-version/,
    ],
    ["a chart version with v", ["--image-tag", "1.0.0", "--chart-version", "v1.0.0"], /--chart-version/],
    ["a two-part chart version", ["--image-tag", "1.0.0", "--chart-version", "1.0"], /--chart-version/],
    [
      "a chart version with a newline",
      ["--image-tag", "1.0.0", "--chart-version", "1.0.0\nPipeline-Rollback: true"],
      /--chart-version/,
    ],
    [
      "a source sha with a forged rollback trailer",
      [
        "--image-tag",
        "1.0.0",
        "--chart-version",
        "1.0.0",
        "--source-sha",
        "abc1234\nPipeline-Rollback: true",
      ],
      /--source-sha "abc1234\\nPipeline-Rollback: true"/,
    ],
    [
      "a source sha that is not hex",
      ["--image-tag", "1.0.0", "--chart-version", "1.0.0", "--source-sha", "$(id)"],
      /--source-sha/,
    ],
    [
      "an environment named __proto__",
      ["--env", "__proto__", "--image-tag", "1.0.0", "--chart-version", "1.0.0"],
      /unknown environment/,
    ],
    [
      "an environment named constructor",
      ["--env", "constructor", "--image-tag", "1.0.0", "--chart-version", "1.0.0"],
      /unknown environment/,
    ],
    [
      "an environment named toString",
      ["--env", "toString", "--image-tag", "1.0.0", "--chart-version", "1.0.0"],
      /unknown environment/,
    ],
  ])("refuses %s with exit 2 and pushes nothing", async (_name, args, message) => {
    const before = refs(remote);
    const full = args.includes("--env") ? args : ["--env", "staging", ...args];
    const r = await run(["promote", "--repo", remote, ...full], { cwd: app.dir });
    expectContained(r, 2, message);
    expect(refs(remote)).toBe(before);
  });

  it.each([
    ["GITHUB_SHA with a command", { GITHUB_SHA: "$(id)" }, /GITHUB_SHA/],
    ["CI_COMMIT_SHA with a newline", { CI_COMMIT_SHA: "abc1234\nPipeline-Rollback: true" }, /CI_COMMIT_SHA/],
    [
      "a run URL with a newline",
      {
        GITHUB_SERVER_URL: "https://github.com",
        GITHUB_REPOSITORY: "a/b\nPipeline-Rollback: true",
        GITHUB_RUN_ID: "1",
      },
      /run URL/,
    ],
    ["PIPELINE_GIT_TIMEOUT=abc", { PIPELINE_GIT_TIMEOUT: "abc" }, /PIPELINE_GIT_TIMEOUT/],
    ["PIPELINE_GIT_TIMEOUT=0", { PIPELINE_GIT_TIMEOUT: "0" }, /PIPELINE_GIT_TIMEOUT/],
    ["PIPELINE_GIT_TIMEOUT=1e9", { PIPELINE_GIT_TIMEOUT: "1e9" }, /PIPELINE_GIT_TIMEOUT/],
  ])("refuses %s from the environment with exit 2", async (_name, env, message) => {
    const before = refs(remote);
    const r = await run(promoteArgs(remote, "1.0.0", "1.0.0"), { cwd: app.dir, env });
    expectContained(r, 2, message);
    expect(refs(remote)).toBe(before);
  });

  it.each([
    [
      "a huge pull request number",
      ["--pr", "99999999999999999999", "--image-tag", "pr-1", "--chart-version", "0.0.0-pr-1"],
    ],
    ["an invalid preview tag", ["--pr", "3", "--image-tag", "pr 3", "--chart-version", "0.0.0-pr-3"]],
    ["an invalid preview chart version", ["--pr", "3", "--image-tag", "pr-3", "--chart-version", "pr-3"]],
  ])("preview up refuses %s with exit 2", async (_name, args) => {
    const before = refs(remote);
    const r = await run(["preview", "up", "--repo", remote, ...args], { cwd: app.dir });
    expectContained(r, 2);
    expect(refs(remote)).toBe(before);
  });

  it("history does not read a promotion whose trailers were forged in its body", async () => {
    // A hand-made commit whose subject and body pose as trailers, with a second Pipeline-Env.
    const work = tempDir("hostile-forge-");
    git(work, "clone", "-q", remote, ".");
    writeFileSync(join(work, "environments/staging/values.yaml"), "images: {}\n");
    git(
      work,
      "commit",
      "-q",
      "-am",
      "Pipeline-App: shop\n\nPipeline-App: shop\nPipeline-Env: staging\nPipeline-Env: prod\nPipeline-Version: 6.6.6\n",
    );
    git(work, "push", "-q", "origin", "main");
    const r = await run(["history", "--repo", remote, "--env", "staging", "--json"], { cwd: app.dir });
    expectContained(r, 0);
    expect(JSON.parse(r.stdout).map((e: { version: string }) => e.version)).not.toContain("6.6.6");
  });
});

describe("newest wins", () => {
  it("refuses 1.0.0 after 9.0.0 without --force, takes it with --force, and rollback still works", async () => {
    const app = makeApp("app: shop\n");
    const remote = makeGitopsRemote([app.config]);
    expectContained(await run(promoteArgs(remote, "9.0.0", "9.0.0"), { cwd: app.dir }), 0);
    const before = refs(remote);
    const down = await run(promoteArgs(remote, "1.0.0", "1.0.0"), { cwd: app.dir });
    expectContained(down, 1, /staging already runs "9\.0\.0".*superseded by "9\.0\.0".*--force/);
    expect(refs(remote)).toBe(before);
    const tagOnly = await run(promoteArgs(remote, "v1.0.0", "9.0.1"), { cwd: app.dir });
    expectContained(tagOnly, 1, /superseded/);
    const forced = await run(promoteArgs(remote, "1.0.0", "1.0.0", "--force"), { cwd: app.dir });
    expectContained(forced, 0);
    expect(show(remote, "environments/staging/values.yaml")).toContain('tag: "1.0.0"');
    expectContained(await run(promoteArgs(remote, "9.1.0", "9.1.0"), { cwd: app.dir }), 0);
    const rolled = await run(["rollback", "--repo", remote, "--env", "staging"], { cwd: app.dir });
    expectContained(rolled, 0);
    expect(show(remote, "environments/staging/values.yaml")).toContain('tag: "1.0.0"');
  });

  it("takes two builds of one release in either order (their sha prereleases have no order)", async () => {
    const app = makeApp("app: shop\n");
    const remote = makeGitopsRemote([app.config]);
    expectContained(await run(promoteArgs(remote, "sha-bbbbbbb", "1.2.4-sha-bbbbbbb"), { cwd: app.dir }), 0);
    expectContained(await run(promoteArgs(remote, "sha-aaaaaaa", "1.2.4-sha-aaaaaaa"), { cwd: app.dir }), 0);
    expectContained(await run(promoteArgs(remote, "sha-ccccccc", "1.2.4-main.5"), { cwd: app.dir }), 0);
    expectContained(
      await run(promoteArgs(remote, "sha-ddddddd", "1.2.4-main.4"), { cwd: app.dir }),
      1,
      /superseded/,
    );
  });

  it("8 racing promotions of 5.x and 4.x end at the newest; the older ones report they were superseded", async () => {
    const app = makeApp("app: shop\n");
    const remote = makeGitopsRemote([app.config]);
    const versions = ["4.0.0", "5.0.0", "4.1.0", "5.1.0", "4.2.0", "5.2.0", "4.3.0", "5.3.0"];
    const results = await Promise.all(versions.map((v) => run(promoteArgs(remote, v, v), { cwd: app.dir })));
    for (const r of results) {
      expect([0, 1]).toContain(r.code);
      expectContained(r, r.code, /superseded by "5\.|superseded by "4\./);
    }
    expect(results[versions.indexOf("5.3.0")]!.code).toBe(0);
    expect(show(remote, "environments/staging/values.yaml")).toContain('tag: "5.3.0"');
    expect(show(remote, "apps/staging/shop.yaml")).toMatch(/targetRevision: 5\.3\.0/);
    // In the order they landed, versions only go up.
    const landed = git(
      remote,
      "log",
      "--reverse",
      "--format=%(trailers:key=Pipeline-Version,valueonly)",
      "main",
    )
      .split("\n")
      .filter(Boolean);
    const sorted = [...landed].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    expect(landed).toEqual(sorted);
  });
});

describe("remotes that reject or stall", () => {
  let app: ReturnType<typeof makeApp>;
  beforeAll(() => {
    app = makeApp("app: shop\n");
  });

  it("a pre-receive hook that declines: exit 1, its reason in one line, nothing changed", async () => {
    const remote = makeGitopsRemote([app.config]);
    hook(remote, 'echo "protected branch: promotions need review" >&2; exit 1');
    const before = refs(remote);
    const r = await run(promoteArgs(remote, "1.0.0", "1.0.0"), { cwd: app.dir });
    expectContained(
      r,
      1,
      /git push to the gitops repo failed \(exit 1\): .*pre-receive hook declined.*protected branch: promotions need review/,
    );
    expect(refs(remote)).toBe(before);
  });

  it("a hook that floods stderr with escape codes: still one line, escaped", async () => {
    const remote = makeGitopsRemote([app.config]);
    hook(
      remote,
      `i=0; while [ $i -lt 300 ]; do printf '\\033[31mred\\033]0;title\\007 line %s\\n' $i >&2; i=$((i+1)); done; exit 1`,
    );
    const r = await run(promoteArgs(remote, "1.0.0", "1.0.0"), { cwd: app.dir });
    expectContained(r, 1, /git push to the gitops repo failed/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting none got through
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it("a hook that never finishes: the push is killed at PIPELINE_GIT_TIMEOUT and the promotion never lands", async () => {
    const remote = makeGitopsRemote([app.config]);
    hook(remote, "sleep 6; exit 0");
    const before = refs(remote);
    const r = await run(promoteArgs(remote, "1.0.0", "1.0.0"), {
      cwd: app.dir,
      env: { PIPELINE_GIT_TIMEOUT: "2" },
    });
    expectContained(r, 1, /git push timed out after 2 s/);
    expect(r.ms).toBeLessThan(8_000);
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    expect(refs(remote)).toBe(before);
    expect(processArgvs().filter((p) => p.argv.includes(remote))).toEqual([]);
  });

  describe("a remote that accepts connections and never answers", () => {
    let silent: Server;
    let sockets: Socket[];
    let url: string;
    beforeAll(async () => {
      sockets = [];
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
      ["promote", () => promoteArgs(url, "1.0.0", "1.0.0")],
      ["history", () => ["history", "--repo", url, "--env", "staging"]],
      ["rollback", () => ["rollback", "--repo", url, "--env", "staging"]],
      [
        "preview up",
        () => [
          "preview",
          "up",
          "--repo",
          url,
          "--pr",
          "1",
          "--image-tag",
          "pr-1",
          "--chart-version",
          "0.0.0-pr-1",
        ],
      ],
    ])("%s fails within the timeout", async (_name, args) => {
      const r = await run(args(), { cwd: app.dir, env: { PIPELINE_GIT_TIMEOUT: "3", GITOPS_TOKEN: SECRET } });
      expectContained(r, 1, /timed out after 3 s|too slow/i);
      expect(r.ms).toBeLessThan(10_000);
    });
  });

  it("a smart-HTTP remote that starts answering and then stalls fails within the timeout", async () => {
    const server: HttpServer = createHttpServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/x-git-upload-pack-advertisement" });
      res.write("001e# service=git-upload-pack\n");
      // ...and nothing more, ever.
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/gitops.git`;
      const r = await run(promoteArgs(url, "1.0.0", "1.0.0"), {
        cwd: app.dir,
        env: { PIPELINE_GIT_TIMEOUT: "3" },
      });
      expectContained(r, 1, /timed out after 3 s|too slow/i);
      expect(r.ms).toBeLessThan(10_000);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it.each([
    ["a remote that does not exist", (d: string) => join(d, "missing.git")],
    [
      "a remote without the branch",
      (d: string) => {
        git(d, "init", "-q", "--bare", "-b", "main", "empty.git");
        return join(d, "empty.git");
      },
    ],
  ])("%s: exit 1, one line, no clone left behind", async (_name, make) => {
    const r = await run(promoteArgs(make(tempDir("hostile-remote-")), "1.0.0", "1.0.0"), { cwd: app.dir });
    expectContained(r, 1, /git clone failed \(exit 128\)/);
  });
});

describe("temp dirs after success", () => {
  it.each([
    ["promote", (remote: string) => promoteArgs(remote, "1.0.0", "1.0.0")],
    ["history", (remote: string) => ["history", "--repo", remote, "--env", "staging"]],
    [
      "preview up",
      (remote: string) => [
        "preview",
        "up",
        "--repo",
        remote,
        "--pr",
        "5",
        "--image-tag",
        "pr-5",
        "--chart-version",
        "0.0.0-pr-5",
      ],
    ],
  ])("%s leaves nothing in TMPDIR, with a token set", async (_name, args) => {
    const app = makeApp("app: shop\n");
    const remote = makeGitopsRemote([app.config]);
    const r = await run(args(remote), { cwd: app.dir, env: { GITOPS_TOKEN: SECRET } });
    expectContained(r, 0);
  });
});

describe("promotion by pull request against a hostile or absent GitHub", () => {
  let app: ReturnType<typeof makeApp>;
  let remote: string;
  beforeEach(() => {
    app = makeApp("app: shop\nenvironments:\n  staging: {}\n  uat: {}\n  prod:\n    pullRequest: true\n");
    remote = makeGitopsRemote([app.config]);
  });
  const prodArgs = () => [
    "promote",
    "--repo",
    remote,
    "--env",
    "prod",
    "--image-tag",
    "1.0.0",
    "--chart-version",
    "1.0.0",
  ];

  it.each([
    ["no GITHUB_TOKEN", { GITOPS_GITHUB_REPOSITORY: "acme/gitops" }, /set GITHUB_TOKEN/],
    [
      "a repository with a newline",
      { GITHUB_TOKEN: SECRET, GITOPS_GITHUB_REPOSITORY: "acme/x\nPipeline-Env: prod" },
      /GITOPS_GITHUB_REPOSITORY "acme\/x\\nPipeline-Env: prod" is not owner\/name/,
    ],
    [
      "a repository that is a path",
      { GITHUB_TOKEN: SECRET, GITOPS_GITHUB_REPOSITORY: "../../orgs/x" },
      /is not owner\/name/,
    ],
  ])("%s: exit 2 and nothing pushed", async (_name, env, message) => {
    const before = refs(remote);
    const r = await run(prodArgs(), { cwd: app.dir, env });
    expectContained(r, 2, message);
    expect(refs(remote)).toBe(before);
  });

  it("a GitHub API that never answers fails within the timeout, without the token", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => {
      sockets.push(s);
      s.on("error", () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const r = await run(prodArgs(), {
        cwd: app.dir,
        env: {
          PIPELINE_GIT_TIMEOUT: "2",
          GITHUB_TOKEN: SECRET,
          GITOPS_GITHUB_REPOSITORY: "acme/gitops",
          GITHUB_API_URL: `http://127.0.0.1:${(silent.address() as { port: number }).port}`,
        },
      });
      expectContained(r, 1, /GitHub API: .*no answer within 2 s/);
      expect(r.ms).toBeLessThan(8_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("a GitHub API that answers 500 with a body full of escapes fails in one line", async () => {
    const server = createHttpServer((_req, res) => {
      res.writeHead(500, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ message: `\u001b[31mboom\n${SECRET}\nat Object.<anonymous>` }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const r = await run(prodArgs(), {
        cwd: app.dir,
        env: {
          GITHUB_TOKEN: "gh-token-Lm3",
          GITOPS_GITHUB_REPOSITORY: "acme/gitops",
          GITHUB_API_URL: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        },
      });
      expectContained(r, 1, /failed with HTTP 500/, [SECRET, "gh-token-Lm3"]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("odd places and odd values", () => {
  let app: ReturnType<typeof makeApp>;
  let remote: string;
  beforeAll(() => {
    app = makeApp("app: shop\n");
    remote = makeGitopsRemote([app.config]);
  });

  it("a TMPDIR that does not exist: exit 1, one line naming TMPDIR", async () => {
    const r = await run(promoteArgs(remote, "1.0.0", "1.0.0"), {
      cwd: app.dir,
      env: { TMPDIR: "/nonexistent/pipeline-tmp" },
    });
    r.tmp = tempDir("hostile-tmp-");
    expectContained(r, 1, /cannot create a temp dir .*set TMPDIR/);
  });

  it.each([
    [
      "a file",
      (d: string) => {
        writeFileSync(join(d, "file"), "x");
        return join(d, "file");
      },
    ],
    [
      "a non-empty directory",
      (d: string) => {
        mkdirSync(join(d, "full"));
        writeFileSync(join(d, "full", "keep"), "x");
        return join(d, "full");
      },
    ],
  ])("gitops init into %s: exit 2, nothing changed", async (_name, make) => {
    const parent = tempDir("hostile-init-");
    const target = make(parent);
    const before = snapshot(parent);
    const r = await run(["gitops", "init", target], { cwd: app.dir });
    expectContained(r, 2, /is not an empty directory/);
    expect(snapshot(parent)).toEqual(before);
  });

  it("gitops init into an empty clone fills it on gitops.branch; a plain push lands it where promote finds it", async () => {
    const bare = tempDir("init-bare-");
    git(bare, "init", "-q", "--bare", "-b", "trunk");
    const clone = join(tempDir("init-clone-"), "gitops");
    git(dirname(clone), "clone", "-q", bare, clone);
    const r = await run(["gitops", "init", clone], { cwd: app.dir });
    expectContained(r, 0);
    expect(r.stdout).toContain("push it: git -C");
    expect(git(clone, "symbolic-ref", "--short", "HEAD")).toBe("main");
    expect(git(clone, "remote", "get-url", "origin")).toBe(bare);
    git(clone, "push", "-q", "-u", "origin", "main");
    expectContained(await run(promoteArgs(bare, "1.0.0", "1.0.0"), { cwd: app.dir }), 0);
    expect(show(bare, "apps/staging/shop.yaml")).toContain("targetRevision: 1.0.0");
  });

  it("gitops init into a checkout whose files are gone but whose history is not: exit 2, nothing changed", async () => {
    const parent = tempDir("hostile-init-");
    const used = join(parent, "used");
    mkdirSync(used);
    git(used, "init", "-q");
    writeFileSync(join(used, "keep"), "x");
    git(used, "add", "keep");
    git(used, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x");
    rmSync(join(used, "keep"));
    const before = git(used, "rev-parse", "HEAD");
    const r = await run(["gitops", "init", used], { cwd: app.dir });
    expectContained(r, 2, /is not an empty directory \(nor an empty clone\)/);
    expect(git(used, "rev-parse", "HEAD")).toBe(before);
    expect(readdirSync(used)).toEqual([".git"]);
  });

  it.each([
    [
      "history --env with an escape",
      ["history", "--env", "staging\u001b[2J"],
      2,
      /unknown environment "staging\\u001b\[2J"/,
    ],
    ["unfreeze --env __proto__", ["unfreeze", "--env", "__proto__"], 2, /unknown environment/],
    ["rollback with nothing promoted yet", ["rollback", "--env", "staging"], 2, /no promotion/],
  ])("%s: one line, escaped", async (_name, args, code, message) => {
    const before = refs(remote);
    const r = await run([...args, "--repo", remote], { cwd: app.dir });
    expectContained(r, code, message);
    expect(refs(remote)).toBe(before);
  });

  it("rollback --to with a newline: refused, the value escaped, nothing pushed", async () => {
    const promoted = makeGitopsRemote([app.config], "promoted.git");
    expectContained(await run(promoteArgs(promoted, "1.0.0", "1.0.0"), { cwd: app.dir }), 0);
    const before = refs(promoted);
    const r = await run(
      ["rollback", "--repo", promoted, "--env", "staging", "--to", "1.0.0\nPipeline-Env: prod"],
      {
        cwd: app.dir,
      },
    );
    expectContained(r, 2, /"1\.0\.0\\nPipeline-Env: prod" was never promoted/);
    expect(refs(promoted)).toBe(before);
  });

  it("preview sweep and up over a broken and an alias-bomb preview file: exit 0, the closed one removed", async () => {
    const previews = makeGitopsRemote([app.config], "previews.git");
    const bomb = `a: &a ["x","x","x","x","x","x","x","x","x"]\n${Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`).join("\n")}\n`;
    plant(previews, (w) => {
      mkdirSync(join(w, "apps/preview"), { recursive: true });
      writeFileSync(join(w, "apps/preview/shop-pr-11.yaml"), "metadata: [unclosed\n");
      writeFileSync(join(w, "apps/preview/shop-pr-12.yaml"), bomb);
    });
    const up = await run(
      [
        "preview",
        "up",
        "--repo",
        previews,
        "--pr",
        "12",
        "--image-tag",
        "pr-12",
        "--chart-version",
        "0.0.0-pr-12",
      ],
      { cwd: app.dir },
    );
    expectContained(up, 0);
    const sweep = await run(["preview", "sweep", "--repo", previews, "--max-age", "7d", "--open-prs", "12"], {
      cwd: app.dir,
    });
    expectContained(sweep, 0);
    expect(sweep.stdout).toMatch(/removed preview of #11: pull request is closed/);
    expect(git(previews, "ls-tree", "--name-only", "main", "apps/preview/")).toBe(
      "apps/preview/shop-pr-12.yaml",
    );
  });
});
