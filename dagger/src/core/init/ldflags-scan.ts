/**
 * The `-X` flags a repository's own release tooling sets: its Makefile(s) and `.goreleaser.yaml`
 * name the version, commit and date variables wherever they live (`pkg/version.Version`,
 * `internal/build.GitCommit`), so init takes them from there before guessing from the Go source.
 */
import { parse } from "yaml";
import type { GoModule } from "./go-scan.js";
import { COMMIT_NAMES, DATE_NAMES, moduleGoFiles, packageOf, stringVars, VERSION_NAMES } from "./go-scan.js";
import { dirOf, type RepoListing, relative } from "./listing.js";
import { expandMake, isMakefile, logicalLines, makeVariables } from "./makefile.js";

/** What a `-X` value stands for: the pipeline fills `{{.<field>}}`. */
export type StampField = "Version" | "Commit" | "ShortCommit" | "Date";

/** One `-X <package>.<variable>` the repository sets, and what it sets it to. */
export interface XFlag {
  /** `github.com/acme/app/pkg/version.Version`, `main.version`. */
  target: string;
  field: StampField;
  /** Where it was read (`Makefile`, `.goreleaser.yaml`). */
  from: string;
}

/**
 * `-X pkg.Var=value`, `-X=pkg.Var=value`, `-X 'pkg.Var=value'`: the target and the value's text
 * (a template `{{ .Version }}`, a Make variable `$(VERSION)`, a shell call `$(shell ...)`).
 */
const X_FLAG =
  /-X[= ]\s*['"]?([^\s'"=]+)\.([A-Za-z_]\w*)=((?:\{\{[^}]*\}\}|\$\((?:[^()]|\([^()]*\))*\)|\$\{[^}]*\}|[^\s'"$])*)/g;

const lower = (names: readonly string[]) => names.map((n) => n.toLowerCase());

/** The field a variable is for, by its name first (`GitCommit`), else by what it is set to. */
export function stampField(name: string, value: string): StampField | null {
  const n = name.toLowerCase();
  if (lower(VERSION_NAMES).includes(n) || /version$/.test(n)) return "Version";
  if (lower(COMMIT_NAMES).includes(n) || /(commit|revision|sha)$/.test(n))
    return /\.shortcommit|--short/i.test(value) ? "ShortCommit" : "Commit";
  if (lower(DATE_NAMES).includes(n) || /(date|time)$/.test(n)) return "Date";
  const v = value.toLowerCase();
  // GoReleaser's fields say exactly what they are; shell commands are guessed from their words.
  if (/\.shortcommit\b|--short/.test(v)) return "ShortCommit";
  if (/\.(commitdate|date|committimestamp|timestamp)\b/.test(v)) return "Date";
  if (/\.(fullcommit|commit)\b/.test(v)) return "Commit";
  if (/\.(version|tag|rawversion)\b/.test(v)) return "Version";
  if (/rev-parse|commit|revision|sha/.test(v)) return "Commit";
  if (/date|time/.test(v)) return "Date";
  if (/describe|version|tag/.test(v)) return "Version";
  return null;
}

/** The `-X` targets and values of one text, with Make variables expanded when `vars` are given. */
export function xFlagsOf(
  text: string,
  vars?: ReadonlyMap<string, string>,
): { pkg: string; name: string; value: string }[] {
  const flags: { pkg: string; name: string; value: string }[] = [];
  const lines = vars ? logicalLines(text).map((l) => expandMake(l, vars)) : text.split("\n");
  for (const line of lines) {
    for (const m of line.matchAll(X_FLAG)) flags.push({ pkg: m[1]!, name: m[2]!, value: m[3]! });
  }
  return flags;
}

/** The ldflags strings of a `.goreleaser.yaml`'s builds (each a string or a list). */
function goreleaserLdflags(text: string): string[] {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 50 });
  } catch {
    return [];
  }
  const builds = (doc as { builds?: unknown } | null)?.builds;
  if (!Array.isArray(builds)) return [];
  return builds.flatMap((b) => {
    const ldflags = (b as { ldflags?: unknown } | null)?.ldflags;
    const list = Array.isArray(ldflags) ? ldflags : [ldflags];
    return list.filter((l): l is string => typeof l === "string");
  });
}

