/**
 * serve's front door against hostile clients, through the real `pipeline serve` process: malformed
 * ids and bodies answer 400/404 (never 500), every answer carries the security headers and the
 * status page a CSP that still lets it work in real Chromium but never inside a frame, a trickling
 * client is cut off at --request-timeout, connections past --max-connections are closed, operator
 * mistakes with --database exit 2 in one line, and GET /api/environments costs the gitops server
 * one fetch per --gitops-refresh however many pages poll (counted at a real git HTTP server),
 * never sending the gitops token to a host the gitops repo redirects to.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_ENTRY } from "../support/cli.js";
import { type GitHttpServer, startGitHttp } from "../support/git-http.js";
import { makeApp, makeGitopsRemote } from "../support/gitops.js";
import { api, appYaml, makeServeApp, SECRETS, type ServeProcess, startServe } from "../support/serve.js";
import { removeTempDirs, tempDir } from "../support/temp.js";

afterAll(removeTempDirs);

const TOKEN = "gitops-token-Front-0123456789";

/** The CLI's environment: ours without npm's INIT_CWD (the CLI would take it for the user's folder). */
function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.INIT_CWD;
  return env;
}

/** Sends `head` on a raw socket, then `drip` one piece at a time until the server closes it. */
function trickle(
  url: string,
  head: string,
  drip: string[],
  everyMs: number,
): Promise<{ answer: string; sent: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = "";
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on("data", (d) => (answer += d.toString()));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ answer, sent });
    });
    socket.write(head, () => {
      timer = setInterval(() => {
        if (sent >= drip.length) {
          clearInterval(timer);
          return;
        }
        if (!socket.destroyed) socket.write(drip[sent++]!);
      }, everyMs);
    });
  });
}

/** A complete request on a fresh connection: what came back before the server closed it (or the first answer). */
function request(url: string, text: string): Promise<{ socket: Socket; answer: Promise<string> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      const answer = new Promise<string>((done) => {
        let got = "";
        socket.on("data", (d) => {
          got += d.toString();
          if (got.includes("\r\n\r\n")) done(got);
        });
        socket.on("close", () => done(got));
      });
      socket.on("error", () => undefined);
      socket.write(text);
      resolve({ socket, answer });
    });
    socket.on("error", () => undefined);
  });
}

