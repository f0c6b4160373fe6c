/**
 * The Go toolchain commands of the lint, test and build stages, as argv and environment. The
 * Dagger module runs them in the golang container; the integration tests run the same argv on the
 * host. Builds always cross-compile (GOOS/GOARCH/GOARM, CGO_ENABLED=0) on the build platform:
 * never an emulated container.
 */
import type { Platform } from "../config/config.js";
import { type BuildStamp, renderLdflags } from "./ldflags.js";

/** GOOS, GOARCH and GOARM of a platform. */
export function goTarget(platform: Platform | string): { GOOS: string; GOARCH: string; GOARM?: string } {
  const [os = "linux", arch = "amd64", variant] = platform.split("/");
  if (arch === "arm") return { GOOS: os, GOARCH: "arm", GOARM: (variant ?? "v7").replace(/^v/, "") };
  return { GOOS: os, GOARCH: arch };
}

/** The Go settings a build reads (a subset of PipelineConfig.go, so other stages can reuse the commands). */
export interface GoBuildSettings {
  source: string;
  ldflagsPackage: string;
  /** The `-ldflags` template (default: version and commit into `<ldflagsPackage>.version`/`.commit`). */
  ldflags?: string;
  tags?: readonly string[];
  env?: Readonly<Record<string, string>>;
  cgo?: boolean;
  private?: readonly string[];
}

export type { BuildStamp } from "./ldflags.js";
export { renderLdflags } from "./ldflags.js";

/**
 * The environment every `go` command of the repo gets: `go.env`, plus GOPRIVATE (and so GONOPROXY
 * and GONOSUMDB) for private modules. The token is never here: it is a secret mount (module) or the
 * runner's own environment (host), read by the git credential helper of {@link gitCredentialEnv}.
 */
export function goEnv(go: Pick<GoBuildSettings, "env" | "private">): Record<string, string> {
  const env: Record<string, string> = { ...go.env };
  if (go.private?.length) env.GOPRIVATE = go.private.join(",");
  return env;
}

/** The name of the environment variable that carries the private-module token (a secret). */
export const GO_PRIVATE_TOKEN_ENV = "GOPRIVATE_TOKEN";

/**
 * Git configuration, as GIT_CONFIG_* variables, that answers https credential requests with the
 * token from {@link GO_PRIVATE_TOKEN_ENV}. The helper reads the variable when git asks, so the token
 * is in no argv, file or layer; only the name of the variable is here.
 */
export function gitCredentialEnv(): Record<string, string> {
  return {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "credential.helper",
    GIT_CONFIG_VALUE_0: `!f() { test "$1" = get || exit 0; echo username=x-access-token; echo "password=$${GO_PRIVATE_TOKEN_ENV}"; }; f`,
    GIT_TERMINAL_PROMPT: "0",
  };
}

/** The environment of a cross-compile for `platform`: `go.env`, GOPRIVATE, CGO_ENABLED and the target. */
export function goBuildEnv(
  platform: Platform | string,
  go: Pick<GoBuildSettings, "env" | "private" | "cgo"> = {},
): Record<string, string> {
  return { ...goEnv(go), CGO_ENABLED: go.cgo ? "1" : "0", ...goTarget(platform) };
}

/** The default `-ldflags` template: `<pkg>.version` and `<pkg>.commit`. */
export function defaultLdflags(pkg: string): string {
  return `-s -w -X ${pkg}.version={{.Version}} -X ${pkg}.commit={{.Commit}}`;
}

/** The `-ldflags` that stamp version and commit into `<pkg>.version` / `<pkg>.commit`. */
export function ldflags(pkg: string, version: string, commit: string): string {
  return renderLdflags(defaultLdflags(pkg), { version, commit });
}

/**
 * `go build` of one binary (the package `main`, default `./cmd/<binary>`) into `output`; the
 * ldflags template is filled for `platform` (default linux/amd64) with `env` (go.env) for `{{.Env.NAME}}`.
 */
export function goBuildArgv(
  binary: string,
  output: string,
  options: BuildStamp & {
    ldflagsPackage?: string;
    ldflags?: string;
    main?: string;
    tags?: readonly string[];
    platform?: string;
    env?: Readonly<Record<string, string>>;
  },
): string[] {
  const template = options.ldflags ?? defaultLdflags(options.ldflagsPackage ?? "main");
  return [
    "go",
    "build",
    // Reproducible: no host paths (-trimpath), and no VCS stamp, which a checkout with .git gets
    // and a container's copy of the source does not (and which says "modified" for any untracked
    // file); the ldflags stamp the commit. Go's build IDs then depend on the inputs only.
    "-trimpath",
    "-buildvcs=false",
    ...(options.tags?.length ? ["-tags", options.tags.join(",")] : []),
    "-ldflags",
    renderLdflags(template, options, options.platform, options.env),
    "-o",
    output,
    options.main ?? `./cmd/${binary}`,
  ];
}

