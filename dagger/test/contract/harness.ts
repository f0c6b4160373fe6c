/**
 * Runs the module through the SDK's entrypoint against the recording engine: registration (no
 * parent) or one function call, and gives back every query the module sent.
 *
 * The module's process gets what the engine's TypeScript runtime container gives it, not the
 * host's: a PATH holding only node (the runtime image is node:24-alpine plus tsx: no git, helm,
 * docker, kubectl), an empty HOME (no ~/.docker/config.json, no ~/.gitconfig), no environment
 * beyond the session's, and no loopback but the engine's session port (network-guard.ts).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Answer, decodeId, encodeId, type Step, startRecordingEngine } from "./engine.js";
import { prepareModuleTree } from "./module-tree.js";

const dagger = resolve(import.meta.dirname, "../..");
const repoRoot = resolve(dagger, "..");

/** A function call to make. */
export interface Invocation {
  fn: string;
  args?: Record<string, unknown>;
  /** Scripted answers on top of the defaults below. */
  answer?: Answer;
  /**
   * Servers the module may reach as if they were remote: a made-up host name and the loopback port
   * it stands for (e.g. a test registry as `registry.contract.test`). Everything else on loopback is
   * refused, like the engine's own loopback.
   */
  remoteHosts?: Record<string, number>;
  /** Delay each engine answer (ms), to measure how many queries the function keeps in flight. */
  latencyMs?: number;
  /** Another module to run instead of dagger/src (a test fixture): its src folder and its name. */
  module?: { src: string; name: string };
  /** Moves the module process's wall clock (Date) by this much (clock-shift.ts). */
  clockOffsetMs?: number;
}

let sandbox: { bin: string; home: string } | undefined;

/** A bin folder holding only node, and an empty HOME, made once per test process. */
function moduleSandbox(): { bin: string; home: string } {
  if (sandbox) return sandbox;
  const root = mkdtempSync(join(tmpdir(), "pipeline-module-sandbox-"));
  sandbox = { bin: join(root, "bin"), home: join(root, "home") };
  mkdirSync(sandbox.bin);
  mkdirSync(sandbox.home);
  symlinkSync(process.execPath, join(sandbox.bin, "node"));
  process.once("exit", () => rmSync(root, { recursive: true, force: true }));
  return sandbox;
}

/** What a run sent and returned. */
export interface ModuleRun {
  queries: string[];
  /** Every chain the queries asked about (leaf included). */
  chains: Step[][];
  exitCode: number;
  stderr: string;
  /** The JSON the function returned (returnValue), if any. */
  returned?: unknown;
  /** The message of returnError, if the function failed. */
  error?: string;
  /** The most queries in flight at once. */
  maxInFlight: number;
}

/** The ID the tests pass as the module's source directory. */
export const SOURCE_ID = encodeId([
  { field: "host", args: {} },
  { field: "directory", args: { path: "/repo" } },
]);

/** A secret the engine knows by an opaque ID; plaintext() answers its value. */
export function secretId(name: string): string {
  return `secret:${name}`;
}

/** Every step of a chain and of the chains inside the IDs its arguments carry. */
function deepSteps(chain: Step[]): Step[] {
  return chain.flatMap((step) => [
    step,
    ...Object.values(step.args)
      .flatMap((v) => (Array.isArray(v) ? v : [v]))
      .filter((v): v is string => typeof v === "string" && v.startsWith("rec:"))
      .flatMap((id) => deepSteps(decodeId(id))),
  ]);
}

/** The committer time of the checkout's HEAD in the default git answers (2023-11-14T22:13:20Z). */
export const HEAD_COMMIT_TIME = 1_700_000_000;

const MANIFEST_DIGEST = `sha256:${"a".repeat(64)}`;
const CONFIG_DIGEST = `sha256:${"b".repeat(64)}`;

/** The platform of the engine the recording engine stands for, which has no emulation (binfmt) registered. */
export const ENGINE_PLATFORM = "linux/amd64";

/**
 * The platform a real engine writes into the config of the image `image` (a container's chain)
 * builds: the platform of its `container(platform:)` (`from` pulls that platform's variant of the
 * base); the engine's own for a container made without one, and for a dockerBuild whatever
 * platform it was asked for: on an engine without emulation, a dockerBuild of a `FROM scratch`
 * Dockerfile for linux/arm64 gave a config saying linux/amd64 (DAGGER-NOTES.md, seen 2026-12-07).
 */
export function builtPlatform(image: Step[]): string {
  if (image.some((s) => s.field === "dockerBuild")) return ENGINE_PLATFORM;
  const created = image.find((s) => s.field === "container");
  return typeof created?.args.platform === "string" ? created.args.platform : ENGINE_PLATFORM;
}

