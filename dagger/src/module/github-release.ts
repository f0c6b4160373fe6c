/**
 * The GitHub release step of the module: the same `pipeline github-release` a developer runs, in
 * the CLI container. That command cross-compiles the release archives, so the container also gets
 * the pinned Go toolchain (copied from the golang image, with the build stage's cache volumes)
 * and the whole repository: git history for the notes, the Go module, LICENSE and README.
 */
import { type Container, type Directory, dag, type Secret } from "@dagger.io/dagger";
import type { PipelineConfig } from "../core/config/config.js";
import { cacheVolumes, GO_CACHE_PATHS, TOOL_IMAGES } from "../core/tools/images.js";
import { runCli, runId } from "./cli-container.js";
import type { ModuleContext } from "./context.js";
import { type RegistryLoginArgs, type RegistryLogins, registryLogins } from "./credentials.js";

const GOROOT = "/usr/local/go";

/** What {@link githubRelease} publishes, and where. */
export interface GithubReleaseOptions {
  /** Release tag (default: the highest version tag at HEAD of `source`). */
  tag?: string;
  /** `owner/name` on GitHub (default: source.url in pipeline.yaml). */
  repository?: string;
  /** GitHub API base URL, for GitHub Enterprise. */
  apiUrl?: string;
  /** Leave a new release as a draft. */
  draft?: boolean;
  /** A folder of `*.spdx.json` SBOMs (`pipeline sbom --out`) the release also carries. */
  sboms?: Directory;
  /** Carry the SBOMs attached to the release images' platforms in the registry instead. */
  registrySboms?: boolean;
  /** The images' registry (default: image.registry). */
  registry?: string;
  /** Registry logins for reading the SBOMs (REGISTRY_USERNAME, REGISTRY_PASSWORD, and per host). */
  registryAuth?: RegistryLogins;
  token: Secret;
  /** Changes on every call, so the exec is never replayed from the layer cache. */
  runId: string;
}

/**
 * Runs `pipeline github-release --json` against `source` in `cli` with Go added; the token
 * travels only as the GITHUB_TOKEN secret variable, the registry password only as REGISTRY_PASSWORD.
 */
export function githubRelease(
  cli: Container,
  source: Directory,
  config: PipelineConfig,
  options: GithubReleaseOptions,
): Promise<string> {
  const golang = dag.container().from(TOOL_IMAGES.golang(config.go.version));
  let container = cli
    .withDirectory(GOROOT, golang.directory(GOROOT))
    .withEnvVariable("PATH", `${GOROOT}/bin:\${PATH}`, { expand: true })
    .withMountedCache(GO_CACHE_PATHS.modules, dag.cacheVolume(cacheVolumes.goModules(config.go.version)))
    .withEnvVariable("GOMODCACHE", GO_CACHE_PATHS.modules)
    // The mounted repository belongs to another uid; git refuses it without this.
    .withExec(["git", "config", "--system", "--add", "safe.directory", "*"])
    .withSecretVariable("GITHUB_TOKEN", options.token);
  if (options.repository) container = container.withEnvVariable("GITHUB_REPOSITORY", options.repository);
  if (options.apiUrl) container = container.withEnvVariable("GITHUB_API_URL", options.apiUrl);
  const argv = ["github-release"];
  if (options.tag) argv.push("--tag", options.tag);
  if (options.draft) argv.push("--draft");
  if (options.sboms) {
    // Outside the repository mount, so the SBOMs never mix with the source the archives read.
    container = container.withMountedDirectory("/sboms", options.sboms);
    argv.push("--sbom-dir", "/sboms");
  }
  if (options.registrySboms) argv.push("--registry-sboms");
  if (options.registry) argv.push("--registry", options.registry);
  return runCli(container, source, argv, { registry: options.registryAuth }, options.runId);
}

/** The arguments of `dagger call github-release`. */
export interface GithubReleaseInput
  extends Omit<GithubReleaseOptions, "registryAuth" | "runId">,
    RegistryLoginArgs {}

/** Creates or finishes the GitHub release of a tag. */
export async function githubReleaseForEvent(
  context: ModuleContext,
  input: GithubReleaseInput,
): Promise<string> {
  const { username, password, registryHosts, registryUsernames, registryPasswords, ...options } = input;
  const logins = await registryLogins("github-release", {
    username,
    password,
    registryHosts,
    registryUsernames,
    registryPasswords,
  });
  return githubRelease(context.cli(), context.source, await context.config(), {
    ...options,
    registryAuth: logins,
    runId: runId(),
  });
}
