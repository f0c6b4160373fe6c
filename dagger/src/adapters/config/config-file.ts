/**
 * Reads pipeline.yaml and the Go binaries it builds from disk, then hands both to the pure
 * resolver. The Dagger module and the CLI both load config through here. Nothing is read before it
 * is checked: the file must be a regular file in the repo, and go.source a path inside it.
 */
import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { type ChartFacts, kubeVersionOf } from "../../core/chart/discovery.js";
import { type PipelineConfig, resolveConfig } from "../../core/config/config.js";
import { parseYamlInput } from "../../core/config/yaml-input.js";
import { UsageError } from "../../core/errors.js";
import { isInside, relativePathProblem, safeEcho } from "../../core/validate.js";
import { findChartDirs } from "../init/repo-scan.js";
import { readInputFile } from "../input-file.js";
import { detectDefaultBranch } from "../release/default-branch.js";

/** The config file name, at the repo root. */
export const CONFIG_FILE = "pipeline.yaml";

/** The largest pipeline.yaml accepted (a real one is a few KB). */
export const MAX_CONFIG_BYTES = 256 * 1024;

/**
 * Parses YAML text of a config file; a syntax error becomes a {@link UsageError} naming the file,
 * line and column, and too many aliases (a "billion laughs" file) a one-line usage error.
 */
export function parseConfigText(text: string, file: string): unknown {
  // The module reads the file through the engine, not readInputFile: cap it here too.
  if (text.length > MAX_CONFIG_BYTES) {
    throw new UsageError(
      `${file}: is larger than the ${MAX_CONFIG_BYTES} bytes allowed (a real one is a few KB)`,
    );
  }
  return parseYamlInput(text, file, 'fix the syntax, e.g. "app: sample-app"');
}

/**
 * Lists the binaries of a Go module: the directories under `<goSource>/cmd` that hold a .go file.
 * `cmd` must be a directory inside the repo; a dangling symlink is a usage error naming it. The
 * names themselves are checked by the resolver, for both shells.
 */
export function discoverBinaries(repoRoot: string, goSource: string): string[] {
  const cmdRel = `${goSource.replace(/\/+$/, "")}/cmd`;
  const cmd = join(repoRoot, goSource, "cmd");
  if (!existsSync(cmd)) {
    try {
      lstatSync(cmd);
    } catch {
      return [];
    }
    throw new UsageError(`${cmdRel}: is a symlink to nothing (make it a folder with one folder per binary)`);
  }
  const realRoot = realpathSync(repoRoot);
  if (!isInside(realRoot, realpathSync(cmd))) {
    throw new UsageError(
      `${cmdRel}: leaves the repository through a symlink; refused (make it a plain folder)`,
    );
  }
  if (!statSync(cmd).isDirectory()) {
    throw new UsageError(`${cmdRel}: is a file, not a folder (go.source must hold cmd/<binary>/main.go)`);
  }
  const binaries: string[] = [];
  for (const name of readdirSync(cmd)) {
    const dir = join(cmd, name);
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      throw new UsageError(`${cmdRel}/${safeEcho(name).slice(1, -1)}: is a symlink to nothing (remove it)`);
    }
    if (!isInside(realRoot, real)) {
      throw new UsageError(
        `${cmdRel}/${safeEcho(name).slice(1, -1)}: leaves the repository through a symlink; refused (make it a plain folder)`,
      );
    }
    if (!statSync(real).isDirectory()) continue;
    if (!readdirSync(real).some((f) => f.endsWith(".go"))) continue;
    binaries.push(name);
  }
  return binaries.sort();
}

function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Finds the repo root: the nearest directory at or above `start` holding pipeline.yaml. */
export function findRepoRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    // lstat, not exists: a dangling or hostile link here is this repo's config (and is refused
    // when read), not a reason to climb to some parent's pipeline.yaml.
    if (present(join(dir, CONFIG_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new UsageError(
        `no ${CONFIG_FILE} found in ${safeEcho(resolve(start), 200)} or any parent directory (run from the repo, or pass --config path/to/${CONFIG_FILE})`,
      );
    }
    dir = parent;
  }
}

