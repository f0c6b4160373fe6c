/**
 * `pipeline serve` as a real process for tests: a small app repo (tiny stage set, so runs take
 * seconds), the server on a free loopback port, signed webhook deliveries, and API calls.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CLI_ENTRY } from "./cli.js";
import { git } from "./git.js";
import { freePort, waitFor } from "./ports.js";
import { tempDir } from "./temp.js";

/** Secrets every test server uses. */
export const SECRETS = {
  github: "gh-secret-0123456789abcdef",
  gitlab: "gl-token-0123456789abcdef",
  viewer: "viewer-token-0123456789abcdef",
  deployer: "deployer-token-0123456789abcdef",
  admin: "admin-token-0123456789abcdef",
};

/** pipeline.yaml of the test app: `rules` and `test.before` vary per commit. */
export function appYaml(
  options: { gitops?: string; sleep?: number; stages?: string[]; extra?: string } = {},
): string {
  const stages = JSON.stringify(options.stages ?? ["lint"]);
  return [
    "app: shop",
    "image:",
    "  registry: r.example/acme",
    ...(options.gitops ? ["gitops:", `  repo: ${options.gitops}`] : []),
    "coverage:",
    "  minimum: 0",
    "test:",
    "  race: false",
    `  before: ["sh -c 'echo before tests; sleep ${options.sleep ?? 0}; echo slept'"]`,
    "rules:",
    "  - name: main",
    "    events: [branch]",
    "    branches: [main, feat/*]",
    `    stages: ${stages}`,
    "  - name: pull-request",
    "    events: [pull-request]",
    `    stages: ${stages}`,
    "  - name: release",
    "    events: [release-tag, rc-tag]",
    `    stages: ${stages}`,
    options.extra ?? "",
  ].join("\n");
}

/** A Go app repo (work tree) with one commit on main; returns its path and a way to commit. */
export function makeServeApp(yaml: string): {
  dir: string;
  commit: (yaml: string, message?: string) => string;
} {
  const dir = tempDir("pipeline-serve-app-");
  const files: Record<string, string> = {
    "pipeline.yaml": yaml,
    "src/go.mod": "module example.com/shop\n\ngo 1.26\n",
    "src/cmd/api/main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("api") }\n',
    // A chart, so promote and preview are planned (without one the plan leaves them out).
    "helm/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "app");
  let n = 0;
  return {
    dir,
    // Commits on main, and points `branch` (when given) at the new commit as a push would.
    commit: (text, branch) => {
      writeFileSync(join(dir, "pipeline.yaml"), text);
      git(dir, "commit", "-q", "--allow-empty", "-am", `change ${++n}`);
      const sha = git(dir, "rev-parse", "HEAD");
      if (branch) git(dir, "update-ref", `refs/heads/${branch}`, sha);
      return sha;
    },
  };
}

/** A running serve process. */
export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** SIGTERM, then wait for exit. */
  stop: () => Promise<void>;
  /** SIGKILL (a crash), then wait for exit. */
  kill9: () => Promise<void>;
}

/** Starts `pipeline serve` in `cwd` with `args`, waiting until /healthz answers. */
export async function startServe(
  cwd: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<ServeProcess> {
  const port = await freePort();
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    PIPELINE_GITHUB_SECRET: SECRETS.github,
    PIPELINE_GITLAB_TOKEN: SECRETS.gitlab,
    PIPELINE_API_TOKENS: `viewer:${SECRETS.viewer},deployer:${SECRETS.deployer},admin:${SECRETS.admin}`,
    GITOPS_TOKEN: undefined,
    GITHUB_TOKEN: undefined,
    GITHUB_ACTIONS: undefined,
    GITLAB_CI: undefined,
    INIT_CWD: undefined,
    ...env,
  };
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
  const child = spawn(process.execPath, [CLI_ENTRY, "serve", "--listen", `127.0.0.1:${port}`, ...args], {
    cwd,
    env: childEnv as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      "serve to answer /healthz",
      async () => {
        if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${output}`);
        return (await fetch(`${url}/healthz`)).ok;
      },
      30_000,
    );
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { url, child, output: () => output, stop: () => end("SIGTERM"), kill9: () => end("SIGKILL") };
}

/** Sends a signed GitHub delivery; returns status and JSON body. */
export async function githubHook(
  url: string,
  event: string,
  payload: unknown,
  options: { delivery?: string; secret?: string; raw?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = options.raw ?? JSON.stringify(payload);
  const signature = `sha256=${createHmac("sha256", options.secret ?? SECRETS.github)
    .update(body)
    .digest("hex")}`;
  const res = await fetch(`${url}/hooks/github`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": options.delivery ?? randomUUID(),
      "x-hub-signature-256": signature,
    },
    body,
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/** Sends a GitLab delivery with its token. */
export async function gitlabHook(
  url: string,
  payload: unknown,
  options: { delivery?: string; token?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/hooks/gitlab`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-gitlab-token": options.token ?? SECRETS.gitlab,
      "x-gitlab-event-uuid": options.delivery ?? randomUUID(),
    },
    body: JSON.stringify(payload),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/** Calls the API with a role's token (or none). */
export async function api(
  url: string,
  path: string,
  options: { role?: keyof typeof SECRETS | null; method?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> & { runs?: Run[] } }> {
  const role = options.role === undefined ? "admin" : options.role;
  const res = await fetch(`${url}${path}`, {
    method: options.method ?? "GET",
    headers: {
      ...(role ? { authorization: `Bearer ${SECRETS[role]}` } : {}),
      ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/** A run as the API shows it (the fields tests read). */
export interface Run {
  id: number;
  kind: string;
  ref: string | null;
  sha: string | null;
  pr: number | null;
  env: string | null;
  status: string;
  attempt: number;
  retryOf: number | null;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  fork?: boolean;
  approvedBy?: string | null;
  approvedAt?: number | null;
  stages: { name: string; status: string; durationMs: number | null; detail: string | null }[];
}

/** Waits until run `id` has `status` (any final status when "final"), returning it. */
export async function waitForRun(
  url: string,
  id: number,
  status: string | "final",
  timeoutMs = 90_000,
): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  let last: Run | undefined;
  while (Date.now() < deadline) {
    last = (await api(url, `/api/runs/${id}`)).body as unknown as Run;
    const final = !["queued", "running"].includes(last.status);
    if (status === "final" ? final : last.status === status) return last;
    if (final)
      throw new Error(`run ${id} ended ${last.status} while waiting for ${status}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for run ${id} to be ${status}; last seen: ${JSON.stringify(last)}`,
  );
}

/** A push payload for GitHub. */
export const pushPayload = (ref: string, after: string) => ({ ref, after, deleted: false });
