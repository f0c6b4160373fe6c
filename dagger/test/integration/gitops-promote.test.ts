import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/adapters/config/config-file.js";
import { setValue } from "../../src/core/gitops/yaml-edit.js";
import { runCli, runCliAsync } from "../support/cli.js";
import { git } from "../support/git.js";
import { makeApp, makeGitopsRemote } from "../support/gitops.js";
import { removeTempDirs, tempDir } from "../support/temp.js";

afterAll(removeTempDirs);

const env = {
  GITOPS_TOKEN: undefined,
  GITHUB_TOKEN: undefined,
  GITHUB_SHA: undefined,
  GITHUB_ACTIONS: undefined,
};

/** The file at `path` on the remote's main branch. */
const show = (remote: string, path: string) => git(remote, "show", `main:${path}`);
const commits = (remote: string) => Number(git(remote, "rev-list", "--count", "main"));
const refs = (remote: string) => git(remote, "for-each-ref", "--format=%(refname) %(objectname)");

describe("pipeline promote against a real git remote", () => {
  let app: ReturnType<typeof makeApp>;
  let remote: string;
  beforeEach(() => {
    app = makeApp("app: shop\nimage:\n  registry: r.example/acme\n");
    remote = makeGitopsRemote([app.config]);
  });
  const promote = (...args: string[]) =>
    runCli(["promote", "--repo", remote, ...args], { cwd: app.dir, env });

  it("commits once for a version and not again when re-run", () => {
    const first = promote(
      "--env",
      "staging",
      "--image-tag",
      "sha-1111111",
      "--chart-version",
      "0.1.1-sha-1111111",
    );
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/promoted shop sha-1111111 to staging/);
    const after = commits(remote);
    const again = promote(
      "--env",
      "staging",
      "--image-tag",
      "sha-1111111",
      "--chart-version",
      "0.1.1-sha-1111111",
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/staging is already at sha-1111111: nothing to commit/);
    expect(commits(remote)).toBe(after);
  });

  it("changes exactly the planned files and keys, keeping comments and untouched lines", () => {
    const valuesBefore = show(remote, "environments/staging/values.yaml");
    promote("--env", "staging", "--image-tag", "sha-2222222", "--chart-version", "0.1.1-sha-2222222");
    expect(git(remote, "diff", "--name-only", "main~1", "main").split("\n").sort()).toEqual([
      "apps/staging/shop.yaml",
      "environments/staging/values.yaml",
    ]);
    const values = show(remote, "environments/staging/values.yaml");
    expect(values).toContain(
      "# staging values for shop. Promotion edits the tag (and digest) under images.api, images.migrator, images.worker;",
    );
    // Only the three tag lines differ.
    const changed = values.split("\n").filter((line, i) => line !== valuesBefore.split("\n")[i]);
    expect(changed).toEqual(['    tag: "sha-2222222"', '    tag: "sha-2222222"', '    tag: "sha-2222222"']);
    expect(show(remote, "apps/staging/shop.yaml")).toMatch(/targetRevision: 0\.1\.1-sha-2222222/);
    const message = git(remote, "log", "-1", "--format=%B", "main");
    expect(message).toMatch(/^promote\(staging\): shop sha-2222222/);
    expect(message).toMatch(/Pipeline-Source-Sha: [0-9a-f]{40}/);
    expect(git(remote, "log", "-1", "--format=%an <%ae>", "main")).toBe(
      "pipeline-bot <pipeline-bot@users.noreply.github.com>",
    );
  });

  it.each([
    [
      "an unknown environment",
      ["--env", "qa"],
      2,
      /unknown environment "qa"; .*pipeline.yaml defines: staging, uat, prod/,
    ],
    [
      "a missing app file",
      ["--env", "uat", "--x-missing"],
      2,
      /apps\/uat\/shop.yaml: not in the gitops repo/,
    ],
    [
      "malformed YAML",
      ["--env", "uat", "--x-malformed"],
      2,
      /environments\/uat\/values.yaml:\d+: not valid YAML/,
    ],
  ])("refuses %s with one line and pushes nothing", (_name, args, code, message) => {
    const work = tempDir();
    git(work, "clone", "-q", remote, ".");
    if (args.includes("--x-missing")) git(work, "rm", "-q", "apps/uat/shop.yaml");
    if (args.includes("--x-malformed")) {
      const file = join(work, "environments/uat/values.yaml");
      writeFileSync(file, `${readFileSync(file, "utf8")}\n  bad: [unclosed\n`);
      git(work, "add", "-A");
    }
    if (args.some((a) => a.startsWith("--x-"))) {
      git(work, "commit", "-q", "-m", "break it");
      git(work, "push", "-q", "origin", "main");
    }
    const before = refs(remote);
    const result = promote(
      ...args.filter((a) => !a.startsWith("--x-")),
      "--image-tag",
      "1.0.0",
      "--chart-version",
      "1.0.0",
    );
    expect(result.code).toBe(code);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(refs(remote)).toBe(before);
  });

  it("rolls back as a new commit, freezes automatic promotion until unfreeze, and shows it in history", () => {
    promote("--env", "staging", "--image-tag", "1.0.0", "--chart-version", "1.0.0");
    promote("--env", "staging", "--image-tag", "1.1.0", "--chart-version", "1.1.0");
    const headBefore = git(remote, "rev-parse", "main");
    const rolled = runCli(["rollback", "--repo", remote, "--env", "staging"], { cwd: app.dir, env });
    expect(rolled.code).toBe(0);
    expect(rolled.stdout).toMatch(/rolled back shop 1\.0\.0 to staging; staging is frozen/);
    expect(git(remote, "rev-parse", "main~1")).toBe(headBefore);
    expect(show(remote, "environments/staging/values.yaml")).toMatch(/tag: "1\.0\.0"/);

    const refused = promote("--env", "staging", "--image-tag", "1.2.0", "--chart-version", "1.2.0");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/staging is frozen by a rollback .*run pipeline unfreeze --env staging/);

    const forced = promote("--env", "staging", "--image-tag", "1.1.1", "--chart-version", "1.1.1", "--force");
    expect(forced.stdout).toMatch(/forced past the freeze/);

    expect(runCli(["unfreeze", "--repo", remote, "--env", "staging"], { cwd: app.dir, env }).stdout).toMatch(
      /staging unfrozen/,
    );
    expect(promote("--env", "staging", "--image-tag", "1.2.0", "--chart-version", "1.2.0").code).toBe(0);

    const history = JSON.parse(
      runCli(["history", "--repo", remote, "--env", "staging", "--json"], { cwd: app.dir, env }).stdout,
    );
    expect(
      history.map(
        (h: { version: string; rollback: boolean }) => `${h.version}${h.rollback ? " (rollback)" : ""}`,
      ),
    ).toEqual(["1.2.0", "1.1.1", "1.0.0 (rollback)", "1.1.0", "1.0.0"]);
    expect(history[0]).toMatchObject({
      chartVersion: "1.2.0",
      author: "pipeline-bot <pipeline-bot@users.noreply.github.com>",
    });
    expect(runCli(["history", "--repo", remote, "--env", "staging"], { cwd: app.dir, env }).stdout).toMatch(
      /1\.0\.0\s+1\.0\.0\s+[0-9a-f]{7}\s+pipeline-bot.*rollback/,
    );
  });

  it("adds, keeps and removes previews idempotently, and sweeps closed pull requests", () => {
    const up = (pr: string) =>
      runCli(
        [
          "preview",
          "up",
          "--repo",
          remote,
          "--pr",
          pr,
          "--image-tag",
          `pr-${pr}-abc1234`,
          "--chart-version",
          `0.0.0-pr-${pr}-abc1234`,
        ],
        { cwd: app.dir, env },
      );
    expect(up("42").stdout).toMatch(/preview of #42 is up: apps\/preview\/shop-pr-42.yaml/);
    expect(up("42").stdout).toMatch(/already up to date/);
    up("43");
    const application = show(remote, "apps/preview/shop-pr-42.yaml");
    expect(application).toMatch(/namespace: preview-42/);
    expect(application).toMatch(/name: images.api.tag\n\s+value: pr-42-abc1234/);
    expect(runCli(["preview", "down", "--repo", remote, "--pr", "42"], { cwd: app.dir, env }).stdout).toMatch(
      /removed/,
    );
    expect(runCli(["preview", "down", "--repo", remote, "--pr", "42"], { cwd: app.dir, env }).stdout).toMatch(
      /was not there/,
    );
    const sweep = runCli(["preview", "sweep", "--repo", remote, "--max-age", "7d", "--open-prs", "44"], {
      cwd: app.dir,
      env,
    });
    expect(sweep.stdout).toMatch(/removed preview of #43: pull request is closed/);
    expect(git(remote, "ls-tree", "-r", "--name-only", "main", "apps/preview")).toBe("");
  });
});