/**
 * The JSON of an image exported with asTarball and unpacked (module/images.ts configPlatform): index.json,
 * its manifest and the config, whose platform is `configPlatform(built)`, `built` being what a real
 * engine reports ({@link builtPlatform} of the exported container).
 */
export function ociLayoutAnswer(
  chain: Step[],
  configPlatform: (built: string) => string = (p) => p,
): unknown {
  const last = chain.at(-1)!;
  const file = chain.findLast((s) => s.field === "file")?.args.path;
  if (last.field !== "contents" || typeof file !== "string") return undefined;
  const tarball = deepSteps(chain)
    .map((s) => s.args.source)
    .find(
      (id): id is string =>
        typeof id === "string" && id.startsWith("rec:") && decodeId(id).at(-1)?.field === "asTarball",
    );
  if (!tarball) return undefined;
  if (file === "index.json")
    return JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: MANIFEST_DIGEST }],
    });
  if (file === `blobs/${MANIFEST_DIGEST.replace(":", "/")}`)
    return JSON.stringify({ schemaVersion: 2, config: { digest: CONFIG_DIGEST }, layers: [] });
  if (file === `blobs/${CONFIG_DIGEST.replace(":", "/")}`) {
    const [os, architecture, variant] = configPlatform(builtPlatform(decodeId(tarball))).split("/");
    return JSON.stringify({ os, architecture, ...(variant ? { variant } : {}), config: {} });
  }
  return undefined;
}

/** The files named `<name>` anywhere under `<folder>` of the repo: what Directory.glob answers for such a pattern. */
function repoGlob(pattern: string): string[] {
  const [folder = "", stars, name, ...rest] = pattern.split("/");
  if (stars !== "**" || !name || rest.length > 0 || !existsSync(resolve(repoRoot, folder))) return [];
  return (readdirSync(resolve(repoRoot, folder), { recursive: true }) as string[])
    .filter((f) => f.split("/").at(-1) === name)
    .map((f) => `${folder}/${f}`);
}

/** The repo's own answers: pipeline.yaml, the binaries, git output for the plan, exported images. */
export function repoAnswers(secrets: Record<string, string> = {}): Answer {
  const pipelineYaml = readFileSync(resolve(repoRoot, "pipeline.yaml"), "utf8");
  return (chain) => {
    const last = chain.at(-1)!;
    if (last.field === "plaintext") {
      const id = chain.find((s) => s.field === "#opaque")?.args.id;
      return typeof id === "string" && id.startsWith("secret:") ? secrets[id.slice(7)] : undefined;
    }
    if (last.field === "contents" && chain.some((s) => s.field === "file" && s.args.path === "pipeline.yaml"))
      return pipelineYaml;
    // The repo's own files, for Directory.exists on the source (chart-lint's values files).
    if (last.field === "exists") return existsSync(resolve(repoRoot, String(last.args.path)));
    // Config resolution's chart search (`<root>/**/Chart.yaml`), answered from the repo's own tree.
    if (last.field === "glob") return repoGlob(String(last.args.pattern));
    const layout = ociLayoutAnswer(chain);
    if (layout !== undefined) return layout;
    if (last.field === "entries" && chain.some((s) => s.field === "directory" && s.args.path === "src/cmd"))
      return ["api/", "migrator/", "worker/"];
    // The Go source's own entries, so the build and images stages see its migrations/ and assets/.
    if (last.field === "entries" && chain.at(-2)?.field === "directory" && chain.at(-2)?.args.path === "src")
      return readdirSync(resolve(repoRoot, "src"), { withFileTypes: true }).map((e) =>
        e.isDirectory() ? `${e.name}/` : e.name,
      );
    if (last.field === "stdout") {
      const exec = [...chain].reverse().find((s) => s.field === "withExec");
      const argv = (exec?.args.args as string[] | undefined) ?? [];
      // HEAD (sha, committer time, decoration) and the tags with their commits' times, as git-context.ts reads them.
      if (argv.includes("--decorate-refs=HEAD"))
        return `${"a1b2c3d".padEnd(40, "0")}\t${HEAD_COMMIT_TIME}\tHEAD -> main\n`;
      if (argv.includes("for-each-ref"))
        return `v1.2.3\ttag\t${"f".repeat(40)}\t${"e".repeat(40)}\t\t${HEAD_COMMIT_TIME - 86_400}\n`;
      if (argv.includes("rev-list")) return "5\n";
      // chart-lint's image-values probe: the chart shows each image at the repository and tag set.
      if (argv[1] === "template" && argv.includes("--set")) {
        const sets = argv.flatMap((a, i) => (argv[i - 1] === "--set" ? [a.split("=")] : []));
        const tags = sets.filter(([k]) => k!.endsWith(".tag")).map(([, v]) => v);
        return sets
          .filter(([k]) => k!.endsWith(".repository"))
          .map(([, v], i) => `image: ${v}:${tags[i]}\n`)
          .join("");
      }
      if (argv[0] === "go" && argv[1] === "tool")
        return "github.com/example/sample-app/internal/x.go:1:\tF\t100.0%\ntotal:\t\t(statements)\t72.5%\n";
    }
    return undefined;
  };
}