/**
 * The Go source directory a parsed (not yet validated) config names, so binaries can be listed
 * before validation. The path itself is checked here, before anything is read from it.
 */
export function goSourceOf(raw: unknown, file = CONFIG_FILE): string {
  const go =
    raw && typeof raw === "object" && Object.hasOwn(raw, "go") ? (raw as { go: unknown }).go : undefined;
  const source =
    go && typeof go === "object" && Object.hasOwn(go, "source")
      ? (go as { source: unknown }).source
      : undefined;
  if (source === undefined || source === null) return "src";
  const problem = relativePathProblem(source);
  if (problem) throw new UsageError(`${file}: go.source: ${safeEcho(source)} ${problem} (example: src)`);
  return source as string;
}

/**
 * The chart folder a parsed (not yet validated) config names, when it is a safe relative path;
 * undefined otherwise (a bad one is reported by the schema, with every other problem).
 */
export function chartPathOf(raw: unknown): string | undefined {
  const chart =
    raw && typeof raw === "object" && Object.hasOwn(raw, "chart")
      ? (raw as { chart: unknown }).chart
      : undefined;
  const path =
    chart && typeof chart === "object" && Object.hasOwn(chart, "path")
      ? (chart as { path: unknown }).path
      : undefined;
  return typeof path === "string" && relativePathProblem(path) === null ? path : undefined;
}

/**
 * The chart folders to read: the one pipeline.yaml names, else those `found` under the chart
 * roots (the resolver picks among them, core/chart/discovery.ts). `found` is only asked for when
 * needed, since listing costs a walk (CLI) or a query (module).
 */
export function chartCandidates(raw: unknown, found: () => string[]): string[];
export function chartCandidates(raw: unknown, found: () => Promise<string[]>): Promise<string[]>;
export function chartCandidates(
  raw: unknown,
  found: () => string[] | Promise<string[]>,
): string[] | Promise<string[]> {
  const named = chartPathOf(raw);
  return named !== undefined ? [named] : found();
}

/** A chart's facts from its Chart.yaml text (null: unreadable; chart-lint will say what is wrong). */
export function chartFactsOf(path: string, chartYaml: string | null): ChartFacts {
  let kubeVersion: string | null = null;
  let version: string | null = null;
  try {
    const meta = chartYaml ? parseYamlInput(chartYaml, `${path}/Chart.yaml`, "") : null;
    kubeVersion = kubeVersionOf(meta);
    const own = (meta as { version?: unknown } | null)?.version;
    // YAML reads `version: 2.7` as a number; Helm takes it as the string it was written as.
    if (typeof own === "string" || typeof own === "number") version = String(own);
  } catch {
    // A broken Chart.yaml has no kubeVersion or version to offer; chart-lint reports it.
  }
  return { path, kubeVersion, version };
}

/** Reads each candidate chart's Chart.yaml in the repo at `root` (regular files inside it only). */
function readChartFacts(root: string, raw: unknown): ChartFacts[] {
  return chartCandidates(raw, () => findChartDirs(root)).map((path) => {
    const file = join(root, path, "Chart.yaml");
    let text: string | null = null;
    try {
      text = readInputFile(file, { root, maxBytes: MAX_CONFIG_BYTES, label: file, hint: "" });
    } catch {
      text = null;
    }
    return chartFactsOf(path, text);
  });
}

/** Loads, validates and resolves the config at `file` (its directory is the repo root). */
export function loadConfig(file: string): PipelineConfig {
  const root = dirname(resolve(file));
  const text = readInputFile(file, {
    root,
    maxBytes: MAX_CONFIG_BYTES,
    label: file,
    hint: 'make it a regular file in the repository with at least "app: <name>", see docs/config.md',
  });
  const raw = parseConfigText(text, file);
  const goSource = goSourceOf(raw, file);
  return resolveConfig(raw, file, discoverBinaries(root, goSource), {
    defaultBranch: detectDefaultBranch(root),
    charts: readChartFacts(root, raw),
  });
}
