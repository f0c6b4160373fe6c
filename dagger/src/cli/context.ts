/**
 * What every command needs before it starts: where the repo is and its resolved config. Loaded on
 * demand (dynamic import) so `--help` neither reads a file nor loads the YAML parser: the CLI's
 * startup budget is 300 ms.
 */
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import type { PipelineConfig } from "../core/config/config.js";

/** The repo a command runs against. */
export interface RepoContext {
  root: string;
  config: PipelineConfig;
}

/** The directory the user ran `npm run pipeline` from (npm changes cwd to dagger/, INIT_CWD keeps it). */
export function userCwd(): string {
  return process.env.INIT_CWD ?? process.cwd();
}

/** Resolves `--config` (global option) or finds pipeline.yaml upward from the user's directory. */
export async function configPath(command: Command): Promise<string> {
  const explicit = command.optsWithGlobals<{ config?: string }>().config;
  if (explicit) return resolve(userCwd(), explicit);
  const { CONFIG_FILE, findRepoRoot } = await import("../adapters/config/config-file.js");
  return resolve(findRepoRoot(userCwd()), CONFIG_FILE);
}

/** Loads the repo context for a command. */
export async function loadRepo(command: Command): Promise<RepoContext> {
  const file = await configPath(command);
  const { loadConfig } = await import("../adapters/config/config-file.js");
  return { root: dirname(file), config: loadConfig(file) };
}
