/** Lint, test and cross-compiled builds of the Go service, in the golang container. */
import { type Container, type Directory, dag, ReturnType, type Secret } from "@dagger.io/dagger";
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
  lintModules,
} from "../core/go/commands.js";
import { checkCoverage } from "../core/go/coverage.js";
import { type BuildStamp, planStamp } from "../core/go/ldflags.js";
import {
  golangciLintVersion,
  type LintPin,
  PIN_FOLDERS,
  pinFiles,
  repositoryLintPin,
} from "../core/go/lint-version.js";
import { type ServiceEndpoint, serviceContainerEnv, testEnv, testPlan } from "../core/go/test-plan.js";
import { failureHeadline, failureText, parseTestJson } from "../core/go/test-report.js";
import { TOOLS_DIR } from "../core/go/test-tools.js";
import { cacheVolumes, GO_CACHE_PATHS, golangciLintImage, TOOL_IMAGES } from "../core/tools/images.js";
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

/** The repository's golangci-lint pin, read from the source as the host runner reads the checkout. */
async function lintPin(source: Directory, goSource: string): Promise<LintPin | null> {
  const listed = (
    await Promise.all(
      PIN_FOLDERS.map(async ({ dir, files }) =>
        ((await source.glob(`${dir}/*`).catch(() => [])) ?? [])
          .filter((path) => files.test(path.slice(dir.length + 1)))
          .sort(),
      ),
    )
  ).flat();
  const files = await Promise.all(
    [...pinFiles(goSource), ...listed].map(async (path) => ({
      path,
      text: await source
        .file(path)
        .contents()
        .catch(() => null),
    })),
  );
  return repositoryLintPin(files.filter((f): f is { path: string; text: string } => f.text !== null));
}

/** The folder of a linted module in the Go containers (go.source is /src). */
const moduleDir = (module: string) => (module === "." ? "/src" : `/src/${module}`);

/**
 * gofmt, go mod tidy -diff, go vet, then golangci-lint (in parallel), in each module `lint.modules`
 * lists; golangci-lint at the version pipeline.yaml or the repository pins (else the default).
 * Returns their output, or fails with the tools' own findings.
 */
export async function lint(
  source: Directory,
  config: PipelineConfig,
  options: GoOptions = {},
): Promise<string> {
  const modules = lintModules(config);
  const wanted = golangciLintVersion(
    config.lint.golangciLint.version,
    await lintPin(source, config.go.source),
  );
  const image = golangciLintImage(wanted.version);
  let go = goContainer(source, config, "native", options);
  for (const { module } of modules) {
    go = go.withWorkdir(moduleDir(module));
    for (const command of goLintCommands()) go = go.withExec(command.argv);
  }
  let golangci = goToolchain(
    image,
    cacheVolumes.golangciLintGoBuild(image),
    source,
    config,
    options,
  ).withMountedCache("/root/.cache/golangci-lint", dag.cacheVolume(cacheVolumes.golangciLint(image)));
  for (const { module } of modules)
    golangci = golangci.withWorkdir(moduleDir(module)).withExec(golangciLintArgv());
  const [vet, found] = await Promise.all([
    withToolOutput("lint (gofmt, go vet)", go.stdout()),
    withToolOutput(`lint (golangci-lint ${wanted.version})`, golangci.stdout()),
  ]);
  return `${vet}${found}`.trim() || `lint: gofmt, go vet and golangci-lint ${wanted.version} found nothing`;
}

/**
 * The test stage of core/go/test-plan.ts: each configured service bound by its name (none when none
 * is configured), the tools put on PATH, the before commands (a migrator), then `go test -json` —
 * a failure shows each failed package's and test's own output — and the coverage gate, which
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
  for (const step of plan.tools) {
    go =
      step.kind === "file"
        ? go.withFile(`${TOOLS_DIR}/${step.name}`, source.file(step.from), { permissions: 0o755 })
        : go.withExec(["env", ...Object.entries(step.env).map(([k, v]) => `${k}=${v}`), ...step.argv]);
  }
  if (plan.tools.length) go = go.withEnvVariable("PATH", `${TOOLS_DIR}:\${PATH}`, { expand: true });
  for (const [name, value] of Object.entries({ ...plan.env, ...testEnv(config.test, endpoints) }))
    go = go.withEnvVariable(name, value);
  for (const step of plan.before) go = go.withExec(step.argv);
  const tested = go.withExec(plan.test, { expect: ReturnType.Any });
  const [stdout, stderr, code] = await withToolOutput(
    "test",
    Promise.all([tested.stdout(), tested.stderr(), tested.exitCode()]),
  );
  const report = parseTestJson(stdout, stderr);
  if (code) throw new FailureError(`test: ${failureHeadline(report)}\n${failureText(report)}`);
  const cover = await withToolOutput("test (coverage)", tested.withExec(plan.cover).stdout());
  const verdict = checkCoverage(cover, config.coverage.minimum);
  if (!verdict.pass) throw new FailureError(verdict.message);
  const total = cover.split("\n").find((l) => l.startsWith("total:")) ?? "";
  return [...report.summary, total.replace(/\s+/g, " ").trim(), verdict.message].filter(Boolean).join("\n");
}

/**
 * Cross-compiles every binary for every platform, in parallel, running the core's build commands;
 * the Directory is `<os>-<arch>/<binary>` plus migrations/ and assets/ when the Go source has them.
 */
export async function build(
  source: Directory,
  config: PipelineConfig,
  platforms: readonly Platform[],
  stamp: BuildStamp,
  options: GoOptions = {},
): Promise<Directory> {
  const commands = buildCommands(config, platforms, { ...stamp, outDir: "/out" });
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
    {
      ...(plan ? planStamp(plan) : { projectName: config.app }),
      version: input.version ?? plan!.version,
      commit: input.commit ?? plan!.event.sha,
    },
    { goPrivateToken: input.goPrivateToken },
  );
}
