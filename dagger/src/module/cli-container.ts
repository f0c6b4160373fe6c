/**
 * The project's own CLI (dagger/bin/pipeline.ts, transpiled to dist/bin/pipeline.js) in a pinned Node
 * image that has git. The module's own container has only node: steps that need git (promote,
 * preview, rollback) or that call a registry (verify, latest) run here, as the same commands a
 * developer runs, so each step has one implementation. Credentials arrive as secret variables.
 */
import { type Container, type Directory, dag, type Secret } from "@dagger.io/dagger";
import type { PipelineConfig } from "../core/config/config.js";
import { loginEnvironment } from "../core/registry/logins.js";
import { cacheVolumes, TOOL_IMAGES } from "../core/tools/images.js";
import { CLI_BUILD, cliInvocation } from "../core/tools/pipeline-cli.js";
import type { RegistryLogins } from "./credentials.js";
import { withToolOutput } from "./exec-errors.js";

const MODULE_DIR = "/pipeline";
const REPO_DIR = "/repo";

/** Credentials the CLI reads from its environment, never from argv. */
export interface CliCredentials {
  /** The gitops token (GITOPS_TOKEN; also GITHUB_TOKEN, for promotions by pull request). */
  gitopsToken?: Secret;
  /**
   * Registry access for verify and latest: the login for every host as REGISTRY_USERNAME and
   * REGISTRY_PASSWORD, each host's own as REGISTRY_<HOST>_USERNAME and REGISTRY_<HOST>_PASSWORD.
   */
  registry?: RegistryLogins;
  /** The release's private key PEM (COSIGN_PRIVATE_KEY), for sign and attest. */
  signingKey?: Secret;
  /** The release's public key PEM (COSIGN_PUBLIC_KEY): verify also checks signatures, SBOMs, provenance. */
  publicKey?: Secret;
}

/**
 * The CLI built from the module's source (`dag.currentModule().source()`, whose package.json the
 * engine's runtime has already stripped of `@dagger.io/dagger`): production dependencies from the
 * lockfile first, so a source change reuses the installed tree, then the CLI's own files
 * transpiled without a type-check. The steps are the core's {@link CLI_BUILD}, which the
 * integration tier runs on the host against the same rewritten package.json.
 */
export function cliContainer(moduleSource: Directory): Container {
  let manifests = dag.directory();
  for (const file of CLI_BUILD.manifests) manifests = manifests.withFile(file, moduleSource.file(file));
  return dag
    .container()
    .from(TOOL_IMAGES.nodeGit)
    .withMountedCache("/root/.npm", dag.cacheVolume(cacheVolumes.npm()))
    .withDirectory(MODULE_DIR, manifests)
    .withWorkdir(MODULE_DIR)
    .withExec([...CLI_BUILD.install])
    .withDirectory(MODULE_DIR, moduleSource, {
      include: [...CLI_BUILD.sources.include],
      exclude: [...CLI_BUILD.sources.exclude],
    })
    .withExec([...CLI_BUILD.compile]);
}

/** What the CLI reads of the repository: pipeline.yaml and the Go binaries under `<go.source>/cmd`. */
export function cliRepository(source: Directory, config: PipelineConfig): Directory {
  const cmd = `${config.go.source}/cmd`;
  return dag
    .directory()
    .withFile("pipeline.yaml", source.file("pipeline.yaml"))
    .withDirectory(cmd, source.directory(cmd));
}

/**
 * Runs `pipeline <argv> --json` and resolves to its JSON output. `runId` changes on every call
 * (the functions that use this are never cached): without it the engine would replay a previous
 * identical exec from its layer cache and push nothing. `variables` are plain (not secret)
 * environment variables, such as the GitHub Actions run `attest` records: `dagger call` passes
 * none of the caller's environment into the module, so the module hands them on explicitly.
 */
export async function runCli(
  cli: Container,
  repository: Directory,
  argv: readonly string[],
  credentials: CliCredentials,
  runId: string,
  variables: Readonly<Record<string, string>> = {},
): Promise<string> {
  let container = cli.withMountedDirectory(REPO_DIR, repository).withEnvVariable("PIPELINE_RUN_ID", runId);
  for (const [name, value] of Object.entries(variables)) container = container.withEnvVariable(name, value);
  if (credentials.gitopsToken)
    container = container
      .withSecretVariable("GITOPS_TOKEN", credentials.gitopsToken)
      .withSecretVariable("GITHUB_TOKEN", credentials.gitopsToken);
  if (credentials.registry) {
    const logins = loginEnvironment(credentials.registry);
    for (const [name, value] of Object.entries(logins.plain))
      container = container.withEnvVariable(name, value);
    for (const [name, value] of Object.entries(logins.secret))
      container = container.withSecretVariable(name, value);
  }
  if (credentials.signingKey)
    container = container.withSecretVariable("COSIGN_PRIVATE_KEY", credentials.signingKey);
  if (credentials.publicKey)
    container = container.withSecretVariable("COSIGN_PUBLIC_KEY", credentials.publicKey);
  // A failure anywhere in the chain (the install, the compile or the command) names its own
  // command and carries that tool's last lines, not only "exit code: 2".
  return withToolOutput(
    `pipeline ${argv[0] ?? ""}`.trim(),
    container
      .withExec(cliInvocation(`${MODULE_DIR}/${CLI_BUILD.entry}`, `${REPO_DIR}/pipeline.yaml`, argv))
      .stdout(),
  );
}

/** The moment of this call: set on execs that must run on every call (see runCli). */
export function runId(): string {
  return new Date().toISOString();
}
