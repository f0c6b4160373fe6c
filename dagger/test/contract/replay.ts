/**
 * Replays GitHub Actions workflows against the module: for one event, the workflows it starts,
 * their jobs in `needs` order, each step in order. `dagger call` steps run through the SDK
 * entrypoint against the recording engine (harness.ts); `run:` steps run in bash with the step's
 * env, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY (steps that call the GitHub API with `gh` are left
 * out). Every engine of one replay shares a ledger: the image refs and chart versions the module
 * published, and those a later step deploys, promotes or verifies, in the order they happened.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse, parseDocument } from "yaml";
import { loadConfig } from "../../src/adapters/config/config-file.js";
import type { PipelineConfig } from "../../src/core/config/config.js";
import { publishRegistries } from "../../src/core/registry/registries.js";
import { imageRepository } from "../../src/core/release/names.js";
import { releaseImages } from "../../src/core/supply-chain/sbom-assets.js";
import { findTool } from "../support/tools.js";
import { encodeId, type Step } from "./engine.js";
import { runModule, secretId } from "./harness.js";
import type { RegisteredFunction } from "./registration.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
export const workflowsDir = resolve(repoRoot, ".github/workflows");

/** A tag in the checkout: annotated tags have their own object. */
export interface CheckoutTag {
  name: string;
  commit: string;
  annotated: boolean;
}

/** What `git` in the module's checkout answers. */
export interface Checkout {
  sha: string;
  /** Empty when detached (pull requests check out GitHub's merge commit, tags a commit). */
  branch: string;
  tags: CheckoutTag[];
  /** Commits since the newest release tag. */
  distance: number;
}

/** The event GitHub delivers, and what its expressions read. */
export interface GithubEvent {
  name: "pull_request" | "push" | "workflow_dispatch";
  /** pull_request: opened, synchronize or closed. */
  action?: string;
  /** workflow_dispatch: the workflow file that is started. */
  workflow?: string;
  ref: string;
  sha: string;
  actor: string;
  repositoryOwner: string;
  pullRequest?: { number: number; headSha: string };
  inputs?: Record<string, string>;
  /** The checkout GitHub makes for this event. */
  checkout: Checkout;
  /** Checkouts of other refs (`actions/checkout` with `ref:`), by full ref. */
  refs?: Record<string, Checkout>;
}

/** One entry of the shared ledger. */
export interface LedgerEntry {
  action: "published" | "consumed";
  kind: "image" | "chart";
  /** `registry/repository:tag` for images, the version for charts. */
  ref: string;
  /** Workflow, job and step. */
  where: string;
}

/** What a replay did. */
export interface ReplayResult {
  /** Every dagger call made, as `workflow job: fn`. */
  calls: string[];
  ledger: LedgerEntry[];
  /** Steps or jobs that failed (a failed job stops its dependents, as on GitHub). */
  failures: string[];
  /** Consumed refs that no earlier step of the run published. */
  violations: string[];
  /** Every command of the project's CLI the module ran in its container, as `pipeline <args>`. */
  cliCommands: string[];
  /** The plain env variables of each CLI command, in the order of `cliCommands`. */
  cliVariables: Record<string, string>[];
  /** Every cosign command the module ran (keyless signing), as `cosign <args>`. */
  cosignCommands: string[];
  /** The predicate file each keyless `cosign attest` was given, parsed. */
  predicates: unknown[];
  /** GraphQL queries each call sent, and how many of them read git. */
  queries: { call: string; queries: number; gitReads: number }[];
}

interface WorkflowStep {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string | number | boolean>;
}

interface Job {
  needs?: string | string[];
  permissions?: Record<string, string> | string;
  env?: Record<string, string>;
  outputs?: Record<string, string>;
  strategy?: { matrix?: Record<string, string[]> };
  steps: WorkflowStep[];
}

interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

/**
 * What GitHub's runner adds to every step of a job allowed `id-token: write`: the OIDC token
 * request (docs.github.com, "Security hardening with OpenID Connect": the job gets
 * ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN). Stand-in values.
 */
