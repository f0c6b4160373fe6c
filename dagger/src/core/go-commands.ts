/**
 * The Go toolchain commands of the lint, test and build stages, as argv and environment. The
 * Dagger module runs them in the golang container; the integration tests run the same argv on the
 * host. Builds always cross-compile (GOOS/GOARCH/GOARM, CGO_ENABLED=0) on the build platform:
 * never an emulated container.
 */
import type { Platform } from "./config.js";

/** GOOS, GOARCH and GOARM of a platform. */
export function goTarget(platform: Platform | string): { GOOS: string; GOARCH: string; GOARM?: string } {
  const [os = "linux", arch = "amd64", variant] = platform.split("/");
  if (arch === "arm") return { GOOS: os, GOARCH: "arm", GOARM: (variant ?? "v7").replace(/^v/, "") };
  return { GOOS: os, GOARCH: arch };
}

/** The environment of a cross-compile for `platform`. */
export function goBuildEnv(platform: Platform | string): Record<string, string> {
  return { CGO_ENABLED: "0", ...goTarget(platform) };
}

/** The `-ldflags` that stamp version and commit into `<pkg>.version` / `<pkg>.commit`. */
export function ldflags(pkg: string, version: string, commit: string): string {
  return `-s -w -X ${pkg}.version=${version} -X ${pkg}.commit=${commit}`;
}

/** `go build` of one binary into `output`. */
export function goBuildArgv(
  binary: string,
  output: string,
  options: { ldflagsPackage: string; version: string; commit: string },
): string[] {
  return [
    "go",
    "build",
    "-trimpath",
    "-ldflags",
    ldflags(options.ldflagsPackage, options.version, options.commit),
    "-o",
    output,
    `./cmd/${binary}`,
  ];
}

/** Where a binary lands in the build output: `<os>-<arch>[<variant>]/<binary>` (the classic .out layout). */
export function buildOutputPath(platform: Platform | string, binary: string): string {
  const [os = "linux", arch = "amd64", variant = ""] = platform.split("/");
  return `${os}-${arch}${variant}/${binary}`;
}

/** Lint: gofmt must list nothing, go vet must pass, then golangci-lint. */
export function goLintCommands(): { name: string; argv: string[] }[] {
  return [
    {
      name: "gofmt",
      argv: [
        "sh",
        "-c",
        'out="$(gofmt -l .)"; if [ -n "$out" ]; then echo "gofmt would change:"; echo "$out"; exit 1; fi',
      ],
    },
    { name: "go vet", argv: ["go", "vet", "./..."] },
  ];
}

/** golangci-lint, in its own image. */
export function golangciLintArgv(): string[] {
  return ["golangci-lint", "run", "--timeout", "5m", "./..."];
}

/** `go test` with the race detector and a coverage profile (needs CGO for -race). */
export function goTestArgv(profile = "coverage.out"): string[] {
  return ["go", "test", "-race", "-count=1", `-coverprofile=${profile}`, "./..."];
}

/** The coverage report the gate reads. */
export function goCoverArgv(profile = "coverage.out"): string[] {
  return ["go", "tool", "cover", `-func=${profile}`];
}

/** Runs the migrator from source before the tests, against the same database. */
export function migratorRunArgv(): string[] {
  return ["go", "run", "./cmd/migrator"];
}

/** The environment `go test -race` needs besides DATABASE_URL: cgo for the race detector, CI for the tests. */
export const GO_TEST_ENV: Readonly<Record<string, string>> = { CGO_ENABLED: "1", CI: "true" };

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

/**
 * Every cross-compile of a build: each binary for each of `platforms` it ships on. The module's
 * golang container and the host runner both run exactly these (render writes them as JSON).
 */
export function buildCommands(
  config: {
    go: { source: string; ldflagsPackage: string };
    binaries: readonly { name: string; platforms: readonly string[] }[];
  },
  platforms: readonly string[],
  options: { version: string; commit: string; outDir: string },
): BuildCommand[] {
  return platforms.flatMap((platform) =>
    config.binaries
      .filter((b) => b.platforms.includes(platform))
      .map((b) => {
        const output = `${options.outDir.replace(/\/+$/, "")}/${buildOutputPath(platform, b.name)}`;
        return {
          binary: b.name,
          platform,
          cwd: config.go.source,
          argv: goBuildArgv(b.name, output, {
            ldflagsPackage: config.go.ldflagsPackage,
            version: options.version,
            commit: options.commit,
          }),
          env: goBuildEnv(platform),
          output,
        };
      }),
  );
}