/**
 * Folders of the Go source the build output carries beside the binaries (the migrator's SQL, the
 * service's static files), each only when the source has it.
 */
export const BUILD_EXTRA_DIRS = ["migrations", "assets"] as const;

/** The {@link BUILD_EXTRA_DIRS} present among `entries` (the names in go.source). */
export function buildExtras(entries: readonly string[]): string[] {
  const names = new Set(entries.map((e) => e.replace(/\/+$/, "")));
  return BUILD_EXTRA_DIRS.filter((d) => names.has(d));
}

/** A path inside go.source, relative to the repo root (`.` as go.source gives the path itself). */
export function inGoSource(goSource: string, path: string): string {
  const base = goSource.replace(/\/+$/, "").replace(/^\.\/?/, "");
  return base ? `${base}/${path}` : path;
}

/** Where a binary lands in the build output: `<os>-<arch>[<variant>]/<binary>` (the classic .out layout). */
export function buildOutputPath(platform: Platform | string, binary: string): string {
  const [os = "linux", arch = "amd64", variant = ""] = platform.split("/");
  return `${os}-${arch}${variant}/${binary}`;
}

/**
 * gofmt over the module in the working directory, leaving out nested modules (a folder with its own
 * go.mod, linted only when `lint.modules` lists it) and .git, as `go vet ./...` leaves them out.
 */
const GOFMT_SCRIPT = [
  'out="$(find . \\( -name .git -o \\( -type d ! -name . -exec sh -c \'test -e "$1/go.mod"\' sh {} \\; \\) \\) -prune',
  "-o -type f -name '*.go' -exec gofmt -l {} +)\"",
  '&& if [ -n "$out" ]; then echo "gofmt would change:"; echo "$out"; exit 1; fi',
].join(" ");

/**
 * Lint of one module (run in its folder): gofmt must list nothing, go.mod and go.sum must be tidy
 * (the diff is the failure), go vet must pass; golangci-lint runs beside them in its own image.
 */
export function goLintCommands(): { name: string; argv: string[] }[] {
  return [
    { name: "gofmt", argv: ["sh", "-c", GOFMT_SCRIPT] },
    // -diff (Go 1.23+) changes nothing and exits 1 with the unified diff when go.mod or go.sum drift.
    { name: "go mod tidy", argv: ["go", "mod", "tidy", "-diff"] },
    { name: "go vet", argv: ["go", "vet", "./..."] },
  ];
}

/** golangci-lint, in its own image. */
export function golangciLintArgv(): string[] {
  return ["golangci-lint", "run", "--timeout", "5m", "./..."];
}

/**
 * The modules lint runs in: each of `lint.modules` (default go.source's own), as a folder
 * relative to go.source (`module`) and to the repo root (`dir`).
 */
export function lintModules(config: {
  go: { source: string };
  lint: { modules: readonly string[] };
}): { module: string; dir: string }[] {
  return config.lint.modules.map((module) => ({
    module,
    dir: module === "." ? config.go.source : inGoSource(config.go.source, module),
  }));
}

/** One cross-compile: which binary for which platform, the argv and env to run in the Go source, and where it lands. */
export interface BuildCommand {
  binary: string;
  platform: string;
  /** Directory to run in, relative to the repo root (go.source). */
  cwd: string;
  argv: string[];
  env: Record<string, string>;
  /** The output path, `<outDir>/<os>-<arch>[<variant>]/<binary>`. */
  output: string;
}

/** A binary to build: its name, the package (default `./cmd/<name>`) and the platforms it ships on. */
export interface BuildBinary {
  name: string;
  main?: string;
  platforms: readonly string[];
}

/** One binary for one platform into `output`: the argv and env both shells run, in go.source. */
export function buildCommand(
  go: GoBuildSettings,
  binary: BuildBinary,
  platform: string,
  output: string,
  stamp: BuildStamp,
): BuildCommand {
  return {
    binary: binary.name,
    platform,
    cwd: go.source,
    argv: goBuildArgv(binary.name, output, {
      ...stamp,
      ldflagsPackage: go.ldflagsPackage,
      ldflags: go.ldflags,
      main: binary.main,
      tags: go.tags,
      platform,
      env: go.env,
    }),
    env: goBuildEnv(platform, go),
    output,
  };
}

/**
 * Every cross-compile of a build: each binary for each of `platforms` it ships on. The module's
 * golang container and the host runner both run exactly these (render writes them as JSON).
 */
export function buildCommands(
  config: { go: GoBuildSettings; binaries: readonly BuildBinary[] },
  platforms: readonly string[],
  options: BuildStamp & { outDir: string },
): BuildCommand[] {
  const outDir = options.outDir.replace(/\/+$/, "");
  return platforms.flatMap((platform) =>
    config.binaries
      .filter((b) => b.platforms.includes(platform))
      .map((b) =>
        buildCommand(config.go, b, platform, `${outDir}/${buildOutputPath(platform, b.name)}`, options),
      ),
  );
}
