/**
 * The Go side of what `pipeline init` writes: `go:` (the module's folder, its Go version, the
 * binaries outside `cmd/`, the `-X` flags of the repository's own release tooling or of the
 * variables it declares), `test.flags` from its Makefile's `make test`, and what it says about
 * lint (nested modules left out, the golangci-lint the repository pins).
 */
import { inPinFolder, PIN_FOLDERS, pinFiles, repositoryLintPin } from "../go/lint-version.js";
import {
  type Binary,
  findBinaries,
  findVersionVars,
  type GoModule,
  missingEmbeds,
  nestedModules,
} from "./go-scan.js";
import { releaseXFlags, type StampField } from "./ldflags-scan.js";
import type { RepoListing } from "./listing.js";
import { makefileTestFlags } from "./test-scan.js";

/** What the Go scan adds to pipeline.yaml. */
export interface GoPlan {
  go: Record<string, unknown>;
  binaries: Binary[];
  /** `test:` keys, when the repository's own test run says something. */
  test?: Record<string, unknown>;
}

/** `main` as pipeline.yaml writes it: `.` for the module's root, `./dir` otherwise. */
export function mainOf(binary: Binary): string {
  return binary.rel === "." ? "." : `./${binary.rel}`;
}

/** The `-ldflags` template for `-X` targets: `-s -w` and one `-X <target>={{.<Field>}}` each. */
function ldflagsOf(flags: readonly { target: string; field: StampField }[]): string {
  return ["-s -w", ...flags.map((f) => `-X ${f.target}={{.${f.field}}}`)].join(" ");
}

/** The `-X` flags: the repository's Makefile or GoReleaser's first, else the variables the source declares. */
function stampFlags(
  listing: RepoListing,
  module: GoModule,
  findings: string[],
): { go: Record<string, unknown> } {
  const release = releaseXFlags(listing, module, findings);
  if (release.some((f) => f.field === "Version")) {
    const from = [...new Set(release.map((f) => f.from))].join(", ");
    findings.push(
      `version variables from ${from}: ${release.map((f) => `-X ${f.target}={{.${f.field}}}`).join(" ")}`,
    );
    return { go: { ldflags: ldflagsOf(release) } };
  }
  const vars = findVersionVars(listing, module);
  if (!vars) {
    findings.push(
      "no version variable found: add `var version, commit string` to package main so binaries report their version",
    );
    return { go: {} };
  }
  const flags = [
    ...(vars.version ? [{ target: `${vars.pkg}.${vars.version}`, field: "Version" as const }] : []),
    ...(vars.commit ? [{ target: `${vars.pkg}.${vars.commit}`, field: "Commit" as const }] : []),
    ...(vars.date ? [{ target: `${vars.pkg}.${vars.date}`, field: "Date" as const }] : []),
  ];
  findings.push(`version variables: ${flags.map((f) => `-X ${f.target}={{.${f.field}}}`).join(" ")}`);
  const isDefault =
    vars.pkg === "main" && vars.version === "version" && vars.commit === "commit" && !vars.date;
  return { go: isDefault ? {} : { ldflags: ldflagsOf(flags) } };
}

/** Decides the Go side of pipeline.yaml for `module`; each decision adds a line to `findings`. */
export function planGo(listing: RepoListing, module: GoModule, app: string, findings: string[]): GoPlan {
  const go: Record<string, unknown> = { source: module.dir };
  if (module.goVersion) go.version = module.goVersion;
  const binaries = findBinaries(listing, module, app, findings);
  const declared = binaries.filter((b) => b.rel !== `cmd/${b.name}`);
  if (declared.length) go.binaries = Object.fromEntries(declared.map((b) => [b.name, { main: mainOf(b) }]));
  findings.push(
    `Go module ${module.path || "(unnamed)"} in ${module.dir}${module.goVersion ? ` (Go ${module.goVersion} from go.mod)` : ""}: binaries ${binaries.map((b) => `${b.name} (${mainOf(b)})`).join(", ") || "none"}`,
  );
  for (const missing of missingEmbeds(listing, module)) {
    findings.push(
      `${missing.file} embeds ${missing.pattern}, which isn't in the repository: it is built, not committed, so build it before go build (e.g. in CI before the pipeline)`,
    );
  }
  Object.assign(go, stampFlags(listing, module, findings).go);
  const nested = nestedModules(listing, module);
  if (nested.length) {
    findings.push(
      `nested Go modules ${nested.join(", ")}: not linted or tested with ${module.dir} (list one in lint.modules to lint it)`,
    );
  }
  // The files lint itself reads for the pin (core/go/lint-version.ts), so both say the same.
  const listed = PIN_FOLDERS.flatMap(({ dir }) =>
    listing.files.filter((f) => f.startsWith(`${dir}/`) && inPinFolder(f)).sort(),
  );
  const pin = repositoryLintPin(
    [...pinFiles(module.dir), ...listed]
      .filter((f) => listing.texts[f] !== undefined)
      .map((f) => ({ path: f, text: listing.texts[f]! })),
  );
  if (pin) findings.push(`golangci-lint ${pin.version} pinned in ${pin.from}: lint runs that version`);
  const flags = makefileTestFlags(listing, module.dir);
  if (flags.length) findings.push(`test flags from make test: ${flags.join(" ")}`);
  return { go, binaries, ...(flags.length ? { test: { flags } } : {}) };
}
