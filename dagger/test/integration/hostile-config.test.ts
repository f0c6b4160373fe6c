/**
 * Hostile config and refs, through the real CLI: every case must end with exit 0, 1 or 2, print at
 * most one line on stderr, no stack trace, none of the runner's secrets, and write nothing anywhere
 * (the CLI's TMPDIR and the case's whole folder are compared before and after).
 */
import { execFileSync } from "node:child_process";
import { cpSync, lstatSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type CliResult, runCli } from "../support/cli.js";
import { git } from "../support/git.js";
import { removeTempDirs, tempDir } from "../support/temp.js";

afterAll(removeTempDirs);

const SECRETS = {
  REGISTRY_PASSWORD: "reg-pa55word-QWERTY-4711",
  GITOPS_TOKEN: "gitops-t0ken-ZXCV-0815",
  GITHUB_TOKEN: "ghs_fakeGithubToken1234567890",
};
/** Values that must never appear in any output: the env secrets, and secrets planted in files and URLs. */
const NEVER = [...Object.values(SECRETS), "s3cret", "hunter2-shadow-hash", "planted-env-secret"];

/** CI variables of the machine running the tests must not leak into the cases. */
const CLEAN_CI = Object.fromEntries(
  [
    "GITHUB_ACTIONS",
    "GITHUB_REF",
    "GITHUB_SHA",
    "GITHUB_EVENT_PATH",
    "GITHUB_EVENT_NAME",
    "GITLAB_CI",
    "CI_COMMIT_SHA",
    "CI_COMMIT_TAG",
    "CI_COMMIT_BRANCH",
    "CI_MERGE_REQUEST_IID",
    "TAG_TYPE_OVERRIDE",
    "PIPELINE_DEBUG",
  ].map((name) => [name, undefined]),
);

interface Case {
  name: string;
  /** pipeline.yaml text (default: a valid minimal config). */
  config?: string;
  /** Changes the tree after the initial commit; `outside` is a folder next to the repo. */
  setup?: (repo: string, outside: string) => void;
  args?: string[];
  env?: Record<string, string>;
  code: 0 | 1 | 2;
  stderr?: RegExp;
  check?: (result: CliResult) => void;
}

const MINIMAL = "app: shop\n";
const SHA = "abcdef1234567890abcdef1234567890abcdef12";

/** Every path under `dir` with its size and mtime, links not followed, .git left out. */
function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      if (name === ".git") continue;
      const path = join(d, name);
      const stat = lstatSync(path);
      out.push(`${path} ${stat.size} ${stat.mtimeMs}`);
      if (stat.isDirectory()) walk(path);
    }
  };
  walk(dir);
  return out.sort();
}

let templateDir: string | undefined;

/** A committed checkout with a Go module of one binary, made once. */
function template(): string {
  if (templateDir) return templateDir;
  const repo = join(tempDir("pipeline-hostile-template-"), "repo");
  mkdirSync(join(repo, "src", "cmd", "api"), { recursive: true });
  writeFileSync(join(repo, "pipeline.yaml"), MINIMAL);
  writeFileSync(join(repo, "src", "go.mod"), "module example.com/shop\n\ngo 1.26\n");
  writeFileSync(join(repo, "src", "cmd", "api", "main.go"), "package main\n\nfunc main() {}\n");
  // A chart, so pull requests plan their preview (without one the plan leaves it out).
  mkdirSync(join(repo, "helm", "shop"), { recursive: true });
  writeFileSync(join(repo, "helm", "shop", "Chart.yaml"), "apiVersion: v2\nname: shop\nversion: 0.1.0\n");
  git(repo, "init", "-q", "-b", "main");
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "initial");
  templateDir = repo;
  return repo;
}

