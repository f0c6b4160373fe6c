import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git } from "../support/git.js";
import { makeApp, makeGitopsRemote } from "../support/gitops.js";
import {
  api,
  appYaml,
  githubHook,
  makeServeApp,
  pushPayload,
  SECRETS,
  type ServeProcess,
  startServe,
  waitForRun,
} from "../support/serve.js";
import { prPayload } from "../support/serve-trust.js";
import { removeTempDirs } from "../support/temp.js";

/** Debian's chromium, driven by playwright-core (no browser download). */
const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

describe("serve's status page in Chromium", () => {
  let serve: ServeProcess;
  let browser: Browser;
  let gitops: string;
  let app: ReturnType<typeof makeServeApp>;
  beforeAll(async () => {
    const shop = makeApp("app: shop\nimage:\n  registry: r.example/acme\n");
    gitops = makeGitopsRemote([shop.config]);
    // The server's own rules let pull requests preview (a fork's waits for the Approve button).
    app = makeServeApp(appYaml({ gitops, stages: ["lint", "preview"] }));
    serve = await startServe(app.dir, ["--workers", "2", "--runner", "host", "--repo-url", app.dir]);
    for (const version of ["1.0.0", "1.1.0"]) {
      const queued = await api(serve.url, "/api/environments/staging/promote", {
        role: "deployer",
        method: "POST",
        body: { version },
      });
      expect((await waitForRun(serve.url, queued.body.id as number, "final")).status).toBe("succeeded");
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    removeTempDirs();
  });

  it("lists runs, grows a running run's log, and rolls back with the button", async () => {
    const sha = app.commit(appYaml({ gitops, stages: ["lint", "test"], sleep: 6 }));
    const queued = await githubHook(serve.url, "push", pushPayload("refs/heads/main", sha));
    const id = queued.body.id as number;
    const page = await browser.newPage();
    await page.goto(serve.url);
    await page.fill("#token", SECRETS.deployer);
    await page.click("#login button");
    await page.waitForSelector("#role:has-text('role: deployer')");
    const row = page.locator(`tr.run[data-id="${id}"]`);
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    const log = async () => (await page.textContent("#log")) ?? "";
    await expect.poll(log, { timeout: 30_000 }).toContain("fetch");
    const early = (await log()).length;
    await expect.poll(async () => (await log()).length, { timeout: 60_000 }).toBeGreaterThan(early);
    // The log grew while the run was still running (the test stage sleeps 6 s).
    expect((await api(serve.url, `/api/runs/${id}`)).body.status).toBe("running");
    await expect.poll(log, { timeout: 90_000 }).toContain("run ended");
    expect(await page.textContent("#log")).toContain("-- run ended: succeeded");
    await expect
      .poll(async () => page.locator(`tr.run[data-id="${id}"] .stage`).allTextContents())
      .toEqual([expect.stringMatching(/^lint \d+\.\d s$/), expect.stringMatching(/^test \d+\.\d s$/)]);

    const commits = Number(git(gitops, "rev-list", "--count", "main"));
    await page.waitForSelector('tr[data-env="staging"] .current:has-text("1.1.0")', { timeout: 30_000 });
    await page.click('button.rollback[data-env="staging"]');
    await expect
      .poll(async () => (await api(serve.url, "/api/deployments?env=staging")).body.deployments, {
        timeout: 30_000,
      })
      .toContainEqual(expect.objectContaining({ action: "rollback", version: "1.0.0" }));
    expect(Number(git(gitops, "rev-list", "--count", "main"))).toBe(commits + 1);
    expect(git(gitops, "log", "-1", "--format=%B", "main")).toMatch(/rollback/i);
    await page.waitForSelector('tr[data-env="staging"] .current:has-text("1.0.0")', { timeout: 30_000 });

    // A viewer sees the environments but gets no rollback button.
    const viewer = await browser.newPage();
    await viewer.goto(serve.url);
    await viewer.fill("#token", SECRETS.viewer);
    await viewer.click("#login button");
    await viewer.waitForSelector('tr[data-env="staging"] .current:has-text("1.0.0")', { timeout: 30_000 });
    expect(await viewer.locator("button.rollback").count()).toBe(0);
  });

  it("shows a fork's run waiting, lets a deployer (not a viewer) approve it, and shows who did", async () => {
    const sha = app.commit(appYaml({ gitops, stages: ["preview"] }));
    git(app.dir, "update-ref", "refs/pull/31/head", sha);
    const queued = await githubHook(serve.url, "pull_request", prPayload(31, sha, true));
    const id = queued.body.id as number;
    await waitForRun(serve.url, id, "awaiting_approval");
    const viewer = await browser.newPage();
    await viewer.goto(serve.url);
    await viewer.fill("#token", SECRETS.viewer);
    await viewer.click("#login button");
    await viewer.waitForSelector(`tr.run[data-id="${id}"] td.awaiting_approval`, { timeout: 30_000 });
    expect(await viewer.locator(`tr.run[data-id="${id}"] button.approve`).count()).toBe(0);
    expect(await viewer.textContent(`tr.run[data-id="${id}"]`)).toContain("(fork)");

    const page = await browser.newPage();
    await page.goto(serve.url);
    await page.fill("#token", SECRETS.deployer);
    await page.click("#login button");
    await page.waitForSelector("#role:has-text('role: deployer')");
    // The click only sends the approval: wait for its answer, or awaiting_approval (a final
    // state to waitForRun) could still be read before the approval lands.
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/api/runs/${id}/approve`), { timeout: 30_000 }),
      page.click(`tr.run[data-id="${id}"] button.approve`, { timeout: 30_000 }),
    ]);
    expect((await waitForRun(serve.url, id, "final")).status).toBe("succeeded");
    await page.waitForSelector(`tr.run[data-id="${id}"] .approval:has-text("approved by deployer (token")`, {
      timeout: 30_000,
    });
    await viewer.waitForSelector(`tr.run[data-id="${id}"] .approval`, { timeout: 30_000 });
    expect(git(gitops, "ls-tree", "-r", "--name-only", "main")).toContain("shop-pr-31.yaml");
  });
});
