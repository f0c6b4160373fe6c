/**
 * What every command needs before it starts: where the repo is and its resolved config. Loaded on
 * demand so `--help` never reads a file.
 */
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { CONFIG_FILE, findRepoRoot, loadConfig } from "../adapters/config-file.js";
import type { PipelineConfig } from "../core/config.js";

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
export function configPath(command: Command): string {
  const explicit = command.optsWithGlobals<{ config?: string }>().config;
  if (explicit) return resolve(userCwd(), explicit);
  return resolve(findRepoRoot(userCwd()), CONFIG_FILE);
}

/** Loads the repo context for a command. */
export function loadRepo(command: Command): RepoContext {
  const file = configPath(command);
  return { root: dirname(file), config: loadConfig(file) };
}