function runCase(c: Case): { result: CliResult; before: string[]; after: string[] } {
  const parent = tempDir("pipeline-hostile-");
  const repo = join(parent, "repo");
  const outside = join(parent, "outside");
  const tmp = join(parent, "tmp");
  for (const d of [outside, tmp]) mkdirSync(d);
  // A copy of one committed checkout: three git processes per case would double the suite's time.
  cpSync(template(), repo, { recursive: true });
  writeFileSync(join(repo, "pipeline.yaml"), c.config ?? MINIMAL);
  c.setup?.(repo, outside);
  const before = listTree(parent);
  const result = runCli(c.args ?? ["config", "check"], {
    cwd: repo,
    env: { ...CLEAN_CI, ...SECRETS, TMPDIR: tmp, ...c.env },
  });
  return { result, before, after: listTree(parent) };
}

const laughs = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...["b", "c", "d", "e", "f", "g", "h"].map(
    (k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdefg"[i]}`).join(",")}]`,
  ),
].join("\n");

const withConfig = (extra: string): string => `app: shop\n${extra}\n`;

const CONFIG_CASES: Case[] = [
  { name: "a valid minimal config", code: 0, check: (r) => expect(r.stdout).toMatch(/ok/) },
  // Input files
  {
    name: "pipeline.yaml linked to /proc/self/environ",
    setup: (repo) => relink(repo, "/proc/self/environ"),
    code: 2,
    stderr: /symlink that leaves the repository/,
  },
  {
    name: "pipeline.yaml linked to /etc/shadow",
    setup: (repo) => relink(repo, "/etc/shadow"),
    code: 2,
    stderr: /symlink that leaves the repository/,
  },
  {
    name: "pipeline.yaml linked to a secrets file next to the repo",
    setup: (repo, outside) => {
      writeFileSync(join(outside, "shadow"), "root:$6$hunter2-shadow-hash:19000:0:99999:7:::\n");
      relink(repo, join(outside, "shadow"));
    },
    code: 2,
    stderr: /symlink that leaves the repository/,
  },
  {
    name: "pipeline.yaml linked through ../",
    setup: (repo, outside) => {
      writeFileSync(join(outside, "p.yaml"), "app: planted-env-secret\n");
      relink(repo, "../outside/p.yaml");
    },
    code: 2,
  },
  {
    name: "pipeline.yaml as a dangling link",
    setup: (repo) => relink(repo, "nowhere.yaml"),
    code: 2,
    stderr: /symlink to nothing/,
  },
  {
    name: "pipeline.yaml as a directory",
    setup: (repo) => {
      execFileSync("rm", ["-f", join(repo, "pipeline.yaml")]);
      mkdirSync(join(repo, "pipeline.yaml"));
    },
    code: 2,
    stderr: /is a directory, not a regular file/,
  },
  {
    name: "pipeline.yaml as a named pipe",
    setup: (repo) => {
      execFileSync("rm", ["-f", join(repo, "pipeline.yaml")]);
      execFileSync("mkfifo", [join(repo, "pipeline.yaml")]);
    },
    code: 2,
    stderr: /is a pipe, not a regular file/,
  },
  {
    name: "a 300 KB pipeline.yaml",
    config: `app: shop\n${"# padding\n".repeat(30_000)}`,
    code: 2,
    stderr: /bytes allowed|more than the/,
  },
  {
    name: "a billion-laughs pipeline.yaml",
    config: laughs,
    code: 2,
    stderr: /:2:\d+: too many YAML aliases/,
  },
  {
    name: "a YAML syntax error",
    config: "app: shop\n\tgo: [\n",
    code: 2,
    stderr: /pipeline\.yaml:2:1: not valid YAML/,
  },
  {
    name: "an unclosed flow list",
    config: "app: [shop\n",
    code: 2,
    stderr: /pipeline\.yaml:\d+:\d+: not valid YAML/,
  },
  {
    name: "a top level that is an environment dump",
    config: '"REGISTRY_PASSWORD=planted-env-secret\\u0000GITOPS_TOKEN=planted-env-secret"\n',
    code: 2,
    stderr: /\(top level\): must be a mapping, got a string/,
  },
  { name: "a top level that is a list", config: "- planted-env-secret\n", code: 2, stderr: /got a list/ },
  {
    name: "binary bytes",
    config: "\u0000\u0001\u0002planted-env-secret\u00ff",
    code: 2,
  },
  { name: "duplicate keys", config: "app: shop\napp: other\n", code: 2, stderr: /:2:\d+: not valid YAML/ },
  { name: "two documents", config: "app: shop\n---\napp: b\n", code: 2 },
  // Credentials in URLs
  {
    name: "gitops.repo with user and password",
    config: withConfig("gitops:\n  repo: https://bot:s3cret@host/x.git"),
    code: 2,
    stderr: /gitops\.repo: "https:\/\/host\/x\.git" must not carry credentials/,
  },
  {
    name: "gitops.repo with a token as user",
    config: withConfig("gitops:\n  repo: https://s3cret-token@github.com/acme/x.git"),
    code: 2,
    stderr: /gitops\.repo/,
  },
  {
    name: "gitops.repo with credentials and --json",
    config: withConfig("gitops:\n  repo: https://bot:s3cret@host/x.git"),
    args: ["config", "check", "--json"],
    code: 2,
  },
  {
    name: "gitops.repo with credentials in plan",
    config: withConfig("gitops:\n  repo: http://bot:s3cret@host/x.git"),
    args: ["plan", "--json"],
    code: 2,
  },
  {
    name: "gitops.repo scp-like with a password",
    config: withConfig("gitops:\n  repo: bot:s3cret@github.com:acme/gitops.git"),
    code: 2,
    stderr: /gitops\.repo: "github\.com:acme\/gitops\.git" must not carry credentials/,
  },
  {
    name: "gitops.repo as an option",
    config: withConfig("gitops:\n  repo: --upload-pack=touch /tmp/x"),
    code: 2,
  },
  {
    name: "gitops.repo with ext::",
    config: withConfig("gitops:\n  repo: 'ext::sh -c touch% /tmp/x'"),
    code: 2,
  },
  {
    name: "gitops.repo over ssh with an account",
    config: withConfig("gitops:\n  repo: ssh://git@github.com/acme/gitops.git"),
    code: 0,
  },
  {
    name: "source.url with credentials",
    config: withConfig("source:\n  url: https://u:s3cret@github.com/x"),
    code: 2,
  },
  // Paths
  { name: "go.source /etc", config: withConfig("go:\n  source: /etc"), code: 2, stderr: /go\.source/ },
  {
    name: "go.source ../../..",
    config: withConfig("go:\n  source: ../../.."),
    code: 2,
    stderr: /go\.source/,
  },
  { name: "go.source ..", config: withConfig("go:\n  source: .."), code: 2, stderr: /go\.source/ },
  {
    name: "chart.path ../../etc",
    config: withConfig("chart:\n  path: ../../etc"),
    code: 2,
    stderr: /chart\.path/,
  },
  { name: "chart.path /etc", config: withConfig("chart:\n  path: /etc"), code: 2, stderr: /chart\.path/ },
  { name: "gitops.path ..", config: withConfig("gitops:\n  path: .."), code: 2, stderr: /gitops\.path/ },
  {
    name: "gitops.path ../escape",
    config: withConfig("gitops:\n  path: ../escape"),
    code: 2,
    stderr: /gitops\.path/,
  },
  {
    name: "preview.valuesFile ../../outside.yaml",
    config: withConfig("preview:\n  valuesFile: ../../outside.yaml"),
    code: 2,
    stderr: /preview\.valuesFile/,
  },
  {
    name: "preview.valuesFile /etc/passwd",
    config: withConfig("preview:\n  valuesFile: /etc/passwd"),
    code: 2,
    stderr: /preview\.valuesFile/,
  },
  {
    name: "cmd that is a file",
    setup: (repo) => {
      execFileSync("rm", ["-rf", join(repo, "src", "cmd")]);
      writeFileSync(join(repo, "src", "cmd"), "not a folder\n");
    },
    code: 2,
    stderr: /src\/cmd: is a file/,
  },
  {
    name: "a dangling link in cmd/",
    setup: (repo) => symlinkSync(join(repo, "gone"), join(repo, "src", "cmd", "worker")),
    code: 2,
    stderr: /src\/cmd\/worker: is a symlink to nothing/,
  },
  {
    name: "a link in cmd/ to /etc",
    setup: (repo) => symlinkSync("/etc", join(repo, "src", "cmd", "etc")),
    code: 2,
    stderr: /leaves the repository/,
  },
  {
    name: "a binary folder with an uppercase name",
    setup: (repo) => {
      mkdirSync(join(repo, "src", "cmd", "Tool"));
      writeFileSync(join(repo, "src", "cmd", "Tool", "main.go"), "package main\n");
    },
    code: 2,
    stderr: /binary folder names become image names/,
  },
  // Schema
  {
    name: "a 200 KB app name",
    config: `app: ${"a".repeat(200_000)}\n`,
    code: 2,
    stderr: /app: is 200000 characters long/,
  },
  { name: "a 1 MB app name", config: `app: ${"a".repeat(1_000_000)}\n`, code: 2, stderr: /bytes, more than/ },
  { name: "an uppercase app name", config: "app: Shop\n", code: 2, stderr: /app:/ },
  {
    name: "an app name with a newline",
    config: 'app: "shop\\nPipeline-Env: prod"\n',
    code: 2,
    stderr: /app: "shop\\nPipeline-Env: prod"/,
  },
  {
    name: "a registry with a space",
    config: withConfig("image:\n  registry: ghcr.io/acme corp"),
    code: 2,
    stderr: /image\.registry/,
  },
  {
    name: "a registry with a scheme",
    config: withConfig("image:\n  registry: https://ghcr.io/acme"),
    code: 2,
    stderr: /image\.registry/,
  },
  {
    name: "an uppercase registry",
    config: withConfig("image:\n  registry: GHCR.io/Acme"),
    code: 2,
    stderr: /image\.registry/,
  },
  {
    name: "a chart registry over https",
    config: withConfig("chart:\n  registry: https://x/charts"),
    code: 2,
    stderr: /chart\.registry/,
  },
  {
    name: "an insecure registry with a scheme",
    config: withConfig("image:\n  insecureRegistries: [http://r.lan:5000]"),
    code: 2,
    stderr: /insecureRegistries\[0\]/,
  },
  {
    name: "an uppercase namespace",
    config: withConfig("environments:\n  staging:\n    namespace: Staging"),
    code: 2,
    stderr: /environments\.staging\.namespace/,
  },
  {
    name: "a 100-character namespace",
    config: withConfig(`environments:\n  staging:\n    namespace: ${"n".repeat(100)}`),
    code: 2,
    stderr: /namespace/,
  },
  {
    name: "an environment named __proto__",
    config: withConfig("environments:\n  __proto__: {}"),
    code: 2,
    stderr: /environments\.__proto__/,
  },
  {
    name: "go.binaries.__proto__",
    config: withConfig("go:\n  binaries:\n    __proto__: {image: false}"),
    code: 2,
    stderr: /go\.binaries\.__proto__: is a reserved name/,
  },
  {
    name: "go.binaries.constructor",
    config: withConfig("go:\n  binaries:\n    constructor: {image: false}"),
    code: 2,
    stderr: /go\.binaries\.constructor/,
  },
  {
    name: "gitops.branch as an option",
    config: withConfig("gitops:\n  branch: --upload-pack=touch /tmp/x"),
    code: 2,
    stderr: /gitops\.branch/,
  },
  {
    name: "gitops.branch with ..",
    config: withConfig("gitops:\n  branch: main..x"),
    code: 2,
    stderr: /gitops\.branch/,
  },
  {
    name: "image.base with a newline",
    config: withConfig('image:\n  base: "alpine:3.20\\nRUN rm -rf /"'),
    code: 2,
    stderr: /image\.base: "alpine:3\.20\\nRUN rm -rf \/"/,
  },
  {
    name: "image.base with a command",
    config: withConfig("image:\n  base: 'alpine; rm -rf /'"),
    code: 2,
    stderr: /image\.base/,
  },
  {
    name: "image.packages with a command",
    config: withConfig("image:\n  base: alpine:3.20\n  packages: ['curl; rm -rf /']"),
    code: 2,
    stderr: /image\.packages\[0\]/,
  },
  {
    name: "image.packages with a newline",
    config: withConfig('image:\n  base: alpine:3.20\n  packages: ["tzdata\\nRUN id"]'),
    code: 2,
    stderr: /image\.packages\[0\]/,
  },
  {
    name: "image.user with a command",
    config: withConfig("image:\n  user: 'root && id'"),
    code: 2,
    stderr: /image\.user/,
  },
  {
    name: "authorEmail with a trailer",
    config: withConfig('gitops:\n  authorEmail: "bot@acme.dev\\nPipeline-Env: prod"'),
    code: 2,
    stderr: /gitops\.authorEmail/,
  },
  {
    name: "authorName with a newline",
    config: withConfig('gitops:\n  authorName: "a\\nb"'),
    code: 2,
    stderr: /gitops\.authorName/,
  },
  {
    name: "images.api given as a list",
    config: withConfig("images:\n  api: [a, b]"),
    code: 2,
    stderr: /images\.api: must be a mapping, got a list/,
  },
  {
    name: "coverage.minimum .inf",
    config: withConfig("coverage:\n  minimum: .inf"),
    code: 2,
    stderr: /coverage\.minimum/,
  },
  {
    name: "a rule name with an escape sequence",
    config: withConfig('rules:\n  - name: "\\e[2Jx"\n    stages: [lint]'),
    code: 2,
    stderr: /rules\[0\]\.name/,
  },
  {
    name: "a preview template that is no DNS label",
    config: withConfig("preview:\n  namespace: PR_{pr}"),
    code: 2,
    stderr: /preview\.namespace/,
  },
  {
    name: "versioning.initial 1.0",
    config: withConfig("versioning:\n  initial: '1.0'"),
    code: 2,
    stderr: /versioning\.initial/,
  },
  {
    name: "a 100 KB unknown key",
    config: `app: shop\n? ${"k".repeat(100_000)}\n: 1\n`,
    code: 2,
    stderr: /unknown key/,
  },
  {
    name: "an unknown key with control characters",
    config: 'app: shop\n"x\\e[2J": 1\n',
    code: 2,
    stderr: /"x\\u001b\[2J": unknown key/,
  },
];