describe("an app without image values (no binaries): the chart version alone guards against a downgrade", () => {
  let dir: string;
  let remote: string;
  beforeEach(() => {
    dir = tempDir("pipeline-app-");
    writeFileSync(join(dir, "pipeline.yaml"), "app: h\n");
    git(dir, "init", "-q", "-b", "main");
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "app");
    remote = makeGitopsRemote([loadConfig(join(dir, "pipeline.yaml"))]);
  });
  const promote = (version: string, ...more: string[]) =>
    runCli(
      [
        "promote",
        "--repo",
        remote,
        "--env",
        "staging",
        "--image-tag",
        version,
        "--chart-version",
        version,
        ...more,
      ],
      { cwd: dir, env },
    );
  const chart = () => /targetRevision: (\S+)/.exec(show(remote, "apps/staging/h.yaml"))?.[1];

  it("refuses 2.9.0 after 3.0.0 without --force, and takes it with --force", () => {
    expect(promote("3.0.0").code).toBe(0);
    const head = git(remote, "rev-parse", "main");
    const older = promote("2.9.0");
    expect(older.code, older.stdout).toBe(1);
    expect(older.stderr.trim().split("\n")).toHaveLength(1);
    expect(older.stderr).toMatch(
      /staging already runs chart "3\.0\.0", newer than chart 2\.9\.0: superseded by chart "3\.0\.0", nothing was pushed/,
    );
    expect(git(remote, "rev-parse", "main")).toBe(head);
    expect(chart()).toBe("3.0.0");
    const forced = promote("2.9.0", "--force");
    expect(forced.code, forced.stderr).toBe(0);
    expect(chart()).toBe("2.9.0");
  });

  it("lets the first promotion through even below the scaffold's placeholder chart version", () => {
    expect(chart()).toBe("0.1.0");
    const first = promote("0.0.5");
    expect(first.code, first.stderr).toBe(0);
    expect(chart()).toBe("0.0.5");
    expect(promote("0.0.4").code).toBe(1);
  });

  it("takes a newer chart and rolls back to an older one", () => {
    expect(promote("1.0.0").code).toBe(0);
    expect(promote("1.1.0").code).toBe(0);
    const back = runCli(["rollback", "--repo", remote, "--env", "staging"], { cwd: dir, env });
    expect(back.code, back.stderr).toBe(0);
    expect(chart()).toBe("1.0.0");
  });
});

