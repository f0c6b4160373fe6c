/**
 * `promote`, `preview`, `preview-cleanup` and `rollback`: the CLI's gitops commands, run in its
 * container with the gitops token as a secret variable (the module's own container has no git),
 * and, for those that commit values, the pinned helm and the chart folder to render them first.
 */
import { type Container, type Directory, dag, type Secret } from "@dagger.io/dagger";
import type { PipelineConfig } from "../core/config/config.js";
import { TOOL_IMAGES } from "../core/tools/images.js";
import {
  previewDownCommand,
  previewUpCommand,
  promoteCommand,
  rollbackCommand,
} from "../core/tools/pipeline-cli.js";
import { cliRepository, runCli, runId } from "./cli-container.js";
import type { ModuleContext } from "./context.js";
import { type RegistryLoginArgs, type RegistryLogins, registryLogins, requireSecret } from "./credentials.js";

const TOKEN_EXAMPLE = "--token env:GITOPS_TOKEN";

/** The arguments of `dagger call promote`. */
export interface PromoteInput extends RegistryLoginArgs {
  environment: string;
  imageTag: string;
  chartVersion: string;
  token?: Secret;
  repo?: string;
  force?: boolean;
  sha?: string;
}

/** Promotes a version to an environment. */
export async function promote(context: ModuleContext, input: PromoteInput): Promise<string> {
  const token = requireSecret(input.token, "promote --token", TOKEN_EXAMPLE);
  const logins = await registryLogins("promote", input);
  return promotePlanned(context, await context.config(), {
    environment: input.environment,
    imageTag: input.imageTag,
    chartVersion: input.chartVersion,
    sourceSha: input.sha ?? (await context.plan()).event.sha,
    token,
    repo: input.repo,
    force: input.force,
    registry: logins,
  });
}

/** The arguments of `dagger call preview`. */
export interface PreviewInput {
  pr: number;
  imageTag: string;
  chartVersion: string;
  token?: Secret;
  repo?: string;
}

/** Creates or updates a pull request's preview environment. */
export async function preview(context: ModuleContext, input: PreviewInput): Promise<string> {
  const token = requireSecret(input.token, "preview --token", TOKEN_EXAMPLE);
  return previewPlanned(context, await context.config(), { ...input, token });
}

/** Removes a pull request's preview environment. */
export async function previewCleanup(
  context: ModuleContext,
  input: { pr: number; token?: Secret; repo?: string },
): Promise<string> {
  const token = requireSecret(input.token, "preview-cleanup --token", TOKEN_EXAMPLE);
  return gitops(context, await context.config(), previewDownCommand(input), token, undefined, false);
}

/** Rolls an environment back and freezes automatic promotion to it. */
export async function rollback(
  context: ModuleContext,
  input: { environment: string; token?: Secret; to?: string; repo?: string },
): Promise<string> {
  const token = requireSecret(input.token, "rollback --token", TOKEN_EXAMPLE);
  return gitops(context, await context.config(), rollbackCommand(input), token);
}

/** Runs `pipeline promote` (which verifies first where the environment asks for it). */
export function promotePlanned(
  context: ModuleContext,
  config: PipelineConfig,
  options: {
    environment: string;
    imageTag: string;
    chartVersion: string;
    sourceSha: string;
    token: Secret;
    repo?: string;
    force?: boolean;
    registry?: RegistryLogins;
  },
): Promise<string> {
  return gitops(context, config, promoteCommand(options), options.token, options.registry);
}

/** Runs `pipeline preview up`. */
export function previewPlanned(
  context: ModuleContext,
  config: PipelineConfig,
  options: { pr: number; imageTag: string; chartVersion: string; token: Secret; repo?: string },
): Promise<string> {
  return gitops(context, config, previewUpCommand(options), options.token);
}

/** Where the pinned helm binary is placed in the CLI's image (alpine/helm keeps it at /usr/bin/helm). */
const HELM = "/usr/local/bin/helm";

/**
 * The CLI's container with the pinned helm on PATH: promote, rollback and preview up render the
 * chart with the values they are about to commit (core/gitops/validation.ts), and the node image
 * has no helm. helm is a static Go binary, so the one from its own image runs here as it is.
 */
export function withHelm(cli: Container): Container {
  return cli.withFile(HELM, dag.container().from(TOOL_IMAGES.helm).file("/usr/bin/helm"));
}

/** What a gitops command reads of the repository: the CLI's files and, to render it, the chart folder. */
function gitopsRepository(source: Directory, config: PipelineConfig, render: boolean): Directory {
  const files = cliRepository(source, config);
  return render && config.chart.path
    ? files.withDirectory(config.chart.path, source.directory(config.chart.path))
    : files;
}

/**
 * Runs a gitops command of the CLI with the token (and registry access, for promote's verify);
 * `render` gives it helm and the chart folder for the check before the commit.
 */
function gitops(
  context: ModuleContext,
  config: PipelineConfig,
  argv: string[],
  token: Secret,
  registry?: RegistryLogins,
  render = true,
): Promise<string> {
  return runCli(
    render ? withHelm(context.cli()) : context.cli(),
    gitopsRepository(context.source, config, render),
    argv,
    { gitopsToken: token, registry },
    runId(),
  );
}
