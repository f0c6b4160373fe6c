/**
 * `pipeline init`: decides a starting pipeline.yaml, workflows and environment files from a listing
 * of a repository (adapters/repo-scan.ts reads it). It finds the Go module (the go.mod nearest the
 * root), its main packages (under cmd/ or anywhere else, like GoReleaser's `main`), a Helm chart
 * under charts/, helm/ or deploy/ and the values keys holding its images, the default branch, and
 * the string variables a `-X` can set for the version, commit and date. Pure: data in, files out.
 */
import { parse, stringify } from "yaml";
import { isShippedChartFile, noChartReason } from "./chart-discovery.js";
import { initWorkflows } from "./init-workflows.js";

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
}

/** What `pipeline init` writes and what it found. */
export interface InitPlan {
  /** Files to write, repo-relative, pipeline.yaml first. */
  files: { path: string; text: string }[];
  /** What was detected or left to the user, one line each. */
  findings: string[];
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

/** Top-level folders of static files a server may read at run time. */
const STATIC_DIRS = ["ui", "web", "static", "public", "assets"];

/** The most bytes of one .go file the scan reads: package clauses and version vars sit near the top. */
export const GO_HEAD_BYTES = 16 * 1024;

const BINARY_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+){0,31}$/;
const VERSION_NAMES = [
  "version",
  "Version",
  "VERSION",
  "appVersion",
  "AppVersion",
  "gitVersion",
  "GitVersion",
];
const COMMIT_NAMES = [
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
const DATE_NAMES = ["date", "Date", "DATE", "buildDate", "BuildDate", "BUILD_DATE", "buildTime", "BuildTime"];
/** Shared version packages services import instead of declaring their own variables. */
const KNOWN_VERSION_PACKAGES: readonly VersionVars[] = [
  { pkg: "github.com/prometheus/common/version", version: "Version", commit: "Revision", date: "BuildDate" },
];
/** Package folders that hold build information besides main. */
const VERSION_PACKAGES = new Set(["version", "buildinfo", "build", "info", "meta", "versioninfo"]);

function skipped(path: string): boolean {
  return path
    .split("/")
    .some((part, i, parts) => i < parts.length - 1 && (SKIPPED_DIRS.has(part) || /^[._]/.test(part)));
}

/** True when the scan needs the file's text: go.mod, Chart.yaml, values.yaml and non-test .go files. */
export function wantsText(path: string): boolean {
  if (skipped(path)) return false;
  const base = path.slice(path.lastIndexOf("/") + 1);
  if (base === "go.mod" || base === "Chart.yaml" || base === "values.yaml") return true;
  return base.endsWith(".go") && !base.endsWith("_test.go");
}

function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : path.slice(0, i);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** `rel` relative to `dir` (both repo-relative, `.` the root). */
function relative(dir: string, path: string): string {
  if (dir === ".") return path;
  return path === dir ? "." : path.slice(dir.length + 1);
}

function inside(dir: string, path: string): boolean {
  return dir === "." || path === dir || path.startsWith(`${dir}/`);
}

/** A DNS label from any name: lowercase, `-` for anything else, at most 53 characters. */
function dnsName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 53)
    .replace(/-+$/, "");
  return cleaned || "app";
}

/** Go source with comments removed (strings are left alone: a `//` inside one is rare at the top of a file). */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "");
}

/** The package a Go file declares, or null for a file excluded by `//go:build ignore`. */
function packageOf(text: string): string | null {
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

/** An image a chart's values name: the key of the mapping and its `repository`. */
export interface ImageValues {
  key: string;
  repository: string;
}

/** The images of a chart's values: every mapping holding a `repository` string, by dotted key. */
export function imageValuesKeys(values: unknown, prefix = "", depth = 0): ImageValues[] {
  if (!values || typeof values !== "object" || Array.isArray(values) || depth > 3) return [];
  const record = values as Record<string, unknown>;
  if (prefix && typeof record.repository === "string")
    return [{ key: prefix, repository: record.repository }];
  return Object.entries(record).flatMap(([key, value]) =>
    /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)
      ? imageValuesKeys(value, prefix ? `${prefix}.${key}` : key, depth + 1)
      : [],
  );
}

interface GoModule {
  dir: string;
  path: string;
  goVersion: string | null;
}

function findModule(listing: RepoListing): GoModule | null {
  const mods = listing.files
    .filter((f) => baseOf(f) === "go.mod" && !skipped(f) && listing.texts[f] !== undefined)
    .sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b));
  const file = mods[0];
  if (!file) return null;
  const text = listing.texts[file]!;
  return {
    dir: dirOf(file),
    path: /^module\s+(\S+)/m.exec(text)?.[1]?.replace(/^"|"$/g, "") ?? "",
    goVersion: /^go\s+(\d+\.\d+)/m.exec(text)?.[1] ?? null,
  };
}