describe("16 promotions at once", () => {
  it("the newest of each lands with the retry (older ones are superseded), while a naive clone-edit-commit-push loses updates", async () => {
    const apps = [
      makeApp("app: shop\ngitops:\n  path: shop\n"),
      makeApp("app: cart\ngitops:\n  path: cart\n"),
    ];
    const remote = makeGitopsRemote(apps.map((a) => a.config));
    const jobs = apps.flatMap((a) =>
      ["staging", "uat"].flatMap((e) =>
        [1, 2, 3, 4].map((n) => ({ app: a, environment: e, version: `1.${n}.0` })),
      ),
    );
    expect(jobs).toHaveLength(16);
    const results = await Promise.all(
      jobs.map((j) =>
        runCliAsync(
          [
            "promote",
            "--repo",
            remote,
            "--env",
            j.environment,
            "--image-tag",
            j.version,
            "--chart-version",
            j.version,
          ],
          { cwd: j.app.dir, env },
        ),
      ),
    );
    // Every promotion either landed or reports, in one line, the newer version that superseded it.
    for (const r of results)
      if (r.code !== 0) expect(r.stderr).toMatch(/^pipeline: .*superseded by "1\.\d\.0".*\n$/);
    expect(results.map((r) => r.code).every((c) => c === 0 || c === 1)).toBe(true);
    const log = git(remote, "log", "--format=%B%x1e", "main")
      .split("\x1e")
      .filter((m) => m.includes("Pipeline-Env"));
    expect(log.length).toBeGreaterThanOrEqual(4);
    expect(log.length).toBeLessThanOrEqual(16);
    for (const a of apps) {
      for (const e of ["staging", "uat"]) {
        const last = log.find(
          (m) => m.includes(`Pipeline-App: ${a.config.app}\n`) && m.includes(`Pipeline-Env: ${e}\n`),
        )!;
        const version = /Pipeline-Version: (.+)/.exec(last)![1];
        expect(version).toBe("1.4.0");
        expect(show(remote, `${a.config.app}/environments/${e}/values.yaml`)).toContain(`tag: "${version}"`);
      }
    }

    // The same 16 updates, naively: each clones, edits, commits and pushes once, without retry.
    const naiveRemote = makeGitopsRemote(
      apps.map((a) => a.config),
      "naive.git",
    );
    const clones = jobs.map((j) => {
      const dir = tempDir();
      git(dir, "clone", "-q", naiveRemote, ".");
      const file = join(dir, `${j.app.config.app}/environments/${j.environment}/values.yaml`);
      writeFileSync(file, setValue(readFileSync(file, "utf8"), "images.api.tag", j.version));
      git(dir, "commit", "-q", "-am", `naive ${j.app.config.app} ${j.environment} ${j.version}`);
      return dir;
    });
    let landed = 0;
    for (const dir of clones) {
      try {
        git(dir, "push", "-q", "origin", "main");
        landed++;
      } catch {
        // Rejected as non-fast-forward: this update is lost.
      }
    }
    expect(landed).toBeLessThan(16);
    expect(commits(naiveRemote) - 1).toBe(landed);
  });
});