describe("serve's front door", () => {
  let serve: ServeProcess;
  let app: ReturnType<typeof makeServeApp>;
  beforeAll(async () => {
    const shop = makeApp("app: shop\nimage:\n  registry: r.example/acme\n");
    app = makeServeApp(appYaml({ gitops: makeGitopsRemote([shop.config]) }));
    serve = await startServe(app.dir, ["--workers", "0", "--request-timeout", "2"]);
  });
  afterAll(async () => serve?.stop());

  it.each([
    [
      "a malformed percent-encoding in the environment",
      "/api/environments/%E0%A4%A/rollback",
      undefined,
      400,
    ],
    ["an unknown environment", "/api/environments/nope/rollback", undefined, 404],
    ["a rollback body of null", "/api/environments/staging/rollback", "null", 400],
    ["a rollback body that is a list", "/api/environments/staging/rollback", "[]", 400],
    ["a promote body that is a string", "/api/environments/staging/promote", '"1.0.0"', 400],
    ["a run body of null", "/api/runs", "null", 400],
    ["a run body that is a number", "/api/runs", "7", 400],
  ])("%s: a JSON error with its status, not 500", async (_name, path, body, status) => {
    const res = await fetch(`${serve.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${SECRETS.admin}`, "content-type": "application/json" },
      ...(body !== undefined ? { body } : {}),
    });
    const json = (await res.json()) as { error?: string };
    expect(res.status, json.error).toBe(status);
    expect(json.error).toMatch(
      status === 400 ? /percent-encoding|must be a JSON object/ : /not an environment/,
    );
  });

  it("documents those answers in its OpenAPI document", async () => {
    const doc = (await (await fetch(`${serve.url}/api/openapi.json`)).json()) as {
      paths: Record<string, { post?: { responses: Record<string, unknown> } }>;
    };
    for (const path of ["/api/environments/{env}/rollback", "/api/environments/{env}/promote"])
      expect(Object.keys(doc.paths[path]!.post!.responses)).toEqual(expect.arrayContaining(["400", "404"]));
    expect(Object.keys(doc.paths["/api/runs"]!.post!.responses)).toContain("400");
  });

  it("sends nosniff, no framing and a CSP on every answer, and the page a CSP of its own script and style", async () => {
    for (const [path, role] of [
      ["/healthz", null],
      ["/api/whoami", null],
      ["/api/runs", "viewer"],
      ["/no-such-route", "viewer"],
      ["/api/openapi.json", null],
    ] as const) {
      const res = await fetch(`${serve.url}${path}`, {
        headers: role ? { authorization: `Bearer ${SECRETS[role]}` } : {},
      });
      await res.arrayBuffer();
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      expect(res.headers.get("content-security-policy"), path).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get("content-security-policy"), path).toMatch(/default-src 'none'/);
    }
    const page = await fetch(`${serve.url}/`);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]{43}='(;|$)/);
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]{43}='(;|$)/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).not.toMatch(/unsafe/);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("cuts off a client that trickles its body, with 408, long before it is done", async () => {
    const body = "x".repeat(60);
    const head = `POST /api/runs HTTP/1.1\r\nHost: serve\r\nAuthorization: Bearer ${SECRETS.admin}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const { answer, sent } = await trickle(serve.url, head, body.split(""), 500);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(sent).toBeLessThan(body.length);
  });

  it("cuts off a client that trickles its headers, with 408, long before it is done", async () => {
    const lines = Array.from({ length: 60 }, (_, i) => `X-Slow-${i}: ${i}\r\n`);
    const { answer, sent } = await trickle(serve.url, "GET /healthz HTTP/1.1\r\nHost: serve\r\n", lines, 500);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(sent).toBeLessThan(lines.length);
  });
});

describe("serve's connection cap", () => {
  let serve: ServeProcess;
  beforeAll(async () => {
    const app = makeServeApp(appYaml({}));
    serve = await startServe(app.dir, ["--workers", "0", "--max-connections", "3"]);
  });
  afterAll(async () => serve?.stop());

  it("answers at most --max-connections connections at once and closes the rest on arrival", async () => {
    const held = await Promise.all(
      Array.from({ length: 10 }, () => request(serve.url, "GET /healthz HTTP/1.1\r\nHost: serve\r\n\r\n")),
    );
    const answers = await Promise.all(held.map((h) => h.answer));
    const answered = answers.filter((a) => a.startsWith("HTTP/1.1 200")).length;
    // One slot may still be held by the health check's keep-alive connection.
    expect(answered).toBeGreaterThanOrEqual(2);
    expect(answered).toBeLessThanOrEqual(3);
    expect(answers.filter((a) => a === "").length).toBe(10 - answered);
    for (const h of held) h.socket.destroy();
    await expect
      .poll(async () => (await fetch(`${serve.url}/healthz`).catch(() => null))?.status, { timeout: 10_000 })
      .toBe(200);
  });
});

describe("serve --database mistakes are the operator's, said in one line (exit 2)", () => {
  const cases: [string, () => string, RegExp][] = [
    ["a folder", () => tempDir(), /is a folder; give a file path/],
    ["a path under a regular file", () => join(spawnableFile(), "state.db"), /is not a folder/],
    ["a device", () => "/dev/null", /is not a regular file/],
    [
      "a folder /proc will not create",
      () => "/proc/pipeline-nope/state.db",
      /cannot create the folder \/proc\/pipeline-nope/,
    ],
  ];
  function spawnableFile(): string {
    const file = join(tempDir(), "plain.txt");
    writeFileSync(file, "x");
    return file;
  }
  let dir: string;
  beforeAll(() => {
    dir = makeServeApp(appYaml({})).dir;
  });
  it.each(cases)("--database on %s", (_name, path, why) => {
    const result = spawnSync(
      process.execPath,
      [CLI_ENTRY, "serve", "--listen", "127.0.0.1:0", "--workers", "0", "--database", path()],
      { cwd: dir, encoding: "utf8", timeout: 20_000, killSignal: "SIGKILL", env: cliEnv() },
    );
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(2);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(why);
    expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
  });
});

describe("GET /api/environments polls one fetch of the gitops repo", () => {
  let gitops: GitHttpServer;
  let other: GitHttpServer;
  let serve: ServeProcess;
  let remote: string;
  let shopDir: string;
  const promote = (repo: string, version: string) =>
    spawnSync(
      process.execPath,
      [
        CLI_ENTRY,
        "promote",
        "--repo",
        repo,
        "--env",
        "staging",
        "--image-tag",
        version,
        "--chart-version",
        version,
      ],
      { cwd: shopDir, encoding: "utf8", env: cliEnv() },
    );
  beforeAll(async () => {
    const shop = makeApp("app: shop\nimage:\n  registry: r.example/acme\n");
    remote = makeGitopsRemote([shop.config]);
    other = await startGitHttp(join(makeGitopsRemote([shop.config]), ".."), TOKEN);
    const otherPort = new URL(other.url).port;
    gitops = await startGitHttp(join(remote, ".."), TOKEN, {
      redirect: (path) =>
        path.startsWith("/away.git/")
          ? `http://127.0.0.1:${otherPort}/gitops.git/${path.split("/").slice(2).join("/")}`
          : undefined,
    });
    // One promotion, so the view has something to show.
    shopDir = shop.dir;
    const promoted = promote(remote, "1.0.0");
    expect(promoted.status, promoted.stderr).toBe(0);
    const app = makeServeApp(appYaml({ gitops: `${gitops.url}/gitops.git` }));
    serve = await startServe(app.dir, ["--workers", "0", "--gitops-refresh", "3600"], {
      GITOPS_TOKEN: TOKEN,
    });
  });
  afterAll(async () => {
    await serve?.stop();
    await gitops?.close();
    await other?.close();
  });

  const environments = () => api(serve.url, "/api/environments", { role: "viewer" });

  it("20 concurrent calls cost one fetch, and later calls within the interval none", async () => {
    const before = gitops.authorizations.length;
    const answers = await Promise.all(Array.from({ length: 20 }, environments));
    const first = gitops.authorizations.length - before;
    for (const a of answers) {
      expect(a.status).toBe(200);
      const staging = (a.body.environments as { name: string; current: { version: string } | null }[]).find(
        (e) => e.name === "staging",
      );
      expect(staging?.current?.version).toBe("1.0.0");
    }
    // A clone over smart HTTP: the 401 challenge, the ref advertisement, the pack (and v2's ls-refs).
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(5);
    await Promise.all(Array.from({ length: 20 }, environments));
    expect(gitops.authorizations.length - before).toBe(first);
  });

  it("a fresh view fetches (not clones) after the interval, and sees a new promotion", async () => {
    const app = makeServeApp(appYaml({ gitops: `${gitops.url}/gitops.git` }));
    const quick = await startServe(app.dir, ["--workers", "0", "--gitops-refresh", "1"], {
      GITOPS_TOKEN: TOKEN,
    });
    try {
      const staging = async () =>
        (
          (await api(quick.url, "/api/environments", { role: "viewer" })).body.environments as {
            name: string;
            current: { version: string } | null;
          }[]
        ).find((e) => e.name === "staging")?.current?.version;
      expect(await staging()).toBe("1.0.0");
      // A promotion lands in the gitops repo by another way (the CLI, straight to the repo).
      expect(promote(remote, "1.1.0").status).toBe(0);
      await expect.poll(staging, { timeout: 20_000, interval: 300 }).toBe("1.1.0");
    } finally {
      await quick.stop();
    }
  });

  it("sends no gitops token to a host the gitops repo redirects to", async () => {
    const app = makeServeApp(appYaml({ gitops: `${gitops.url}/away.git` }));
    const away = await startServe(app.dir, ["--workers", "0"], { GITOPS_TOKEN: TOKEN });
    try {
      const seen = other.authorizations.length;
      const answer = await api(away.url, "/api/environments", { role: "viewer" });
      expect(answer.status).toBe(200);
      for (const e of answer.body.environments as { error?: string }[])
        expect(e.error).toMatch(/the token is only ever sent to http:\/\/127\.0\.0\.1:/);
      expect(other.authorizations.length).toBeGreaterThan(seen);
      for (const auth of other.authorizations)
        expect(Buffer.from(auth.slice(6), "base64").toString()).not.toContain(TOKEN);
      expect(JSON.stringify(answer.body)).not.toContain(TOKEN);
    } finally {
      await away.stop();
    }
  });
});

