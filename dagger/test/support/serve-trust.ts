/**
 * What the trust-boundary and crash suites of `pipeline serve` share: a pipeline.yaml whose every
 * key a test can turn hostile, the secrets serve holds (each a value no test data contains, so a
 * search for it is exact), a gitops repository served over HTTP behind the token, and a search of
 * every file under a folder for any of the secrets.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type GitHttpServer, startGitHttp } from "./git-http.js";
import { makeApp, makeGitopsRemote } from "./gitops.js";
import { SECRETS } from "./serve.js";

/** Credentials serve runs with: none may reach a repository's code, another host, or a log. */
export const HELD = {
  GITOPS_TOKEN: "gitops-token-5f0c1e9a7d3b2f6e8a4c",
  GITHUB_TOKEN: "github-token-9c2e4a6b8d0f1a3c5e7b",
  REGISTRY_USERNAME: "pusher",
  REGISTRY_PASSWORD: "registry-password-3b5d7f9a1c2e4a6c",
  PIPELINE_REPO_TOKEN: "repo-token-7e9a1c3e5b7d9f1b3d5f",
  ACME_DEPLOY_KEY: "acme-deploy-key-2d4f6b8d0a2c4e6a8c",
};

/** Every secret value serve holds: the held credentials and the webhook and API secrets. */
export const ALL_SECRETS: readonly string[] = [
  ...Object.entries(HELD)
    .filter(([name]) => name !== "REGISTRY_USERNAME")
    .map(([, value]) => value),
  ...Object.values(SECRETS),
];

/** A pipeline.yaml for the serve app; every key a test turns hostile is a parameter. */
export function trustYaml(options: {
  gitops: string;
  registry?: string;
  stages: string[];
  before?: string;
  base?: string;
  extra?: string[];
}): string {
  const stages = JSON.stringify(options.stages);
  return [
    "app: shop",
    "platforms: [linux/amd64]",
    "image:",
    `  registry: ${options.registry ?? "r.example/acme"}`,
    ...(options.base ? [`  base: ${options.base}`] : []),
    "gitops:",
    `  repo: ${options.gitops}`,
    "coverage:",
    "  minimum: 0",
    "test:",
    "  race: false",
    `  before: [${JSON.stringify(options.before ?? "sh -c 'echo before'")}]`,
    "rules:",
    "  - name: main",
    "    events: [branch]",
    "    branches: [main, feat/*]",
    `    stages: ${stages}`,
    "  - name: pull-request",
    "    events: [pull-request]",
    `    stages: ${stages}`,
    ...(options.extra ?? []),
  ].join("\n");
}

/** A gitops repository for the serve app, served by git over HTTP behind GITOPS_TOKEN. */
export async function servedGitops(): Promise<{ bare: string; url: string; server: GitHttpServer }> {
  const shop = makeApp("app: shop\nimage:\n  registry: r.example/acme\n");
  const bare = makeGitopsRemote([shop.config]);
  const root = join(bare, "..");
  const server = await startGitHttp(root, HELD.GITOPS_TOKEN);
  return { bare, url: `${server.url}/gitops.git`, server };
}

/** Every file under `dir` (recursively) whose bytes contain one of `secrets`, with the secret found. */
export function filesWithSecrets(dir: string, secrets: readonly string[] = ALL_SECRETS): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch {
      return; // A dangling link.
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) walk(join(path, name));
      return;
    }
    if (!stat.isFile()) return;
    const text = readFileSync(path).toString("latin1");
    for (const secret of secrets) if (text.includes(secret)) found.push(`${path}: ${secret.slice(0, 12)}…`);
  };
  walk(dir);
  return found;
}

/** Pull request payloads: from a fork, or from a branch of the repository itself. */
export function prPayload(pr: number, sha: string, fork: boolean, action = "opened") {
  return {
    action,
    number: pr,
    pull_request: {
      head: { sha, repo: { full_name: fork ? "mallory/shop" : "acme/shop" } },
      base: { repo: { full_name: "acme/shop" } },
    },
  };
}
