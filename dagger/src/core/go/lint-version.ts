/**
 * Which golangci-lint the lint stage runs: `lint.golangciLint.version` when pipeline.yaml sets it,
 * else the version the repository pins for itself, else the pipeline's own pin. A repository pins
 * it in its Makefile (`GOLANGCI_LINT_VERSION ?= v2.1.6`, `go install .../golangci-lint@v2.1.6`), an
 * install script under scripts/ or hack/, a tools go.mod (`require
 * github.com/golangci/golangci-lint/v2 v2.1.6`), `.tool-versions`, or the golangci-lint-action's
 * `version:` in its workflows. `.golangci.yml`'s `version: "2"` is the config's format, not the
 * linter's version, and is never read as one.
 */
import { parse } from "yaml";

/** The golangci-lint the pipeline runs when neither pipeline.yaml nor the repository says. */
export const DEFAULT_GOLANGCI_LINT_VERSION = "v2.15.0";

/** A golangci-lint version as its image tags and releases spell it: `v2.1.6` or `v2.1`. */
export const GOLANGCI_LINT_VERSION = /^v\d+\.\d+(?:\.\d+)?$/;

/** Files that can pin golangci-lint, repo-relative (the workflows are listed by the caller). */
const PIN_FILES = [
  "Makefile",
  "makefile",
  "GNUmakefile",
  ".tool-versions",
  "go.mod",
  "tools/go.mod",
  "hack/tools/go.mod",
  "internal/tools/go.mod",
  "build/tools/go.mod",
] as const;

/**
 * Folders whose files can pin it too, each listed (not walked) with the files' pattern: the
 * workflows, and install scripts (`scripts/install-tools.sh`: `GOLANG_CI_LINTER_VERSION=v2.11.4`).
 */
export const PIN_FOLDERS: readonly { dir: string; files: RegExp }[] = [
  { dir: ".github/workflows", files: /^[^/]+\.ya?ml$/ },
  { dir: "scripts", files: /^[^/]+\.sh$/ },
  { dir: "hack", files: /^[^/]+\.sh$/ },
];

/** True when `path` (repo-relative) is a file of one of the {@link PIN_FOLDERS}. */
export function inPinFolder(path: string): boolean {
  return PIN_FOLDERS.some((f) => path.startsWith(`${f.dir}/`) && f.files.test(path.slice(f.dir.length + 1)));
}

/** The files {@link repositoryLintPin} reads, at the repo root and in `goSource`, without repeats. */
export function pinFiles(goSource: string): string[] {
  const base = goSource.replace(/^\.\/?/, "").replace(/\/+$/, "");
  const inSource = base ? PIN_FILES.map((f) => `${base}/${f}`) : [];
  return [...new Set([...PIN_FILES, ...inSource])];
}

/** A repository's pin: the version and the file that says it. */
export interface LintPin {
  version: string;
  from: string;
}

const withV = (v: string) => (v.startsWith("v") ? v : `v${v}`);
const VERSION = String.raw`v?\d+\.\d+(?:\.\d+)?`;

/**
 * The version a Makefile or install script pins: a version variable (`GOLANGCI_LINT_VERSION ?=`,
 * `GOLANG_CI_LINTER_VERSION=`), or a `go install ...@v` / install-script line.
 */
function makefilePin(text: string): string | null {
  const variable = new RegExp(
    String.raw`^\s*(?:export\s+|readonly\s+)?GOLANG_?CI(?:_?LINT(?:ER)?)?_VERSION\s*[:?]?=\s*["']?(${VERSION})["']?\s*$`,
    "m",
  ).exec(text);
  if (variable) return withV(variable[1]!);
  const install = new RegExp(String.raw`golangci-lint(?:/v\d)?(?:/cmd/golangci-lint)?@(${VERSION})\b`).exec(
    text,
  );
  if (install) return withV(install[1]!);
  const script = /golangci-lint\/[^\s]*install\.sh[^\n]*?\s(v\d+\.\d+\.\d+)\b/.exec(text);
  return script ? script[1]! : null;
}

/** The version a go.mod requires (`github.com/golangci/golangci-lint[/v2] v2.1.6`). */
function goModPin(text: string): string | null {
  const m = /^\s*(?:require\s+)?github\.com\/golangci\/golangci-lint(?:\/v\d+)?\s+(v\d+\.\d+\.\d+)\b/m.exec(
    text,
  );
  return m ? m[1]! : null;
}

/** The version asdf's or mise's `.tool-versions` names. */
function toolVersionsPin(text: string): string | null {
  const m = new RegExp(String.raw`^golangci-lint\s+(${VERSION})\s*$`, "m").exec(text);
  return m ? withV(m[1]!) : null;
}

/** The `version:` of golangci-lint-action steps in a workflow (`latest` and expressions are no pin). */
function workflowPin(text: string): string | null {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 50 });
  } catch {
    return null;
  }
  const jobs = (doc as { jobs?: unknown } | null)?.jobs;
  if (!jobs || typeof jobs !== "object") return null;
  for (const job of Object.values(jobs as Record<string, unknown>)) {
    const steps = (job as { steps?: unknown } | null)?.steps;
    if (!Array.isArray(steps)) continue;
    for (const step of steps as { uses?: unknown; with?: { version?: unknown } }[]) {
      if (typeof step?.uses !== "string" || !step.uses.startsWith("golangci/golangci-lint-action@")) continue;
      const version = step.with?.version;
      if (typeof version === "string" && new RegExp(`^${VERSION}$`).test(version)) return withV(version);
    }
  }
  return null;
}

/**
 * The version the repository pins, from the first of `files` (repo-relative path and text) that
 * pins one: Makefiles, then go.mod files, then `.tool-versions`, then workflows. Null: no pin.
 */
export function repositoryLintPin(files: readonly { path: string; text: string }[]): LintPin | null {
  const readers: [RegExp, (text: string) => string | null][] = [
    [/(^|\/)(GNUmakefile|[Mm]akefile|[^/]+\.mk)$/, makefilePin],
    [/^(scripts|hack)\/[^/]+\.sh$/, makefilePin],
    [/(^|\/)go\.mod$/, goModPin],
    [/(^|\/)\.tool-versions$/, toolVersionsPin],
    [/^\.github\/workflows\/[^/]+\.ya?ml$/, workflowPin],
  ];
  for (const [pattern, read] of readers) {
    for (const file of files) {
      if (!pattern.test(file.path)) continue;
      const version = read(file.text);
      if (version && GOLANGCI_LINT_VERSION.test(version)) return { version, from: file.path };
    }
  }
  return null;
}

/** The golangci-lint version lint runs, and why: configured, the repository's pin, or the default. */
export function golangciLintVersion(
  configured: string,
  pin: LintPin | null,
): { version: string; source: string } {
  if (configured) return { version: configured, source: "lint.golangciLint.version" };
  if (pin) return { version: pin.version, source: pin.from };
  return { version: DEFAULT_GOLANGCI_LINT_VERSION, source: "the pipeline's default" };
}

/** The version a `golangci-lint version` output reports (`... has version 2.1.6 built ...`), with a v. */
export function reportedLintVersion(output: string): string | null {
  const m = /version\s+v?(\d+\.\d+\.\d+)/.exec(output);
  return m ? `v${m[1]}` : null;
}

/** True when `reported` (v2.1.6) is `wanted` (v2.1.6, or the v2.1 line). */
export function sameLintVersion(reported: string, wanted: string): boolean {
  return reported === wanted || reported.startsWith(`${wanted}.`);
}
