/**
 * What every module function starts from: the repository (the constructor's `source`), its
 * pipeline.yaml resolved once per call, the plan of an event, and the project's CLI in its
 * container. index.ts makes one per call and hands it to the stage group that does the work.
 */
import { type Container, type Directory, dag } from "@dagger.io/dagger";
import { planFor } from "../adapters/release/plan-source.js";
import type { PipelineConfig } from "../core/config/config.js";
import type { Plan } from "../core/release/plan.js";
import { cliContainer } from "./cli-container.js";
import { containerGit, loadModuleConfig } from "./source.js";

/** The event a plan is made for: the flags `pipeline plan` takes. */
export interface PlanFlags {
  ref?: string;
  sha?: string;
  pr?: number;
  event?: string;
  env?: string;
  tagType?: string;
  latestCurrent?: string;
}

/** One function call's view of the repository. */
export interface ModuleContext {
  source: Directory;
  /** pipeline.yaml, read and validated on first use. */
  config(): Promise<PipelineConfig>;
  /** The plan of an event (default: the checkout's). */
  plan(flags?: PlanFlags): Promise<Plan>;
  /** The project's CLI in its container, built from this module's own source. */
  cli(): Container;
}

/** The context of one call over `source`. */
export function moduleContext(source: Directory): ModuleContext {
  let config: Promise<PipelineConfig> | undefined;
  const context: ModuleContext = {
    source,
    config: () => {
      config ??= loadModuleConfig(source);
      return config;
    },
    // No environment: the plan's date is the commit's, so every input it reaches is the same on
    // every call of one commit and the engine's cache holds (SOURCE_DATE_EPOCH is the CLI's).
    plan: async (flags = {}) => planFor(containerGit(source), await context.config(), flags, {}),
    cli: () => cliContainer(dag.currentModule().source()),
  };
  return context;
}