function relink(repo: string, target: string): void {
  execFileSync("rm", ["-f", join(repo, "pipeline.yaml")]);
  symlinkSync(target, join(repo, "pipeline.yaml"));
}

const event = (outside: string, json: string): string => {
  const file = join(outside, "event.json");
  writeFileSync(file, json);
  return file;
};

const REF_CASES: Case[] = [
  { name: "a plan of the checkout", args: ["plan", "--json"], code: 0 },
  {
    name: "a ref with a newline",
    args: ["plan", "--ref", "refs/heads/a\nPipeline-Env: prod"],
    code: 2,
    stderr: /--ref "refs\/heads\/a\\nPipeline-Env: prod"/,
  },
  {
    name: "a prerelease tag with build metadata",
    args: ["plan", "--json", "--ref", "refs/tags/v1.2.3-rc.1+build", "--sha", SHA],
    code: 0,
    check: (r) => {
      const plan = JSON.parse(r.stdout);
      expect(plan.tags.image).toBe("v1.2.3-rc.1_build");
      for (const image of plan.images) expect(image.ref.split(":").at(-1)).not.toContain("+");
    },
  },
  {
    name: "a prerelease tag of 200 characters",
    args: ["plan", "--json", "--ref", `refs/tags/v1.2.3-${"x".repeat(200)}`, "--sha", SHA],
    code: 0,
    check: (r) => {
      const plan = JSON.parse(r.stdout);
      for (const ref of [
        ...plan.images.map((i: { ref: string }) => i.ref),
        ...plan.manifests.map((m: { ref: string }) => m.ref),
      ]) {
        expect(ref.split(":").at(-1)).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/);
      }
    },
  },
  {
    name: "a huge --pr",
    args: ["plan", "--pr", "10000000000000000000000"],
    code: 2,
    stderr: /--pr .* is not a pull request number/,
  },
  { name: "--pr 0", args: ["plan", "--pr", "0"], code: 2, stderr: /--pr 0/ },
  { name: "--pr as text", args: ["plan", "--pr", "42; id"], code: 2, stderr: /is not a whole number/ },
  {
    name: "a huge pull ref",
    args: ["plan", "--ref", "refs/pull/99999999999999999999999/merge"],
    code: 2,
    stderr: /pull request number/,
  },
  {
    name: "a pull request with its preview",
    args: ["plan", "--json", "--pr", "42", "--sha", SHA],
    code: 0,
    check: (r) =>
      expect(JSON.parse(r.stdout).preview).toEqual({ namespace: "preview-42", action: "up", host: null }),
  },
  {
    name: "--sha with a trailer",
    args: ["plan", "--sha", "abc1234\nPipeline-Rollback: true"],
    code: 2,
    stderr: /--sha "abc1234\\nPipeline-Rollback: true"/,
  },
  { name: "--sha of a SHA-256 repo", args: ["plan", "--json", "--sha", "b".repeat(64)], code: 0 },
  { name: "--sha of 65 digits", args: ["plan", "--sha", "b".repeat(65)], code: 2 },
  {
    name: "GITHUB_SHA with a command",
    args: ["plan", "--json"],
    env: { GITHUB_ACTIONS: "true", GITHUB_REF: "refs/heads/main", GITHUB_SHA: "$(id)" },
    code: 2,
    stderr: /^pipeline: GITHUB_SHA "\$\(id\)" is not a commit sha/,
  },
  {
    name: "CI_COMMIT_SHA with a command",
    args: ["plan", "--json"],
    env: { GITLAB_CI: "true", CI_COMMIT_BRANCH: "main", CI_COMMIT_SHA: "`id`" },
    code: 2,
    stderr: /CI_COMMIT_SHA/,
  },
  {
    name: "a huge CI_MERGE_REQUEST_IID",
    args: ["plan", "--json"],
    env: { GITLAB_CI: "true", CI_MERGE_REQUEST_IID: "1".repeat(30), CI_COMMIT_SHA: SHA },
    code: 2,
    stderr: /CI_MERGE_REQUEST_IID/,
  },
  {
    name: "a CI_COMMIT_TAG with a newline",
    args: ["plan", "--json"],
    env: { GITLAB_CI: "true", CI_COMMIT_TAG: "v1.0.0\nPipeline-Env: prod", CI_COMMIT_SHA: SHA },
    code: 2,
    stderr: /CI_COMMIT_TAG "refs\/tags\/v1\.0\.0\\nPipeline-Env: prod"/,
  },
  {
    name: "a GITHUB_REF branch that is an option",
    args: ["plan", "--json"],
    env: { GITHUB_ACTIONS: "true", GITHUB_REF: "refs/heads/--upload-pack=id", GITHUB_SHA: SHA },
    code: 2,
    stderr: /GITHUB_REF/,
  },
  {
    name: "a malformed GITHUB_EVENT_PATH",
    args: ["plan", "--json"],
    setup: (_repo, outside) => void event(outside, "{ planted-env-secret"),
    env: { GITHUB_ACTIONS: "true", GITHUB_REF: "refs/pull/1/merge", GITHUB_SHA: SHA },
    code: 2,
    stderr: /GITHUB_EVENT_PATH: the event file is not valid JSON/,
  },
  {
    name: "GITHUB_EVENT_PATH linked to /proc/self/environ",
    args: ["plan", "--json"],
    setup: (_repo, outside) => symlinkSync("/proc/self/environ", join(outside, "event.json")),
    env: { GITHUB_ACTIONS: "true", GITHUB_REF: "refs/pull/1/merge", GITHUB_SHA: SHA },
    code: 2,
  },
  {
    name: "an event with a huge PR number",
    args: ["plan", "--json"],
    setup: (_repo, outside) =>
      void event(outside, '{"pull_request":{"number":1e22,"head":{"sha":"abcdef1"}}}'),
    env: { GITHUB_ACTIONS: "true", GITHUB_REF: "refs/pull/1/merge", GITHUB_SHA: SHA },
    code: 2,
    stderr: /pull_request\.number 1e\+22/,
  },
  {
    name: "an event with a forged head sha",
    args: ["plan", "--json"],
    setup: (_repo, outside) => void event(outside, '{"pull_request":{"number":3,"head":{"sha":"$(id)"}}}'),
    env: { GITHUB_ACTIONS: "true", GITHUB_REF: "refs/pull/3/merge", GITHUB_SHA: SHA },
    code: 2,
    stderr: /pull_request\.head\.sha/,
  },
  {
    name: "a well-formed pull request event",
    args: ["plan", "--json"],
    setup: (_repo, outside) => void event(outside, '{"pull_request":{"number":3,"head":{"sha":"abcdef1"}}}'),
    env: { GITHUB_ACTIONS: "true", GITHUB_REF: "refs/pull/3/merge", GITHUB_SHA: SHA },
    code: 0,
    check: (r) => expect(JSON.parse(r.stdout).tags.image).toBe("pr-3-abcdef1"),
  },
  ...["constructor", "__proto__", "toString", "hasOwnProperty"].map(
    (env): Case => ({
      name: `--env ${env}`,
      args: ["plan", "--ref", "refs/tags/v1.2.3", "--sha", SHA, "--event", "promotion", "--env", env],
      code: 2,
      stderr: /is not an environment/,
    }),
  ),
  { name: "--event with a newline", args: ["plan", "--event", "x\ny"], code: 2, stderr: /--event "x\\ny"/ },
  {
    name: "--tag-type with an escape",
    args: ["plan", "--tag-type", "\u001b[2Jx"],
    code: 2,
    stderr: /--tag-type "\\u001b\[2Jx"/,
  },
  { name: "an unknown option with a newline", args: ["plan", "--x\ny"], code: 2, stderr: /see --help/ },
  { name: "version of a huge pull ref", args: ["version", "--ref", "refs/pull/1e22/merge"], code: 2 },
];