function runnerOidcEnv(permissions: Record<string, string> | string | undefined): Record<string, string> {
  const granted =
    permissions === "write-all" || (typeof permissions === "object" && permissions["id-token"] === "write");
  return granted
    ? {
        ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.actions.invalid/replay",
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "replay-oidc-request-token",
      }
    : {};
}

/** The filter pattern syntax of `on.push.tags`/`branches`: `*`, `**`, `?`/`+` (of the previous character), `[...]`. */
export function filterPattern(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      out += ".*";
      i++;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?" || c === "+") out += c;
    else if (c === "[") {
      const end = glob.indexOf("]", i);
      out += glob.slice(i, end + 1);
      i = end;
    } else out += c.replace(/[.\\^$|(){}]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/** True when `name` passes a filter list: the last matching pattern decides, `!` excludes. */
export function passesFilter(patterns: readonly string[], name: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith("!");
    if (filterPattern(negated ? pattern.slice(1) : pattern).test(name)) matched = !negated;
  }
  return matched;
}

/** Reads every workflow file (or the given texts, by file name). */
export function readWorkflows(overrides: Record<string, string> = {}): Record<string, Workflow> {
  const files = readdirSync(workflowsDir).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"));
  return Object.fromEntries(
    files.map((f) => [f, parse(overrides[f] ?? readFileSync(join(workflowsDir, f), "utf8")) as Workflow]),
  );
}

/** The workflows an event starts. */
export function workflowsFor(workflows: Record<string, Workflow>, event: GithubEvent): string[] {
  return Object.keys(workflows)
    .sort()
    .filter((file) => {
      const on = workflows[file]!.on;
      if (event.name === "workflow_dispatch") return file === event.workflow && "workflow_dispatch" in on;
      if (!(event.name in on)) return false;
      const filter = (on[event.name] ?? {}) as {
        types?: string[];
        branches?: string[];
        tags?: string[];
      };
      if (event.name === "pull_request")
        return (filter.types ?? ["opened", "synchronize", "reopened"]).includes(
          event.action ?? "synchronize",
        );
      const branch = /^refs\/heads\/(.+)$/.exec(event.ref)?.[1];
      const tag = /^refs\/tags\/(.+)$/.exec(event.ref)?.[1];
      if (branch !== undefined) return filter.branches ? passesFilter(filter.branches, branch) : !filter.tags;
      if (tag !== undefined) return filter.tags ? passesFilter(filter.tags, tag) : !filter.branches;
      return false;
    });
}

/** Jobs in an order that respects `needs` (file order among independent jobs). */
function jobOrder(jobs: Record<string, Job>): string[] {
  const order: string[] = [];
  const visit = (name: string, path: string[] = []) => {
    if (order.includes(name)) return;
    if (path.includes(name)) throw new Error(`needs cycle: ${[...path, name].join(" -> ")}`);
    for (const need of needsOf(jobs[name]!)) visit(need, [...path, name]);
    order.push(name);
  };
  for (const name of Object.keys(jobs)) visit(name);
  return order;
}

const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : [job.needs].flat());

/** What `${{ }}` expressions can read while one step runs. */
interface Scope {
  event: GithubEvent;
  /** The workflow file that runs (github.workflow_ref names it). */
  workflow: string;
  steps: Record<string, Record<string, string>>;
  needs: Record<string, Record<string, string>>;
  matrix: Record<string, string>;
  env: Record<string, string>;
}

/** The run id and attempt the replay's runs have (GitHub's are numbers, the attempt from 1). */
export const REPLAY_RUN = { id: "4242", attempt: "1" };

