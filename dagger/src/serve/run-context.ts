/**
 * The types a run's pieces share (executor.ts, build-run.ts, publish-stage.ts, gitops-effects.ts,
 * workers.ts), in a file of their own so those modules import each other one way only.
 */
import type { GitAuth } from "../adapters/gitops/git.js";
import type { Store } from "../adapters/serve/store.js";
import type { PipelineConfig } from "../core/config/config.js";
import type { Plan } from "../core/release/plan.js";
import type { RunStatus } from "../core/serve/queue.js";

/** What every run needs. */
export interface ExecutorContext {
  store: Store;
  /** Where builds fetch commits from. */
  repoUrl?: string;
  /** Token for fetching (PIPELINE_REPO_TOKEN); never in a URL or argv. */
  repoAuth?: GitAuth;
  /** Work dirs live here, one per run, removed after it. */
  workRoot: string;
  runner: "host" | "dagger";
  /** The CLI entry (`node <entry> <stage>`). */
  cliEntry: string;
  /** The server's own pipeline.yaml: every deploy target (gitops, registries, environments) comes from it. */
  config: PipelineConfig;
  gitopsAuth?: GitAuth;
  /** The environment of processes that run repository code: an allow-list, no credential (core/serve/stage-env.ts). */
  stageEnv: (tmpDir: string) => NodeJS.ProcessEnv;
  /** An image to run the repository's code in (host runner: `--container`), with only the checkout mounted. */
  container?: string;
  /** serve's URL, for the Pipeline-Run trailer of its gitops commits. */
  baseUrl: () => string;
  /** The database's installation id: part of every operation's name. */
  installation: string;
}

/** How a run ended (or paused, waiting for approval). */
export interface RunResult {
  status: RunStatus;
  error?: string;
  version?: string;
}

/** What the stages of one build share. */
export interface BuildState {
  /** The run's folder: the checkout and the temp dir. */
  runDir: string;
  /** The checkout. */
  dir: string;
  commit: string;
  config: PipelineConfig;
  plan: Plan;
}
