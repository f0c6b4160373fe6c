/**
 * A repository as `pipeline init` sees it: the listing adapters/init/repo-scan.ts reads, which
 * files the scan needs the text of, and path helpers over `/`-separated repo-relative paths.
 */

import { inPinFolder } from "../go/lint-version.js";

/** What the adapter read of a repository. */
export interface RepoListing {
  /** The repository folder's name (the app name when go.mod gives none). */
  name: string;
  /** Repo-relative file paths, `/`-separated, without .git, vendor and dependency folders. */
  files: readonly string[];
  /** The text of every file {@link wantsText} asked for (a .go file: its first 16 KB). */
  texts: Readonly<Record<string, string>>;
  /** The branch origin/HEAD points to (else the checked-out branch), or null. */
  defaultBranch: string | null;
  /** origin's URL without credentials, or null. */
  originUrl: string | null;
  /** Every tag of the repository (none when it has none or is no git repository). */
  tags?: readonly string[];
}

/** Folders never searched: dependencies, fixtures, examples, generated output. */
const SKIPPED_DIRS = new Set([
  "vendor",
  "node_modules",
  "testdata",
  "examples",
  "example",
  "_examples",
  "hack",
  "e2e",
  "third_party",
  "dist",
  ".out",
  "docs",
]);

/** The most bytes of one .go file the scan reads: package clauses and version vars sit near the top. */
export const GO_HEAD_BYTES = 16 * 1024;

export function skipped(path: string): boolean {
  return path
    .split("/")
    .some((part, i, parts) => i < parts.length - 1 && (SKIPPED_DIRS.has(part) || /^[._]/.test(part)));
}

/** Files whose text the scan reads wherever they are (outside the skipped folders). */
const TEXT_FILES = new Set([
  "Chart.yaml",
  "values.yaml",
  "values.schema.json",
  "Makefile",
  "makefile",
  "GNUmakefile",
  ".goreleaser.yaml",
  ".goreleaser.yml",
  ".tool-versions",
]);

/**
 * True when the scan needs the file's text: every go.mod (a tools module under hack/ may pin
 * golangci-lint), the workflows and install scripts that may pin it too, and outside the skipped folders
 * charts' files (Chart.yaml, values, CRDs, templates and their .tpl helpers), Makefiles, GoReleaser's config and
 * non-test .go files.
 */
export function wantsText(path: string): boolean {
  const base = path.slice(path.lastIndexOf("/") + 1);
  if (base === "go.mod" || inPinFolder(path)) return true;
  if (skipped(path)) return false;
  if (TEXT_FILES.has(base) || base.endsWith(".mk")) return true;
  if (/\.ya?ml$/.test(base) && path.split("/").some((p) => p === "crds" || p === "templates")) return true;
  if (base.endsWith(".tpl") && path.split("/").includes("templates")) return true;
  return base.endsWith(".go") && !base.endsWith("_test.go");
}

export function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : path.slice(0, i);
}

export function baseOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** `rel` relative to `dir` (both repo-relative, `.` the root). */
export function relative(dir: string, path: string): string {
  if (dir === ".") return path;
  return path === dir ? "." : path.slice(dir.length + 1);
}

export function inside(dir: string, path: string): boolean {
  return dir === "." || path === dir || path.startsWith(`${dir}/`);
}