function lookup(scope: Scope, path: string): string {
  const e = scope.event;
  const repository = `${e.repositoryOwner}/sample-app`;
  const fixed: Record<string, string | number | undefined> = {
    "github.ref": e.ref,
    "github.sha": e.sha,
    "github.actor": e.actor,
    "github.repository_owner": e.repositoryOwner,
    "github.repository": repository,
    "github.server_url": "https://github.com",
    "github.run_id": REPLAY_RUN.id,
    "github.run_attempt": REPLAY_RUN.attempt,
    // The caller workflow's file at the ref of the run (docs.github.com, "github context").
    "github.workflow_ref": `${repository}/.github/workflows/${scope.workflow}@${e.ref}`,
    "github.token": "github-job-token",
    "github.event.pull_request.number": e.pullRequest?.number,
    "github.event.pull_request.head.sha": e.pullRequest?.headSha,
  };
  if (path in fixed) {
    const value = fixed[path];
    if (value === undefined) throw new Error(`\${{ ${path} }} is empty for a ${e.name} event`);
    return String(value);
  }
  const [head, ...rest] = path.split(".");
  const pick = (table: Record<string, string> | undefined, key: string) => {
    if (!table || !(key in table)) throw new Error(`\${{ ${path} }}: not set at this point of the run`);
    return table[key]!;
  };
  if (head === "secrets") return `secret-${rest.join(".")}`;
  if (head === "inputs") return pick(e.inputs, rest.join("."));
  if (head === "matrix") return pick(scope.matrix, rest.join("."));
  if (head === "env") return pick(scope.env, rest.join("."));
  if (head === "steps" && rest[1] === "outputs") return pick(scope.steps[rest[0]!], rest.slice(2).join("."));
  if (head === "needs" && rest[1] === "outputs") return pick(scope.needs[rest[0]!], rest.slice(2).join("."));
  throw new Error(`the replay does not know \${{ ${path} }}`);
}

/** Substitutes every `${{ path }}` in a string. */
export function evaluate(text: string, scope: Scope): string {
  return text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, path: string) => lookup(scope, path));
}

const evaluateAll = (table: Record<string, unknown> | undefined, scope: Scope): Record<string, string> =>
  Object.fromEntries(Object.entries(table ?? {}).map(([k, v]) => [k, evaluate(String(v), scope)]));

/** Turns `fn --flag value --switch chained ...` into a function name and typed arguments. */
export function callArguments(
  args: string,
  functions: readonly RegisteredFunction[],
  env: Record<string, string>,
  secrets: Record<string, string>,
): { fn: string; args: Record<string, unknown> } {
  const tokens = args.trim().split(/\s+/);
  const name = tokens.shift() ?? "";
  const camel = (kebab: string) => kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const fn = functions.find((f) => f.name === camel(name));
  if (!fn) throw new Error(`dagger call ${name}: the module has no such function`);
  const out: Record<string, unknown> = {};
  while (tokens[0]?.startsWith("--")) {
    const flag = camel(tokens.shift()!.slice(2));
    const arg = fn.args.find((a) => a.name === flag);
    if (!arg) throw new Error(`dagger call ${name}: no argument --${flag}`);
    if (arg.type === "BOOLEAN") {
      out[flag] = true;
      continue;
    }
    const value = tokens.shift() ?? "";
    if (arg.type === "INTEGER") out[flag] = Number(value);
    else if (arg.type === "[STRING]") out[flag] = value.split(",");
    else if (arg.type === "Secret") {
      const [, source, key = ""] = /^(env|file):(.*)$/.exec(value) ?? [];
      if (source !== "env") throw new Error(`--${flag} ${value}: the replay reads secrets from env: only`);
      if (!(key in env)) throw new Error(`--${flag} env:${key}: ${key} is not in the step's env`);
      secrets[`${flag}-${key}`] = env[key]!;
      out[flag] = secretId(`${flag}-${key}`);
    } else if (arg.type === "Service") {
      const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(value);
      if (!m) throw new Error(`--${flag} ${value}: expected tcp://host:port`);
      out[flag] = encodeId([
        { field: "host", args: {} },
        {
          field: "service",
          args: { host: m[1], ports: [{ frontend: Number(m[2]), backend: Number(m[2]) }] },
        },
      ]);
    } else out[flag] = value;
  }
  // Anything after the arguments is a chained call on the result (export, ...): not replayed.
  return { fn: fn.name, args: out };
}

