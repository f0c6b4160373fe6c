import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { runCliAsync } from "../support/cli.js";
import { git } from "../support/git.js";
import { makeApp, makeGitopsRemote } from "../support/gitops.js";
import { removeTempDirs } from "../support/temp.js";

afterAll(removeTempDirs);

const env = {
  GITOPS_TOKEN: undefined,
  GITHUB_TOKEN: undefined,
  GITHUB_SHA: undefined,
  COSIGN_PUBLIC_KEY: undefined,
};

describe("environments.prod.from: uat, against a real gitops remote", () => {
  let app: ReturnType<typeof makeApp>;
  let remote: string;
  beforeEach(() => {
    app = makeApp(
      "app: shop\nimage:\n  registry: r.example/acme\nenvironments:\n  staging: {}\n  uat: {}\n  prod:\n    promotion: manual\n    from: uat\n",
    );
    remote = makeGitopsRemote([app.config]);
  });
  const promote = (environment: string, version: string) =>
    runCliAsync(
      ["promote", "--repo", remote, "--env", environment, "--image-tag", version, "--chart-version", version],
      { cwd: app.dir, env },
    );

  it("refuses a prod promotion of a version never in uat: one line, exit 1, nothing committed", async () => {
    await promote("staging", "1.2.3");
    const before = git(remote, "rev-parse", "main");
    const refused = await promote("prod", "1.2.3");
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(
      /prod takes only versions that were in uat first, and the gitops history shows shop 1\.2\.3 never in uat; promote it to uat first/,
    );
    expect(git(remote, "rev-parse", "main")).toBe(before);
  });

  it("promotes to prod a version uat had, even after uat moved on", async () => {
    expect((await promote("uat", "1.2.3")).code).toBe(0);
    expect((await promote("uat", "1.3.0")).code).toBe(0);
    const promoted = await promote("prod", "1.2.3");
    expect(promoted.stderr).toBe("");
    expect(promoted.code).toBe(0);
    expect(git(remote, "log", "-1", "--format=%s", "main")).toMatch(/^promote\(prod\): shop 1\.2\.3/);
    expect((await promote("prod", "1.4.0")).code).toBe(1);
  });

  it("refuses a from that names no environment, as a config error", async () => {
    writeFileSync(
      join(app.dir, "pipeline.yaml"),
      "app: shop\nenvironments:\n  staging: {}\n  uat: {}\n  prod:\n    from: qa\n",
    );
    const result = await runCliAsync(["config", "check"], { cwd: app.dir, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /environments\.prod\.from: unknown environment "?qa"?; known: staging, uat, prod/,
    );
  });
});
