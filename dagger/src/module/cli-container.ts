/**
 * The project's own CLI (dagger/bin/pipeline.ts, built to dist/bin/pipeline.js) in a pinned Node
 * image that has git. The module's own container has only node: steps that need git (promote,
 * preview, rollback) or that call a registry (verify, latest) run here, as the same commands a
 * developer runs, so each step has one implementation. Credentials arrive as secret variables.
 */
import { type Container, type Directory, dag, type Secret } from "@dagger.io/dagger";
import type { PipelineConfig } from "../core/config/config.js";
import { cacheVolumes, TOOL_IMAGES } from "../core/tools/images.js";
import { cliInvocation } from "../core/tools/pipeline-cli.js";

const MODULE_DIR = "/pipeline";
const REPO_DIR = "/repo";

/** Credentials the CLI reads from its environment, never from argv. */
export interface CliCredentials {
  /** The gitops token (GITOPS_TOKEN; also GITHUB_TOKEN, for promotions by pull request). */
  gitopsToken?: Secret;
  /** Registry access (REGISTRY_USERNAME, REGISTRY_PASSWORD) for verify and latest. */
  registry?: { username: string; password: Secret };
  /** The release's private key PEM (COSIGN_PRIVATE_KEY), for sign and attest. */
  signingKey?: Secret;
  /** The release's public key PEM (COSIGN_PUBLIC_KEY): verify also checks signatures, SBOMs, provenance. */
  publicKey?: Secret;
}

/**
 * The CLI built from the module's source (`dag.currentModule().source()`): dependencies first,
 * from the lockfile alone, so a source change reuses the installed tree.
 */
export function cliContainer(moduleSource: Directory): Container {
  const manifests = dag
    .directory()
    .withFile("package.json", moduleSource.file("package.json"))
    .withFile("package-lock.json", moduleSource.file("package-lock.json"));
  return dag
    .container()
    .from(TOOL_IMAGES.nodeGit)
    .withMountedCache("/root/.npm", dag.cacheVolume(cacheVolumes.npm()))
    .withDirectory(MODULE_DIR, manifests)
    .withWorkdir(MODULE_DIR)
    .withExec(["npm", "ci", "--no-audit", "--no-fund"])
    .withDirectory(MODULE_DIR, moduleSource, {
      include: ["tsconfig.json", "tsconfig.build.json", "bin/**", "src/**"],
    })
    .withExec(["node", "node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"]);
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
  if (credentials.registry)
    container = container
      .withEnvVariable("REGISTRY_USERNAME", credentials.registry.username)
      .withSecretVariable("REGISTRY_PASSWORD", credentials.registry.password);
  if (credentials.signingKey)
    container = container.withSecretVariable("COSIGN_PRIVATE_KEY", credentials.signingKey);
  if (credentials.publicKey)
    container = container.withSecretVariable("COSIGN_PUBLIC_KEY", credentials.publicKey);
  return container
    .withExec(cliInvocation(`${MODULE_DIR}/dist/bin/pipeline.js`, `${REPO_DIR}/pipeline.yaml`, argv))
    .stdout();
}

/** The moment of this call: set on execs that must run on every call (see runCli). */
export function runId(): string {
  return new Date().toISOString();
}