/**
 * The package a `-X` names, made real: a Make variable left unexpanded in front (`$(PKG)/pkg/x`)
 * is the module's path when the rest is one of the module's folders.
 */
function resolvePackage(pkg: string, module: GoModule, listing: RepoListing): string | null {
  if (!pkg.includes("$")) return pkg;
  const rest = /^\$[({][A-Za-z_][\w.-]*[)}](\/[\w./-]+)$/.exec(pkg)?.[1];
  if (!rest || !module.path) return null;
  const dir = module.dir === "." ? rest.slice(1) : `${module.dir}${rest}`;
  return listing.files.some((f) => dirOf(f) === dir && f.endsWith(".go")) ? `${module.path}${rest}` : null;
}

/** True when the module declares string variable `name` in package `pkg` (or `pkg` is outside it). */
function declares(listing: RepoListing, module: GoModule, pkg: string, name: string): boolean {
  const files = moduleGoFiles(listing, module.dir);
  if (pkg === "main")
    return files.some(
      (f) => packageOf(listing.texts[f]!) === "main" && stringVars(listing.texts[f]!).includes(name),
    );
  if (!module.path || (pkg !== module.path && !pkg.startsWith(`${module.path}/`))) return true;
  const rel = pkg === module.path ? "." : pkg.slice(module.path.length + 1);
  return files.some(
    (f) => relative(module.dir, dirOf(f)) === rel && stringVars(listing.texts[f]!).includes(name),
  );
}

/**
 * The `-X` flags of the repository's Makefiles and `.goreleaser.yaml`, each target checked against
 * the source (a variable the module doesn't declare is left out, and said); the first flag per
 * field wins, GoReleaser's over a Makefile's (it is what releases run).
 */
export function releaseXFlags(listing: RepoListing, module: GoModule, findings: string[]): XFlag[] {
  const sources: { from: string; flags: { pkg: string; name: string; value: string }[] }[] = [];
  for (const file of listing.files.filter((f) => /(^|\/)\.goreleaser\.ya?ml$/.test(f))) {
    if (listing.texts[file] !== undefined)
      sources.push({
        from: file,
        flags: goreleaserLdflags(listing.texts[file]!).flatMap((l) => xFlagsOf(l)),
      });
  }
  const makefiles = listing.files.filter((f) => isMakefile(f) && listing.texts[f] !== undefined);
  // Variables of every Makefile: an included .mk often defines what the Makefile's -X uses.
  const vars = new Map<string, string>();
  for (const file of makefiles)
    for (const [k, v] of makeVariables(listing.texts[file]!)) if (!vars.has(k)) vars.set(k, v);
  for (const file of makefiles) sources.push({ from: file, flags: xFlagsOf(listing.texts[file]!, vars) });
  const chosen = new Map<StampField, XFlag>();
  const targets = new Set<string>();
  for (const source of sources) {
    for (const flag of source.flags) {
      const field = stampField(flag.name, flag.value);
      const pkg = resolvePackage(flag.pkg, module, listing);
      if (!field || !pkg || chosen.has(field) || targets.has(`${pkg}.${flag.name}`)) continue;
      if (!declares(listing, module, pkg, flag.name)) {
        findings.push(
          `${source.from} sets -X ${pkg}.${flag.name}, which the module doesn't declare as a string variable: left out`,
        );
        continue;
      }
      targets.add(`${pkg}.${flag.name}`);
      chosen.set(field, { target: `${pkg}.${flag.name}`, field, from: source.from });
    }
  }
  return ["Version", "Commit", "ShortCommit", "Date"].flatMap((f) => {
    const flag = chosen.get(f as StampField);
    return flag ? [flag] : [];
  });
}