describe("the status page under its CSP in Chromium", () => {
  let serve: ServeProcess;
  let browser: Browser;
  let framer: ReturnType<typeof createHttpServer>;
  let framerUrl: string;
  beforeAll(async () => {
    const shop = makeApp("app: shop\nimage:\n  registry: r.example/acme\n");
    const app = makeServeApp(appYaml({ gitops: makeGitopsRemote([shop.config]) }));
    serve = await startServe(app.dir, ["--workers", "0"]);
    // Another origin that tries to frame the page (a clickjacking page).
    framer = createHttpServer((_req, res) =>
      res
        .writeHead(200, { "content-type": "text/html" })
        .end(`<!doctype html><iframe id="victim" src="${serve.url}/"></iframe>`),
    );
    await new Promise<void>((r) => framer.listen(0, "127.0.0.1", r));
    framerUrl = `http://localhost:${(framer.address() as { port: number }).port}/`;
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => framer?.close(r));
    await serve?.stop();
  });

  it("runs its own script and style (no CSP violation) and signs in", async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    page.on("pageerror", (e) => violations.push(e.message));
    await page.goto(serve.url);
    await page.fill("#token", SECRETS.deployer);
    await page.click("#login button");
    await page.waitForSelector("#role:has-text('role: deployer')");
    await page.waitForSelector("#environments tbody tr");
    // The style applied: the log panel is dark.
    expect(await page.evaluate(`getComputedStyle(document.querySelector("pre#log")).backgroundColor`)).toBe(
      "rgb(17, 17, 17)",
    );
    expect(violations).toEqual([]);
    await page.close();
  });

  it("will not be shown inside another site's frame", async () => {
    const page = await browser.newPage();
    await page.goto(framerUrl);
    await page.waitForLoadState("load");
    const frame = page.frames().find((f) => f !== page.mainFrame());
    const token = frame ? await frame.$("#token").catch(() => null) : null;
    expect(token).toBeNull();
    await page.close();
  });
});