/** The argv of the last exec in a chain. */
const lastExec = (chain: Step[]): string[] =>
  ([...chain].reverse().find((s) => s.field === "withExec")?.args.args as string[] | undefined) ?? [];

/** Reads `--flag value` from an argv. */
const flagValue = (argv: readonly string[], flag: string): string | undefined => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};

/** The image refs a promotion of `tag` makes Argo CD (or helm) deploy: every configured image at the registry. */
function imagesAt(config: PipelineConfig, tag: string, registry = config.image.registry): string[] {
  return config.images.map((image) => `${registry.replace(/\/+$/, "")}/${image.name}:${tag}`);
}

/** What an exec publishes or consumes, read from its argv (the CLI, helm). */
function ledgerOfExec(config: PipelineConfig, argv: string[]): Omit<LedgerEntry, "where">[] {
  const cli = argv.findIndex((a) => a.endsWith("dist/bin/pipeline.js"));
  if (cli >= 0) {
    const rest = argv.slice(cli + 1);
    const command = rest.filter((a, i) => !a.startsWith("-") && !rest[i - 1]?.startsWith("--config"));
    const tag = flagValue(rest, "--image-tag");
    const chart = flagValue(rest, "--chart-version");
    const consumed = (refs: string[], chartVersion?: string) => [
      ...refs.map((ref) => ({ action: "consumed" as const, kind: "image" as const, ref })),
      ...(chartVersion ? [{ action: "consumed" as const, kind: "chart" as const, ref: chartVersion }] : []),
    ];
    if (command[0] === "promote" || (command[0] === "preview" && command[1] === "up"))
      return consumed(imagesAt(config, tag!), chart);
    if (command[0] === "verify")
      return consumed(imagesAt(config, tag!, flagValue(rest, "--registry") ?? config.image.registry), chart);
    if (command[0] === "latest") return consumed([`${command[1]}:${flagValue(rest, "--version")}`]);
    if (command[0] === "github-release" && rest.includes("--registry-sboms")) {
      // The SBOMs it carries are those attached to the release's images: they must be published.
      const registry = publishRegistries(config, flagValue(rest, "--registry")).primary;
      const release = { tag: flagValue(rest, "--tag")!, commit: "0".repeat(40) };
      return consumed(releaseImages(config, registry, release).map((image) => image.ref));
    }
    if (command[0] === "sbom" || command[0] === "sign" || command[0] === "attest") {
      // Their references (images, then oci:// charts) must have been pushed earlier in the run.
      const after = rest.slice(rest.indexOf(command[0]) + 1);
      const flags = after.findIndex((a) => a.startsWith("--"));
      const refs = flags < 0 ? after : after.slice(0, flags);
      const charts = refs.filter((r) => r.startsWith("oci://"));
      return [
        ...consumed(refs.filter((r) => !r.startsWith("oci://"))),
        ...charts.flatMap((c) => consumed([], c.slice(c.lastIndexOf(":") + 1))),
      ];
    }
    return [];
  }
  if (argv[0] === "helm" && argv[1] === "push") {
    const version = new RegExp(`${config.app}-(.+)\\.tgz$`).exec(argv[2] ?? "")?.[1];
    return version ? [{ action: "published", kind: "chart", ref: version }] : [];
  }
  if (argv[0] === "helm" && argv[1] === "upgrade") {
    return argv
      .filter((a, i) => argv[i - 1] === "--set" && /^images\.[^.]+\.tag=/.test(a))
      .map((a) => {
        const [key, tag] = a.split("=") as [string, string];
        const binary = key.split(".")[1]!;
        return {
          action: "consumed" as const,
          kind: "image" as const,
          ref: `${imageRepository(config.image.registry, config.app, binary)}:${tag}`,
        };
      });
  }
  return [];
}

/** Every replayed commit's committer time: the plans' dates come from it. */
const COMMIT_TIME = 1_700_000_000;