/** For events, point GITHUB_EVENT_PATH at the file the setup wrote. */
function withEventPath(c: Case): Case {
  if (!c.setup || !c.env?.GITHUB_ACTIONS) return c;
  return { ...c, env: { ...c.env, GITHUB_EVENT_PATH: "../outside/event.json" } };
}

describe.each([
  ["config", CONFIG_CASES],
  ["refs", REF_CASES.map(withEventPath)],
])("hostile %s through the real CLI", (_group, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const { result, before, after } = runCase(c);
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.code, result.stderr).toBe(c.code);
    const lines = result.stderr.split("\n").filter((l) => l !== "");
    expect(lines.length, result.stderr).toBeLessThanOrEqual(1);
    if (c.code !== 0) expect(lines[0]).toMatch(/^pipeline: /);
    expect(output).not.toMatch(/\n\s+at .*:\d+:\d+/);
    expect(output).not.toMatch(/unexpected error/);
    for (const secret of NEVER) expect(output).not.toContain(secret);
    expect(result.stderr.length).toBeLessThan(1000);
    if (c.stderr) expect(result.stderr).toMatch(c.stderr);
    expect(after).toEqual(before);
    c.check?.(result);
  });
});

it("has at least 60 hostile cases", () => {
  expect(CONFIG_CASES.length + REF_CASES.length).toBeGreaterThanOrEqual(60);
});
