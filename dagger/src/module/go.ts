/** Lint, test and cross-compiled builds of the Go service, in the golang container. */
import { type Container, type Directory, dag, type Secret } from "@dagger.io/dagger";
import type { PipelineConfig, Platform } from "../core/config/config.js";
import { FailureError } from "../core/errors.js";
import {
  buildCommands,
  buildExtras,
  GO_PRIVATE_TOKEN_ENV,
  gitCredentialEnv,
  goEnv,
  goLintCommands,
  golangciLintArgv,
} from "../core/go/commands.js";
import { checkCoverage } from "../core/go/coverage.js";
import { type ServiceEndpoint, serviceContainerEnv, testEnv, testPlan } from "../core/go/test-plan.js";
import { cacheVolumes, GO_CACHE_PATHS, TOOL_IMAGES } from "../core/tools/images.js";
import type { ModuleContext } from "./context.js";
import { withToolOutput } from "./exec-errors.js";

/**
 * go.mod and go.sum alone: the input of `go mod download`, so source edits keep that layer. An
 * include filter rather than two files, since a module without dependencies has no go.sum.
 */
function goModuleFiles(source: Directory, config: PipelineConfig): Directory {
  return dag
    .directory()
    .withDirectory(".", source.directory(config.go.source), { include: ["go.mod", "go.sum"] });
}

/** Options of the Go containers. */
export interface GoOptions {
  /** Token for the git hosts of `go.private` modules; a secret variable, so in no layer, argv or log. */
  goPrivateToken?: Secret;
}

/** `go.env`, GOPRIVATE and, with a token, the git credential helper that reads it from a secret variable. */
function withGoEnv(container: Container, config: PipelineConfig, options: GoOptions): Container {
  let c = container;
  const env = { ...goEnv(config.go), ...(options.goPrivateToken ? gitCredentialEnv() : {}) };
  for (const [name, value] of Object.entries(env)) c = c.withEnvVariable(name, value);
  return options.goPrivateToken ? c.withSecretVariable(GO_PRIVATE_TOKEN_ENV, options.goPrivateToken) : c;
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
  options: GoOptions = {},
): Container {
  const base = dag
    .container()
    .from(image)
    .withMountedCache(GO_CACHE_PATHS.modules, dag.cacheVolume(cacheVolumes.goModules(config.go.version)))
    .withMountedCache(GO_CACHE_PATHS.build, dag.cacheVolume(buildCache));
  return withGoEnv(base, config, options)
    .withDirectory("/src", goModuleFiles(source, config))
    .withWorkdir("/src")
    .withExec(["go", "mod", "download"])
    .withDirectory("/src", source.directory(config.go.source));
}

/** The golang container with the module source and caches, on the engine's native platform. */
export function goContainer(
  source: Directory,
  config: PipelineConfig,
  cachePlatform = "native",
  options: GoOptions = {},
): Container {
  const version = config.go.version;
  return goToolchain(
    TOOL_IMAGES.golang(version),
    cacheVolumes.goBuild(version, cachePlatform),
    source,
    config,
    options,
  );
}

/** gofmt, go mod tidy -diff, go vet, then golangci-lint (in parallel); returns their output, or fails with the tools' own findings. */
export async function lint(
  source: Directory,
  config: PipelineConfig,
  options: GoOptions = {},
): Promise<string> {
  let go = goContainer(source, config, "native", options);
  for (const command of goLintCommands()) go = go.withExec(command.argv);
  const [vet, golangci] = await Promise.all([
    withToolOutput("lint (gofmt, go vet)", go.stdout()),
    withToolOutput(
      "lint (golangci-lint)",
      goToolchain(TOOL_IMAGES.golangciLint, cacheVolumes.golangciLintGoBuild(), source, config, options)
        .withMountedCache("/root/.cache/golangci-lint", dag.cacheVolume(cacheVolumes.golangciLint()))
        .withExec(golangciLintArgv())
        .stdout(),
    ),
  ]);
  return `${vet}${golangci}`.trim() || "lint: gofmt, go vet and golangci-lint found nothing";
}

/**
 * The test stage of core/go/test-plan.ts: each configured service bound by its name (none when none
 * is configured), the before commands (a migrator), then go test and the coverage gate, which
 * fails below the minimum naming the shortfall.
 */
export async function test(source: Directory, config: PipelineConfig): Promise<string> {
  const plan = testPlan(config.test);
  let go = goContainer(source, config);
  const endpoints: Record<string, ServiceEndpoint> = {};
  for (const service of plan.services) {
    let container = dag.container().from(service.image);
    for (const [name, value] of Object.entries(serviceContainerEnv(service)))
      container = container.withEnvVariable(name, value);
    for (const port of service.ports) container = container.withExposedPort(port);
    go = go.withServiceBinding(service.name, container.asService());
    endpoints[service.name] = { host: service.name, port: service.ports[0]! };
  }
  for (const [name, value] of Object.entries({ ...plan.env, ...testEnv(config.test, endpoints) }))
    go = go.withEnvVariable(name, value);
  for (const step of plan.before) go = go.withExec(step.argv);
  const report = await withToolOutput("test", go.withExec(plan.test).withExec(plan.cover).stdout());
  const verdict = checkCoverage(report, config.coverage.minimum);
  if (!verdict.pass) throw new FailureError(verdict.message);
  return `${report.trim()}\n${verdict.message}`;
}

/**
 * Cross-compiles every binary for every platform, in parallel, running the core's build commands;
 * the Directory is `<os>-<arch>/<binary>` plus migrations/ and assets/ when the Go source has them.
 */
export async function build(
  source: Directory,
  config: PipelineConfig,
  platforms: readonly Platform[],
  version: string,
  commit: string,
  date = "",
  options: GoOptions = {},
): Promise<Directory> {
  const commands = buildCommands(config, platforms, { version, commit, date, outDir: "/out" });
  const builds = platforms.map((platform) => {
    const mine = commands.filter((c) => c.platform === platform);
    let go = goContainer(source, config, platform, options);
    // Every command of a platform has the same environment.
    for (const [name, value] of Object.entries(mine[0]?.env ?? {})) go = go.withEnvVariable(name, value);
    for (const command of mine) go = go.withExec(command.argv);
    return go.directory("/out");
  });
  let out = dag.directory();
  for (const dir of builds) out = out.withDirectory(".", dir);
  const goSource = source.directory(config.go.source);
  for (const extra of buildExtras(await goSource.entries())) {
    out = out.withDirectory(extra, goSource.directory(extra));
  }
  return out;
}

/** The arguments of `dagger call build`. */
export interface BuildInput {
  platforms?: string[];
  version?: string;
  commit?: string;
  goPrivateToken?: Secret;
}

/** The event's binaries: version and commit as given, else from the checkout's plan. */
export async function buildForEvent(context: ModuleContext, input: BuildInput): Promise<Directory> {
  const config = await context.config();
  const plan = input.version && input.commit ? null : await context.plan();
  return build(
    context.source,
    config,
    (input.platforms?.length ? input.platforms : config.platforms) as Platform[],
    input.version ?? plan!.version,
    input.commit ?? plan!.event.sha,
    plan?.annotations["org.opencontainers.image.created"] ?? "",
    { goPrivateToken: input.goPrivateToken },
  );
}