/** The git answers of a checkout, in the shape git-context.ts reads. */
function gitAnswer(checkout: Checkout, argv: string[]): string | undefined {
  if (argv[0] !== "git" && !argv.includes("git")) return undefined;
  if (argv.includes("--decorate-refs=HEAD"))
    return `${checkout.sha}\t${COMMIT_TIME}\t${checkout.branch ? `HEAD -> ${checkout.branch}` : "HEAD"}\n`;
  // The release notes' `rev-parse --verify <tag>^{commit}`: the checkout's commit.
  if (argv.includes("rev-parse")) return `${checkout.sha}\n`;
  if (argv.includes("for-each-ref"))
    return checkout.tags
      .map((t) =>
        t.annotated
          ? `${t.name}\ttag\t${t.commit.replace(/^./, "a")}\t${t.commit}\t\t${COMMIT_TIME}`
          : `${t.name}\tcommit\t${t.commit}\t\t${COMMIT_TIME}\t`,
      )
      .map((line) => `${line}\n`)
      .join("");
  if (argv.includes("rev-list")) return `${checkout.distance}\n`;
  return undefined;
}

/** The host name the module reaches the stand-in chart registry by (a made-up remote name, see network-guard.ts). */
export const CHART_REGISTRY_HOST = "charts.contract.test";

/**
 * pipeline.yaml with the chart registry moved to the stand-in: the module pushes the chart from
 * its own process over the network, and the sandbox reaches no registry on the internet.
 */
function pipelineYamlWith(chartRegistry: string): string {
  const doc = parseDocument(readFileSync(resolve(repoRoot, "pipeline.yaml"), "utf8"));
  doc.setIn(["chart", "registry"], `oci://${chartRegistry}/charts`);
  const insecure =
    (doc.getIn(["image", "insecureRegistries"]) as { toJSON(): string[] } | undefined)?.toJSON() ?? [];
  doc.setIn(["image", "insecureRegistries"], [...insecure, chartRegistry]);
  return doc.toString();
}