/** The Go files of the module at `dir` (not those of a nested module). */
function moduleGoFiles(listing: RepoListing, dir: string): string[] {
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

interface Binary {
  name: string;
  /** Folder relative to go.source (`cmd/api`, `.`). */
  rel: string;
}

function findBinaries(listing: RepoListing, module: GoModule, app: string, findings: string[]): Binary[] {
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
function missingEmbeds(listing: RepoListing, module: GoModule): { file: string; pattern: string }[] {
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

interface VersionVars {
  pkg: string;
  version?: string;
  commit?: string;
  date?: string;
}

/** The `-X` targets: a version package's string variables if the module has one, else main's. */
function findVersionVars(listing: RepoListing, module: GoModule): VersionVars | null {
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

interface Chart {
  path: string;
  name: string;
  images: ImageValues[];
}

/**
 * The chart's image keys that hold this repository's images: those whose repository names the app
 * or a binary (`ghcr.io/acme/shop`), not a dependency's (`docker.io/redis`); all of them when
 * none does.
 */
function ownImageKeys(images: readonly ImageValues[], app: string, binaries: readonly Binary[]): string[] {
  const names = [app, ...binaries.map((b) => b.name)];
  const own = images.filter((image) => {
    const last = image.repository.split("/").pop()!.split(/[:@]/)[0]!.toLowerCase();
    return names.some((name) => last.includes(name));
  });
  return (own.length ? own : images).map((image) => image.key);
}

function findChart(listing: RepoListing, app: string): Chart | null {
  // The charts config resolution would find (core/chart-discovery.ts), sub-charts excluded.
  const charts = listing.files
    .filter(isShippedChartFile)
    .map((f) => {
      let name = baseOf(dirOf(f));
      try {
        const meta = parse(listing.texts[f] ?? "") as { name?: unknown } | null;
        if (typeof meta?.name === "string") name = meta.name;
      } catch {
        // An unreadable Chart.yaml still names a chart folder; chart-lint will say what is wrong.
      }
      let images: ImageValues[] = [];
      try {
        images = imageValuesKeys(parse(listing.texts[`${dirOf(f)}/values.yaml`] ?? "{}"));
      } catch {
        images = [];
      }
      return { path: dirOf(f), name, images };
    })
    .sort((a, b) => Number(b.name === app) - Number(a.name === app) || a.path.localeCompare(b.path));
  return charts[0] ?? null;
}

/** ghcr.io/<owner> for a GitHub origin, else null. */
function githubOwner(originUrl: string | null): { owner: string; repo: string } | null {
  const m = /github\.com[/:]([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(originUrl ?? "");
  return m ? { owner: m[1]!.toLowerCase(), repo: m[2]! } : null;
}

function isBranchName(name: string): boolean {
  return /^[A-Za-z0-9._/-]{1,255}$/.test(name) && !name.startsWith("-") && !name.includes("..");
}

/** Decides the files `pipeline init` writes for `listing`; `module` is the `dagger -m` ref the workflows call. */
export function planInit(listing: RepoListing, options: { module: string; schema: string }): InitPlan {
  const findings: string[] = [];
  const module = findModule(listing);
  const app = dnsName(
    module?.path
      ? module.path
          .replace(/\/v\d+$/, "")
          .split("/")
          .pop()!
      : listing.name,
  );
  const config: Record<string, unknown> = { app };
  if (options.module && !options.module.startsWith("/")) config.module = options.module;
  const defaultBranch =
    listing.defaultBranch && isBranchName(listing.defaultBranch) ? listing.defaultBranch : "main";
  config.defaultBranch = defaultBranch;
  findings.push(
    `default branch: ${defaultBranch}${listing.defaultBranch ? "" : " (no origin/HEAD; assumed)"}`,
  );

  let binaries: Binary[] = [];
  if (!module) {
    findings.push("no go.mod found: set go.source to the folder of your Go module");
  } else {
    const go: Record<string, unknown> = { source: module.dir };
    binaries = findBinaries(listing, module, app, findings);
    const declared = binaries.filter((b) => b.rel !== `cmd/${b.name}`);
    if (declared.length) {
      go.binaries = Object.fromEntries(
        declared.map((b) => [b.name, { main: b.rel === "." ? "./" : `./${b.rel}` }]),
      );
    }
    findings.push(
      `Go module ${module.path || "(unnamed)"} in ${module.dir}: binaries ${binaries.map((b) => `${b.name} (${b.rel === "." ? "./" : `./${b.rel}`})`).join(", ") || "none"}`,
    );
    for (const missing of missingEmbeds(listing, module)) {
      findings.push(
        `${missing.file} embeds ${missing.pattern}, which isn't in the repository: it is built, not committed, so build it before go build (e.g. in CI before the pipeline)`,
      );
    }
    const vars = findVersionVars(listing, module);
    if (!vars) {
      findings.push(
        "no version variable found: add `var version, commit string` to package main so binaries report their version",
      );
    } else {
      const x = (name: string | undefined, field: string) =>
        name ? [`-X ${vars.pkg}.${name}={{.${field}}}`] : [];
      const flags = [...x(vars.version, "Version"), ...x(vars.commit, "Commit"), ...x(vars.date, "Date")];
      const isDefault =
        vars.pkg === "main" && vars.version === "version" && vars.commit === "commit" && !vars.date;
      if (!isDefault) go.ldflags = ["-s -w", ...flags].join(" ");
      findings.push(`version variables: ${flags.join(" ")}`);
    }
    config.go = go;
  }

  const owner = githubOwner(listing.originUrl);
  const image: Record<string, unknown> = {};
  if (owner) image.registry = `ghcr.io/${owner.owner}`;
  if (Object.keys(image).length) config.image = image;

  const chart = findChart(listing, app);
  const images = imagesFor(app, binaries, chart, listing, findings);
  if (images) config.images = images;
  if (chart) {
    config.chart = {
      path: chart.path,
      ...(owner ? { registry: `oci://ghcr.io/${owner.owner}/charts` } : {}),
    };
    findings.push(
      `chart ${chart.name} in ${chart.path}: image values ${chart.images.map((i) => i.key).join(", ") || "none found"}`,
    );
  } else {
    findings.push(`${noChartReason()}: add one and set chart.path`);
  }

  config.environments = { staging: {}, uat: {}, prod: { promotion: "manual", verify: true } };
  config.gitops = { repo: "" };
  findings.push("gitops.repo is empty: set it to the repository Argo CD syncs from before promoting");
  if (owner) config.source = { url: `https://github.com/${owner.owner}/${owner.repo}` };

  const files = [
    { path: "pipeline.yaml", text: configText(config, options.schema) },
    ...Object.keys(config.environments as object).map((env) => ({
      path: `environments/${env}/values.yaml`,
      text: `# ${env} overrides of the chart's values.yaml; chart-lint renders the chart with them.\n# Promotion writes the image tags into the gitops repository's copy, not here.\n{}\n`,
    })),
    ...initWorkflows(options.module, defaultBranch),
  ];
  return { files, findings };
}

/**
 * The `images:` section: one image with every binary (on PATH) when the chart reads one image key,
 * one image per binary when the keys name the binaries, a Dockerfile build when there are no
 * binaries; nothing when the defaults (`images.<binary>`) already fit.
 */
function imagesFor(
  app: string,
  binaries: readonly Binary[],
  chart: Chart | null,
  listing: RepoListing,
  findings: string[],
): Record<string, unknown> | undefined {
  const keys = ownImageKeys(chart?.images ?? [], app, binaries);
  if (binaries.length === 0) {
    const dockerfile = ["Dockerfile", "build/Dockerfile", "docker/Dockerfile"].find((f) =>
      listing.files.includes(f),
    );
    if (!dockerfile) return undefined;
    findings.push(`no Go main package: building ${dockerfile} instead`);
    return { [app]: { dockerfile, context: ".", ...(keys.length === 1 ? { values: keys[0] } : {}) } };
  }
  if (keys.length > 0 && binaries.every((b) => keys.includes(`images.${b.name}`))) return undefined;
  if (keys.length === 1) {
    const primary =
      binaries.find((b) => b.name === app) ?? binaries.find((b) => b.name === "server") ?? binaries[0]!;
    const ordered = [primary, ...binaries.filter((b) => b !== primary)];
    // Static folders a server commonly reads from its working directory (/app) at run time.
    const statics = STATIC_DIRS.filter((d) =>
      listing.files.some((f) => f.startsWith(`${d}/`) && !f.endsWith(".go")),
    );
    findings.push(
      `one image ${app} with ${ordered.map((b) => b.name).join(", ")} on PATH, values ${keys[0]}${statics.length ? `, ${statics.join(", ")} copied to /app` : ""}`,
    );
    return {
      [app]: {
        binaries: Object.fromEntries(ordered.map((b) => [b.name, `/usr/local/bin/${b.name}`])),
        ...(statics.length ? { files: Object.fromEntries(statics.map((d) => [d, `/app/${d}`])) } : {}),
        entrypoint: [`/usr/local/bin/${primary.name}`],
        values: keys[0],
      },
    };
  }
  const matched = binaries.map((b) => ({ b, key: keys.find((k) => k.split(".").includes(b.name)) }));
  if (keys.length > 1 && matched.every((m) => m.key)) {
    return Object.fromEntries(
      matched.map(({ b, key }) => [
        `${app}-${b.name}`,
        { binaries: { [b.name]: `/app/${b.name}` }, values: key },
      ]),
    );
  }
  if (keys.length) {
    findings.push(
      `the chart's image keys (${keys.join(", ")}) don't name the binaries: set images.<name>.values for each image`,
    );
  }
  return undefined;
}

/**
 * Where an editor finds pipeline.yaml's JSON Schema: the file at the module's git ref on GitHub,
 * else `localSchema` (the copy beside a local module).
 */
export function schemaLocation(module: string, localSchema: string): string {
  const m = /^github\.com\/([^/@]+)\/([^/@]+)@([^/\s]+)$/.exec(module);
  return m ? `https://raw.githubusercontent.com/${m[1]}/${m[2]}/${m[3]}/pipeline.schema.json` : localSchema;
}

function configText(config: Record<string, unknown>, schema: string): string {
  return [
    `# yaml-language-server: $schema=${schema}`,
    "# Written by `pipeline init`: check it, then run `pipeline config check`. Every key: docs/config.md.",
    stringify(config, { lineWidth: 0 }),
  ].join("\n");
}
