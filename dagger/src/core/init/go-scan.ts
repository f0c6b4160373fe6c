/**
 * What `pipeline init` reads of the Go module: go.mod, the main packages (under cmd/ or anywhere
 * else, like GoReleaser's `main`), missing embeds, and the string variables a `-X` can set for
 * the version, commit and date.
 */
import { baseOf, dirOf, inside, type RepoListing, relative, skipped, wantsText } from "./listing.js";

export const BINARY_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+){0,31}$/;
export const VERSION_NAMES = [
  "version",
  "Version",
  "VERSION",
  "appVersion",
  "AppVersion",
  "gitVersion",
  "GitVersion",
];
export const COMMIT_NAMES = [
  "commit",
  "Commit",
  "COMMIT",
  "gitCommit",
  "GitCommit",
  "revision",
  "Revision",
  "REVISION",
  "gitSHA",
  "GitSHA",
  "sha",
];
export const DATE_NAMES = [
  "date",
  "Date",
  "DATE",
  "buildDate",
  "BuildDate",
  "BUILD_DATE",
  "buildTime",
  "BuildTime",
];
/** Shared version packages services import instead of declaring their own variables. */
export const KNOWN_VERSION_PACKAGES: readonly VersionVars[] = [
  { pkg: "github.com/prometheus/common/version", version: "Version", commit: "Revision", date: "BuildDate" },
];
/** Package folders that hold build information besides main. */
export const VERSION_PACKAGES = new Set(["version", "buildinfo", "build", "info", "meta", "versioninfo"]);

/** Go source with comments removed (strings are left alone: a `//` inside one is rare at the top of a file). */
export function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "");
}

/** The package a Go file declares, or null for a file excluded by `//go:build ignore`. */
export function packageOf(text: string): string | null {
  if (/^\/\/go:build\s+ignore\b/m.test(text)) return null;
  return /^\s*package\s+([A-Za-z_]\w*)/m.exec(stripComments(text))?.[1] ?? null;
}