/** The chart .tgz a `helm package` argv makes, packaged for real by the host's helm, as base64. */
function packagedChart(config: PipelineConfig, helmPackage: readonly string[]): string {
  const helm = findTool("helm");
  if (!helm) throw new Error("helm is required to package the chart the module pushes");
  const dir = mkdtempSync(join(tmpdir(), "replay-chart-"));
  try {
    const version = flagValue(helmPackage, "--version")!;
    execFileSync(
      helm,
      [
        "package",
        resolve(repoRoot, config.chart.path),
        "--version",
        version,
        "--app-version",
        flagValue(helmPackage, "--app-version")!,
        "--destination",
        dir,
      ],
      { stdio: "ignore" },
    );
    return readFileSync(join(dir, `${config.app}-${version}.tgz`)).toString("base64");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a `run:` step in bash; returns its outputs. */
function runShell(script: string, env: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "replay-step-"));
  try {
    const output = join(dir, "output");
    writeFileSync(output, "");
    const result = spawnSync("bash", ["-eo", "pipefail", "-c", script], {
      env: {
        PATH: process.env.PATH,
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: join(dir, "summary"),
        ...env,
      },
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`exit ${result.status}: ${result.stderr.trim()}`);
    return Object.fromEntries(
      readFileSync(output, "utf8")
        .split("\n")
        .filter((l) => l.includes("="))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Replays the workflows an event starts (or `only` those files), in file order, sharing `ledger`
 * with earlier replays of the same run (a release, then its promotion to production).
 */
export async function replay(
  event: GithubEvent,
  functions: readonly RegisteredFunction[],
  options: {
    ledger?: LedgerEntry[];
    overrides?: Record<string, string>;
    only?: string[];
    /** Only these jobs (the others count as succeeded): a shorter replay for one question. */
    jobs?: string[];
    /** Loopback port of a real registry that stands in for the chart registry. */
    chartRegistryPort: number;
  },
): Promise<ReplayResult> {
  const config = loadConfig(resolve(repoRoot, "pipeline.yaml"));
  const chartRegistry = `${CHART_REGISTRY_HOST}:${options.chartRegistryPort}`;
  const pipelineYaml = pipelineYamlWith(chartRegistry);
  const workflows = readWorkflows(options.overrides);
  const ledger = options.ledger ?? [];
  const result: ReplayResult = {
    calls: [],
    ledger,
    failures: [],
    violations: [],
    cliCommands: [],
    cliVariables: [],
    cosignCommands: [],
    predicates: [],
    queries: [],
  };
  for (const file of workflowsFor(workflows, event).filter(
    (f) => !options.only || options.only.includes(f),
  )) {
    const workflow = workflows[file]!;
    const jobOutputs: Record<string, Record<string, string>> = {};
    const failedJobs = new Set<string>();
    for (const jobName of jobOrder(workflow.jobs)) {
      const job = workflow.jobs[jobName]!;
      const where = `${file} job ${jobName}`;
      if (options.jobs && !options.jobs.includes(jobName)) continue;
      if (needsOf(job).some((n) => failedJobs.has(n))) {
        failedJobs.add(jobName);
        result.failures.push(`${where}: skipped, a job it needs failed`);
        continue;
      }
      const matrices = Object.entries(job.strategy?.matrix ?? {});
      const variants: Record<string, string>[] = matrices.length
        ? matrices[0]![1].map((v) => ({ [matrices[0]![0]]: v }))
        : [{}];
      for (const matrix of variants) {
        const scope: Scope = { event, workflow: file, steps: {}, needs: jobOutputs, matrix, env: {} };
        scope.env = {
          ...runnerOidcEnv(job.permissions ?? workflow.permissions),
          ...evaluateAll(workflow.env, scope),
          ...evaluateAll(job.env, scope),
        };
        let checkout = event.checkout;
        try {
          for (const step of job.steps) {
            const env = { ...scope.env, ...evaluateAll(step.env, scope) };
            const label = `${where}${matrix.call ? ` (${matrix.call})` : ""}`;
            if (step.uses?.startsWith("actions/checkout@")) {
              const ref = step.with?.ref ? evaluate(String(step.with.ref), scope) : undefined;
              if (ref && !event.refs?.[ref]) throw new Error(`${label}: no checkout of ${ref} in this event`);
              checkout = ref ? event.refs![ref]! : event.checkout;
            } else if (step.uses?.startsWith("dagger/dagger-for-github@")) {
              const withs = evaluateAll(step.with, { ...scope, env });
              if ((withs.verb ?? "call") !== "call") continue;
              const secrets: Record<string, string> = {};
              const call = callArguments(withs.args ?? "", functions, env, secrets);
              result.calls.push(`${file} ${jobName}: ${call.fn}`);
              const seen = new Set<string>();
              const at = checkout;
              const run = await runModule(
                {
                  fn: call.fn,
                  args: call.args,
                  remoteHosts: { [CHART_REGISTRY_HOST]: options.chartRegistryPort },
                  answer: (chain) => {
                    const leaf = chain.at(-1)!;
                    const key = JSON.stringify(chain);
                    if (
                      leaf.field === "contents" &&
                      chain.some((s) => s.field === "file" && s.args.path === "pipeline.yaml")
                    )
                      return pipelineYaml;
                    if (leaf.field === "publish" && !seen.has(key)) {
                      seen.add(key);
                      ledger.push({
                        action: "published",
                        kind: "image",
                        ref: String(leaf.args.address),
                        where: `${label}: ${call.fn}`,
                      });
                      return undefined;
                    }
                    if (leaf.field !== "stdout" && leaf.field !== "sync") return undefined;
                    const argv = lastExec(chain);
                    const chart =
                      argv[0] === "base64"
                        ? new RegExp(`${config.app}-(.+)\\.tgz$`).exec(argv[1] ?? "")
                        : null;
                    if (chart && leaf.field === "stdout") {
                      // The module reads the packaged chart to push it from its own process.
                      const helmPackage = chain
                        .filter((s) => s.field === "withExec")
                        .map((s) => s.args.args as string[])
                        .find((a) => a[0] === "helm" && a[1] === "package");
                      if (!seen.has(key))
                        ledger.push({
                          action: "published",
                          kind: "chart",
                          ref: chart[1]!,
                          where: `${label}: ${call.fn}`,
                        });
                      seen.add(key);
                      return packagedChart(config, helmPackage ?? []);
                    }
                    if (!seen.has(key)) {
                      seen.add(key);
                      const cli = argv.findIndex((a) => a.endsWith("dist/bin/pipeline.js"));
                      if (cli >= 0) {
                        result.cliCommands.push(["pipeline", ...argv.slice(cli + 1)].join(" "));
                        result.cliVariables.push(
                          Object.fromEntries(
                            chain
                              .filter((s) => s.field === "withEnvVariable")
                              .map((s) => [String(s.args.name), String(s.args.value)]),
                          ),
                        );
                      }
                      // Keyless signing: cosign runs after its registry login, in one `sh -c`.
                      if (argv[0] === "sh" && argv[3] === "cosign") {
                        result.cosignCommands.push(["cosign", ...argv.slice(4)].join(" "));
                        const predicate = chain.find(
                          (s) => s.field === "withNewFile" && String(s.args.path).startsWith("/predicate/"),
                        );
                        if (predicate) result.predicates.push(JSON.parse(String(predicate.args.contents)));
                      }
                      for (const entry of ledgerOfExec(config, argv))
                        ledger.push({ ...entry, where: `${label}: ${call.fn}` });
                    }
                    return leaf.field === "stdout" ? gitAnswer(at, argv) : undefined;
                  },
                },
                secrets,
              );
              result.queries.push({
                call: `${file} ${jobName}: ${call.fn}`,
                queries: run.queries.length,
                gitReads: run.chains.filter((c) => c.at(-1)?.field === "stdout" && lastExec(c)[0] === "git")
                  .length,
              });
              const sent = run.queries.join("\n");
              for (const [name, value] of Object.entries(secrets))
                if (sent.includes(value))
                  throw new Error(`${label}: ${call.fn} sent the secret ${name} in a query`);
              if (run.error !== undefined || run.exitCode !== 0)
                throw new Error(
                  `${label}: dagger call ${call.fn} failed: ${run.error ?? run.stderr.slice(-2000)}`,
                );
              if (step.id)
                scope.steps[step.id] = { output: typeof run.returned === "string" ? run.returned : "" };
            } else if (step.run !== undefined) {
              // The GitHub API (gh) is not part of the run under test.
              if (/\bgh\s/.test(step.run)) continue;
              const outputs = runShell(evaluate(step.run, { ...scope, env }), env);
              if (step.id) scope.steps[step.id] = outputs;
            } else {
              throw new Error(
                `${label}: the replay does not know the action ${step.uses} (step ${step.id ?? step.name ?? "?"})`,
              );
            }
          }
          jobOutputs[jobName] = evaluateAll(job.outputs, scope);
        } catch (error) {
          failedJobs.add(jobName);
          result.failures.push(error instanceof Error ? error.message : String(error));
        }
      }
    }
  }
  result.violations = violations(ledger);
  return result;
}

/** Every consumed ref that was not published before it, in this ledger. */
export function violations(ledger: readonly LedgerEntry[]): string[] {
  return ledger.flatMap((entry, i) => {
    if (entry.action !== "consumed") return [];
    const published = ledger
      .slice(0, i)
      .some((e) => e.action === "published" && e.kind === entry.kind && e.ref === entry.ref);
    if (published) return [];
    const seen = ledger
      .filter((e) => e.action === "published" && e.kind === entry.kind)
      .map((e) => e.ref)
      .join(", ");
    return [
      `${entry.where} uses ${entry.kind} ${entry.ref}, never published before (published: ${seen || "nothing"})`,
    ];
  });
}