/** Runs one registration or invocation of the module. */
export async function runModule(
  invocation: Invocation | null,
  secrets: Record<string, string> = {},
): Promise<ModuleRun> {
  const args = Object.entries(invocation?.args ?? {});
  const base = repoAnswers(secrets);
  let returned: unknown;
  let error: string | undefined;
  const engine = await startRecordingEngine(
    (chain) => {
      const last = chain.at(-1)!;
      const inCall = chain[0]?.field === "currentFunctionCall";
      const moduleName = invocation?.module?.name ?? "pipeline";
      if (chain.length === 2 && chain[0]!.field === "currentModule" && last.field === "name")
        return moduleName;
      if (inCall && chain.length === 2) {
        if (last.field === "parentName")
          return invocation ? moduleName.charAt(0).toUpperCase() + moduleName.slice(1) : "";
        if (last.field === "name") return invocation?.fn ?? "";
        if (last.field === "parent") return JSON.stringify(invocation?.module ? {} : { source: SOURCE_ID });
        if (last.field === "inputArgs") return args.map((_, i) => ({ id: `arg:${i}` }));
        if (last.field === "returnValue") {
          returned = JSON.parse(String(last.args.value));
          return null;
        }
        if (last.field === "returnError") {
          const steps = decodeId(String(last.args.error));
          error = String(steps.find((s) => s.field === "error")?.args.message ?? "");
          return null;
        }
      }
      const opaque = chain[0]?.field === "#opaque" ? String(chain[0].args.id) : "";
      if (opaque.startsWith("arg:")) {
        const [name, value] = args[Number(opaque.slice(4))]!;
        if (last.field === "name") return name;
        if (last.field === "value") return JSON.stringify(value);
      }
      return invocation?.answer?.(chain) ?? base(chain);
    },
    { latencyMs: invocation?.latencyMs },
  );
  try {
    const tree = prepareModuleTree(invocation?.module?.src);
    const { bin, home } = moduleSandbox();
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--import",
        resolve(import.meta.dirname, "network-guard.ts"),
        ...(invocation?.clockOffsetMs ? ["--import", resolve(import.meta.dirname, "clock-shift.ts")] : []),
        resolve(import.meta.dirname, "run-entrypoint.ts"),
      ],
      {
        cwd: tree,
        // Nothing of the host's environment: no PATH to host tools, no tokens, no Docker config.
        env: {
          PATH: bin,
          HOME: home,
          TMPDIR: tmpdir(),
          MODULE_SRC: resolve(tree, "src"),
          DAGGER_SESSION_PORT: String(engine.port),
          DAGGER_SESSION_TOKEN: engine.token,
          OTEL_SDK_DISABLED: "true",
          PIPELINE_CONTRACT_HOSTS: JSON.stringify(invocation?.remoteHosts ?? {}),
          ...(invocation?.clockOffsetMs
            ? { PIPELINE_CONTRACT_CLOCK_OFFSET_MS: String(invocation.clockOffsetMs) }
            : {}),
        },
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", () => undefined);
    const exitCode = await new Promise<number>((r) => child.on("close", (code) => r(code ?? 1)));
    return {
      queries: [...engine.queries],
      chains: [...engine.chains],
      exitCode,
      stderr,
      returned,
      error,
      maxInFlight: engine.maxInFlight(),
    };
  } finally {
    await engine.close();
  }
}

/** Every step the run asked for: each chain, and every chain inside the IDs they pass (decoded, recursively). */
export function allSteps(run: ModuleRun): Step[] {
  const steps: Step[] = [];
  const seen = new Set<string>();
  const visitValue = (value: unknown): void => {
    if (typeof value === "string" && value.startsWith('"rec:')) visitValue(JSON.parse(value));
    else if (typeof value === "string" && value.startsWith("rec:") && !seen.has(value)) {
      seen.add(value);
      for (const step of decodeId(value)) visitStep(step);
    } else if (Array.isArray(value)) value.forEach(visitValue);
    else if (value && typeof value === "object") Object.values(value).forEach(visitValue);
  };
  const visitStep = (step: Step): void => {
    steps.push(step);
    visitValue(step.args);
  };
  for (const chain of run.chains) chain.forEach(visitStep);
  return steps;
}

/** The full chains (IDs expanded in place) that end in `leaf`, e.g. every container that was published. */
export function chainsEndingIn(run: ModuleRun, leaf: string): Step[][] {
  return run.chains.filter((c) => c.at(-1)?.field === leaf);
}