/** The package-level string variables a file declares (`var version = "dev"`, `var ( commit string )`). */
export function stringVars(text: string): string[] {
  const code = stripComments(text);
  const names: string[] = [];
  const line = /^\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?:string\b|=\s*["`])/;
  for (const block of code.matchAll(/^var\s*\(([\s\S]*?)^\)/gm)) {
    for (const entry of block[1]!.split("\n")) {
      const m = line.exec(entry);
      if (m) names.push(...m[1]!.split(",").map((n) => n.trim()));
    }
  }
  for (const single of code.matchAll(
    /^var\s+([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?:string\b|=\s*["`])/gm,
  )) {
    names.push(...single[1]!.split(",").map((n) => n.trim()));
  }
  return [...new Set(names)];
}

export interface GoModule {
  dir: string;
  path: string;
  /** The Go the module asks for: its `toolchain` line's version, else its `go` line's (`1.24`, `1.24.2`). */
  goVersion: string | null;
}

/** The Go version a go.mod asks for: `toolchain go1.24.3` first (the exact one), else `go 1.24[.x]`. */
export function goModVersion(text: string): string | null {
  const toolchain = /^toolchain\s+go(\d+\.\d+(?:\.\d+)?)\s*(?:\/\/.*)?$/m.exec(text)?.[1];
  return toolchain ?? /^go\s+(\d+\.\d+(?:\.\d+)?)\s*(?:\/\/.*)?$/m.exec(text)?.[1] ?? null;
}

export function findModule(listing: RepoListing): GoModule | null {
  const mods = listing.files
    .filter((f) => baseOf(f) === "go.mod" && !skipped(f) && listing.texts[f] !== undefined)
    .sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b));
  const file = mods[0];
  if (!file) return null;
  const text = listing.texts[file]!;
  return {
    dir: dirOf(file),
    path: /^module\s+(\S+)/m.exec(text)?.[1]?.replace(/^"|"$/g, "") ?? "",
    goVersion: goModVersion(text),
  };
}

/** The Go files of the module at `dir` (not those of a nested module). */
export function moduleGoFiles(listing: RepoListing, dir: string): string[] {
  const nested = listing.files
    .filter((f) => baseOf(f) === "go.mod" && dirOf(f) !== dir && inside(dir, dirOf(f)))
    .map(dirOf);
  return listing.files.filter(
    (f) =>
      wantsText(f) &&
      f.endsWith(".go") &&
      inside(dir, f) &&
      listing.texts[f] !== undefined &&
      !nested.some((n) => inside(n, f)),
  );
}

export interface Binary {
  name: string;
  /** Folder relative to go.source (`cmd/api`, `.`). */
  rel: string;
}

export function findBinaries(
  listing: RepoListing,
  module: GoModule,
  app: string,
  findings: string[],
): Binary[] {
  const mains = new Set<string>();
  for (const file of moduleGoFiles(listing, module.dir)) {
    if (packageOf(listing.texts[file]!) === "main") mains.add(dirOf(file));
  }
  const binaries: Binary[] = [];
  for (const dir of [...mains].sort()) {
    const rel = relative(module.dir, dir);
    const name = rel === "." ? app : baseOf(dir);
    if (!BINARY_NAME.test(name)) {
      findings.push(
        `skipped main package ${dir}: its name ${JSON.stringify(name)} is not a binary name (lowercase, digits, . _ -)`,
      );
      continue;
    }
    if (binaries.some((b) => b.name === name)) {
      findings.push(`skipped main package ${dir}: another main package is already named ${name}`);
      continue;
    }
    binaries.push({ name, rel });
  }
  return binaries;
}

/** `//go:embed` patterns that match no file of the listing: generated assets a build needs first. */
export function missingEmbeds(listing: RepoListing, module: GoModule): { file: string; pattern: string }[] {
  const missing: { file: string; pattern: string }[] = [];
  for (const file of moduleGoFiles(listing, module.dir)) {
    for (const m of listing.texts[file]!.matchAll(/^\/\/go:embed\s+(.+)$/gm)) {
      for (const pattern of m[1]!.trim().split(/\s+/)) {
        // Globs are rare here; a plain path must be a file or a folder with files.
        if (/[*?[]/.test(pattern) || pattern.startsWith('"')) continue;
        const path = dirOf(file) === "." ? pattern : `${dirOf(file)}/${pattern.replace(/^all:/, "")}`;
        if (!listing.files.some((f) => f === path || f.startsWith(`${path}/`)))
          missing.push({ file, pattern });
      }
    }
  }
  return missing;
}

export interface VersionVars {
  pkg: string;
  version?: string;
  commit?: string;
  date?: string;
}

/** The `-X` targets: a version package's string variables if the module has one, else main's. */
export function findVersionVars(listing: RepoListing, module: GoModule): VersionVars | null {
  const byPackage = new Map<string, Set<string>>();
  for (const file of moduleGoFiles(listing, module.dir)) {
    const text = listing.texts[file]!;
    const pkg = packageOf(text);
    if (!pkg) continue;
    const dir = dirOf(file);
    const target =
      pkg === "main"
        ? "main"
        : VERSION_PACKAGES.has(baseOf(dir)) && module.path
          ? `${module.path}${relative(module.dir, dir) === "." ? "" : `/${relative(module.dir, dir)}`}`
          : null;
    if (!target) continue;
    const vars = byPackage.get(target) ?? new Set<string>();
    for (const name of stringVars(text)) vars.add(name);
    byPackage.set(target, vars);
  }
  const pick = (vars: Set<string>, names: string[]) => names.find((n) => vars.has(n));
  const candidates = [...byPackage.entries()]
    .map(([pkg, vars]) => ({
      pkg,
      version: pick(vars, VERSION_NAMES),
      commit: pick(vars, COMMIT_NAMES),
      date: pick(vars, DATE_NAMES),
    }))
    .filter((c) => c.version)
    // A shared version package serves every binary; main's variables only their own.
    .sort((a, b) => Number(a.pkg === "main") - Number(b.pkg === "main") || a.pkg.localeCompare(b.pkg));
  if (candidates[0]) return candidates[0];
  // No variable of its own: a version package it imports, whose variables are known.
  for (const file of moduleGoFiles(listing, module.dir)) {
    const text = listing.texts[file]!;
    if (packageOf(text) !== "main") continue;
    const known = KNOWN_VERSION_PACKAGES.find((k) => text.includes(`"${k.pkg}"`));
    if (known) return known;
  }
  return null;
}

/** The modules nested in `module` (a folder below it with its own go.mod), relative to its folder. */
export function nestedModules(listing: RepoListing, module: GoModule): string[] {
  return listing.files
    .filter((f) => baseOf(f) === "go.mod" && dirOf(f) !== module.dir && inside(module.dir, dirOf(f)))
    .map((f) => relative(module.dir, dirOf(f)))
    .sort();
}
