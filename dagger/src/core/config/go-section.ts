/**
 * The build keys of `go:` in pipeline.yaml — `ldflags` (a template), `tags`, `env`, `cgo`,
 * `private` — and `go.binaries.<name>.main`. Their schema and resolution live here; core/config/config.ts
 * only plugs them in. The defaults keep today's build: `-s -w -X <ldflagsPackage>.version=…
 * -X <ldflagsPackage>.commit=…`, no tags, CGO_ENABLED=0.
 */

import { ldflagsEnvNames, ldflagsProblem } from "../go/ldflags.js";
import { hasControlChars, safeEcho } from "../validate.js";
import type { Schema } from "./schema.js";

/** The resolved build keys of `go:`. */
export interface GoBuildConfig {
  /** The `-ldflags` template, filled in per build (core/go/ldflags.ts). */
  ldflags: string;
  /** Build tags (`-tags a,b`). */
  tags: string[];
  /** Extra environment of every `go` command (GOEXPERIMENT, GOFLAGS, ...). */
  env: Record<string, string>;
  /** CGO_ENABLED=1 for builds (needs a C cross-compiler for other platforms). */
  cgo: boolean;
  /** Module path globs fetched directly with git and a token (GOPRIVATE). */
  private: string[];
}

/** A Go package to build: `.` or `./dir/...`, relative to go.source, without `..`. */
const MAIN_PACKAGE = /^\.(?:\/[A-Za-z0-9_.~+-]+)*$/;
/** An environment variable name a `go` command may get (no PATH/HOME: they break the toolchain's own lookups). */
const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,63}$/;
const RESERVED_ENV = ["PATH", "HOME", "GOOS", "GOARCH", "GOARM", "CGO_ENABLED", "GOPRIVATE"];
/** A module path glob as GOPRIVATE takes it. */
const MODULE_GLOB = /^[A-Za-z0-9.*?[\]_~-]+(?:\/[A-Za-z0-9.*?[\]_~-]+)*$/;
const BUILD_TAG = /^[A-Za-z0-9_.]+$/;

/** The problem with a `main` package path, or null. */
function mainProblem(value: string): string | null {
  if (!MAIN_PACKAGE.test(value))
    return "is not a package path relative to go.source (e.g. ./cmd/server or .)";
  if (value.split("/").includes("..")) return "must not contain ..";
  return null;
}

/** `go.binaries.<name>.main`. */
export const BINARY_MAIN_SCHEMA: Schema = {
  kind: "string",
  doc: "Package to build, relative to `go.source` (default: `./cmd/<name>`); a binary outside `cmd/` is declared by giving its `main`.",
  example: "./tools/ctl",
  check: mainProblem,
};

/** The build keys of `go:`, spread into its schema. */
export const GO_BUILD_FIELDS: Record<string, Schema> = {
  ldflags: {
    kind: "string",
    doc: "`-ldflags` template with GoReleaser's fields and meanings: `{{.Version}}` (no `v`), `{{.RawVersion}}`, `{{.Major}}`, `{{.Minor}}`, `{{.Patch}}`, `{{.Prerelease}}`, `{{.Tag}}` (the git tag built, empty for branches), `{{.Branch}}` (empty for tags and pull requests), `{{.Commit}}`/`{{.FullCommit}}`, `{{.ShortCommit}}`, `{{.Date}}`/`{{.CommitDate}}` (the source date: the commit's time, or SOURCE_DATE_EPOCH), `{{.Timestamp}}`/`{{.CommitTimestamp}}` (its Unix seconds), `{{.ProjectName}}` (app), `{{.Os}}`, `{{.Arch}}`, `{{.Arm}}`, and `{{.Env.NAME}}` for a NAME of `go.env` (no other environment: the module gets none, and secrets never go into binaries). Default: `-s -w -X <ldflagsPackage>.version={{.Version}} -X <ldflagsPackage>.commit={{.Commit}}`.",
    example: "-s -w -X github.com/acme/app/pkg/version.VERSION={{.Version}} -X main.REVISION={{.Commit}}",
    check: ldflagsProblem,
  },
  tags: {
    kind: "array",
    doc: "Build tags (`go build -tags`).",
    example: "[netgo, osusergo]",
    items: {
      kind: "string",
      doc: "A build tag.",
      example: "netgo",
      pattern: BUILD_TAG,
      patternHint: "a build tag (letters, digits, _ and .)",
    },
    default: [],
  },
  env: {
    kind: "map",
    doc: "Extra environment of the Go commands (not PATH, HOME, GOOS, GOARCH, GOARM, CGO_ENABLED or GOPRIVATE, which the pipeline sets).",
    example: "{ GOEXPERIMENT: loopvar }",
    values: {
      kind: "string",
      doc: "A value.",
      example: "loopvar",
      check: (value) => (hasControlChars(value) ? "must be one line without control characters" : null),
    },
    default: {},
  },
  cgo: {
    kind: "boolean",
    doc: "Build with CGO_ENABLED=1 (needs a C compiler for every platform); default: static binaries.",
    example: "true",
    default: false,
  },
  private: {
    kind: "array",
    doc: "Private module globs (GOPRIVATE); their git host is reached with the token given as a secret (`--go-private-token`, or GOPRIVATE_TOKEN on the host), never written to a layer, argv or log.",
    example: "[github.com/acme/*]",
    items: {
      kind: "string",
      doc: "A module path glob.",
      example: "github.com/acme/*",
      pattern: MODULE_GLOB,
      patternHint: "a module path glob",
    },
    default: [],
  },
};

/**
 * Resolves the build keys of a validated `go:` mapping; `ldflagsPackage` gives the default template.
 * Each problem (`key: what is wrong`) is added to `problems`, so the caller reports them all at once.
 */
export function resolveGoBuild(
  go: {
    ldflagsPackage: string;
    ldflags?: string;
    tags: string[];
    env: Record<string, string>;
    cgo: boolean;
    private: string[];
  },
  problems: string[],
): GoBuildConfig {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(go.env)) {
    if (!ENV_NAME.test(name) || RESERVED_ENV.includes(name)) {
      problems.push(
        `go.env.${safeEcho(name, 40).slice(1, -1)}: not an environment variable the build may set (uppercase name; not ${RESERVED_ENV.join(", ")}) (example: GOEXPERIMENT)`,
      );
      continue;
    }
    env[name] = value;
  }
  const pkg = go.ldflagsPackage;
  for (const name of new Set(ldflagsEnvNames(go.ldflags ?? "")))
    if (!Object.hasOwn(env, name))
      problems.push(
        `go.ldflags: {{.Env.${name}}} reads go.env, which has no ${name} (add it: go.env: { ${name}: <value> }); the template reads no other environment, so both runners link the same value and no secret reaches a binary`,
      );
  return {
    ldflags: go.ldflags ?? `-s -w -X ${pkg}.version={{.Version}} -X ${pkg}.commit={{.Commit}}`,
    tags: go.tags,
    env,
    cgo: go.cgo,
    private: go.private,
  };
}

/** The default `main` of a binary discovered under `cmd/`. */
export function defaultMain(binary: string): string {
  return `./cmd/${binary}`;
}
