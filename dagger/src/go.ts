/** Lint, test and cross-compiled builds of the Go service, in the golang container. */
import { type Container, type Directory, dag } from "@dagger.io/dagger";
import type { PipelineConfig, Platform } from "./core/config.js";
import { checkCoverage } from "./core/coverage.js";
import { FailureError } from "./core/errors.js";
import {
  buildOutputPath,
  goBuildArgv,
  goBuildEnv,
  goCoverArgv,
  goLintCommands,
  golangciLintArgv,
  goTestArgv,
  migratorRunArgv,
} from "./core/go-commands.js";
import { cacheVolumes, GO_CACHE_PATHS, TOOL_IMAGES } from "./core/tool-images.js";
import { withToolOutput } from "./exec-errors.js";

/** go.mod and go.sum alone: the input of `go mod download`, so source edits keep that layer. */
function goModuleFiles(source: Directory, config: PipelineConfig): Directory {
  return dag
    .directory()
    .withFile("go.mod", source.file(`${config.go.source}/go.mod`))
    .withFile("go.sum", source.file(`${config.go.source}/go.sum`));
}

/**
 * A Go toolchain image with the module cache, a build cache, the modules downloaded from go.mod and
 * go.sum first, then the Go source folder (only it) at /src.
 */
function goToolchain(
  image: string,
  buildCache: string,
  source: Directory,
  config: PipelineConfig,
): Container {
  return dag
    .container()
    .from(image)
    .withMountedCache(GO_CACHE_PATHS.modules, dag.cacheVolume(cacheVolumes.goModules(config.go.version)))
    .withMountedCache(GO_CACHE_PATHS.build, dag.cacheVolume(buildCache))
    .withDirectory("/src", goModuleFiles(source, config))
    .withWorkdir("/src")
    .withExec(["go", "mod", "download"])
    .withDirectory("/src", source.directory(config.go.source));
}

/** The golang container with the module source and caches, on the engine's native platform. */
export function goContainer(source: Directory, config: PipelineConfig, cachePlatform = "native"): Container {
  const version = config.go.version;
  return goToolchain(
    TOOL_IMAGES.golang(version),
    cacheVolumes.goBuild(version, cachePlatform),
    source,
    config,
  );
}

/** gofmt, go vet, then golangci-lint (in parallel); returns their output, or fails with the tools' own findings. */
export async function lint(source: Directory, config: PipelineConfig): Promise<string> {
  let go = goContainer(source, config);
  for (const command of goLintCommands()) go = go.withExec(command.argv);
  const [vet, golangci] = await Promise.all([
    withToolOutput("lint (gofmt, go vet)", go.stdout()),
    withToolOutput(
      "lint (golangci-lint)",
      goToolchain(TOOL_IMAGES.golangciLint, cacheVolumes.golangciLintGoBuild(), source, config)
        .withMountedCache("/root/.cache/golangci-lint", dag.cacheVolume(cacheVolumes.golangciLint()))
        .withExec(golangciLintArgv())
        .stdout(),
    ),
  ]);
  return `${vet}${golangci}`.trim() || "lint: gofmt, go vet and golangci-lint found nothing";
}

/**
 * go test -race with a PostgreSQL service bound as `postgres`; the migrator runs first. Fails
 * below the coverage minimum, naming the shortfall.
 */
export async function test(source: Directory, config: PipelineConfig): Promise<string> {
  const postgres = dag
    .container()
    .from(TOOL_IMAGES.postgres)
    .withEnvVariable("POSTGRES_PASSWORD", "postgres")
    .withExposedPort(5432)
    .asService();
  const report = await withToolOutput(
    "test",
    goContainer(source, config)
      .withServiceBinding("postgres", postgres)
      .withEnvVariable("DATABASE_URL", "postgres://postgres:postgres@postgres:5432/postgres?sslmode=disable")
      .withEnvVariable("CGO_ENABLED", "1")
      .withEnvVariable("CI", "true")
      .withExec(migratorRunArgv())
      .withExec(goTestArgv())
      .withExec(goCoverArgv())
      .stdout(),
  );
  const verdict = checkCoverage(report, config.coverage.minimum);
  if (!verdict.pass) throw new FailureError(verdict.message);
  return `${report.trim()}\n${verdict.message}`;
}

/** Cross-compiles every binary for every platform, in parallel; the Directory is `<os>-<arch>/<binary>` plus migrations/ and assets/. */
export async function build(
  source: Directory,
  config: PipelineConfig,
  platforms: readonly Platform[],
  version: string,
  commit: string,
): Promise<Directory> {
  const builds = platforms.map((platform) => {
    let go = goContainer(source, config, platform);
    for (const [name, value] of Object.entries(goBuildEnv(platform))) go = go.withEnvVariable(name, value);
    for (const binary of config.binaries.filter((b) => b.platforms.includes(platform))) {
      go = go.withExec(
        goBuildArgv(binary.name, `/out/${buildOutputPath(platform, binary.name)}`, {
          ldflagsPackage: config.go.ldflagsPackage,
          version,
          commit,
        }),
      );
    }
    return go.directory("/out");
  });
  let out = dag.directory();
  for (const dir of builds) out = out.withDirectory(".", dir);
  const goSource = source.directory(config.go.source);
  return out
    .withDirectory("migrations", goSource.directory("migrations"))
    .withDirectory("assets", goSource.directory("assets"));
}
