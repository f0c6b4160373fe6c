/**
 * Reads pipeline.yaml and the Go binaries it builds from disk, then hands both to the pure
 * resolver. The Dagger module and the CLI both load config through here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { type PipelineConfig, resolveConfig } from "../core/config.js";
import { UsageError } from "../core/errors.js";

/** The config file name, at the repo root. */
export const CONFIG_FILE = "pipeline.yaml";

/**
 * Parses YAML text of a config file; a syntax error becomes a {@link UsageError} naming the file,
 * line and column.
 */
export function parseConfigText(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const where = first.linePos?.[0] ? `:${first.linePos[0].line}:${first.linePos[0].col}` : "";
    throw new UsageError(
      `${file}${where}: not valid YAML: ${first.message.split("\n")[0]} (fix the syntax, e.g. "app: sample-app")`,
    );
  }
  return doc.toJS();
}

/** Lists the binaries of a Go module: the directories under `<goSource>/cmd` that hold a .go file. */
export function discoverBinaries(repoRoot: string, goSource: string): string[] {
  const cmd = join(repoRoot, goSource, "cmd");
  if (!existsSync(cmd)) return [];
  return readdirSync(cmd)
    .filter((name) => {
      const dir = join(cmd, name);
      return statSync(dir).isDirectory() && readdirSync(dir).some((f) => f.endsWith(".go"));
    })
    .sort();
}

/** Finds the repo root: the nearest directory at or above `start` holding pipeline.yaml. */
export function findRepoRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, CONFIG_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new UsageError(
        `no ${CONFIG_FILE} found in ${resolve(start)} or any parent directory (run from the repo, or pass --config path/to/${CONFIG_FILE})`,
      );
    }
    dir = parent;
  }
}

/**
 * The Go source directory a parsed (not yet validated) config names, so binaries can be listed
 * before validation; validation then reports any problem with the key itself.
 */
export function goSourceOf(raw: unknown): string {
  const go = raw && typeof raw === "object" && "go" in raw ? raw.go : undefined;
  return go && typeof go === "object" && "source" in go && typeof go.source === "string" ? go.source : "src";
}

/** Loads, validates and resolves the config at `file` (its directory is the repo root). */
export function loadConfig(file: string): PipelineConfig {
  if (!existsSync(file)) {
    throw new UsageError(
      `${file}: file not found (create it with at least "app: <name>", see docs/config.md)`,
    );
  }
  const raw = parseConfigText(readFileSync(file, "utf8"), file);
  const root = dirname(resolve(file));
  const goSource = goSourceOf(raw);
  return resolveConfig(raw, file, discoverBinaries(root, goSource));
}
