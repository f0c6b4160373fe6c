/**
 * The render check of promote, rollback and preview up (core/gitops/validation.ts decides): the
 * chart is found once per command — the checkout's chart folder, or the promoted version pulled
 * from the chart registry into a temp dir — and each attempt renders it with `helm template` and
 * the values as the gitops clone holds them after the edit, before the commit. A render that fails
 * throws helm's own error, so commitWithRetry commits and pushes nothing.
 */
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { PipelineConfig } from "../../core/config/config.js";
import { FailureError, MissingToolError } from "../../core/errors.js";
import { environmentFiles, gitopsPath } from "../../core/gitops/promotion.js";
import {
  type RenderStep,
  renderChartSource,
  renderRefusal,
  renderStep,
} from "../../core/gitops/validation.js";
import { makeTempDir, removeTempDir } from "../process-lifecycle.js";
import { pullChart } from "../registry/chart-pull.js";
import type { RegistryAccess } from "../registry/connect.js";
import { runTool } from "../runners/host/exec.js";
import { requireTools } from "../runners/host/tools.js";
import { pathInside } from "./paths.js";

/** A prepared check: render an environment's or a preview's values from a clone, then close. */
export interface RenderCheck {
  /** The chart rendered (`helm/app`, `oci://.../app:1.2.3`), or why nothing is. */
  readonly chart: string | null;
  readonly note: string;
  /** Renders `environment` with its values file in the clone `dir`; throws helm's error. */
  environment(dir: string, environment: string): Promise<void>;
  /** Renders a preview: the shared preview values of the clone and its Application's parameters. */
  preview(dir: string, namespace: string, parameters: Record<string, string>): Promise<void>;
  /** Removes a pulled chart. */
  close(): void;
}

/** What the check needs besides the config. */
export interface RenderCheckOptions {
  /** The command, for messages (`promote`, `preview up`). */
  what: string;
  chartVersion: string;
  /** The app's checkout, where the chart folder is (default: the folder of pipeline.yaml). */
  root?: string;
  /** Registry access for `gitops.validate: registry`. */
  registry?: RegistryAccess;
}

/** Finds the chart and helm for `options.what`; nothing to render gives a check that only says why. */
export async function prepareRenderCheck(
  config: PipelineConfig,
  options: RenderCheckOptions,
): Promise<RenderCheck> {
  const root = options.root ?? dirname(resolve(config.file));
  const repoHasChart = config.chart.path !== "" && existsSync(join(root, config.chart.path, "Chart.yaml"));
  const source = renderChartSource(config, options.chartVersion, repoHasChart);
  if (source.kind === "none") {
    const nothing = async () => undefined;
    return {
      chart: null,
      note: `not rendered: ${source.reason}`,
      environment: nothing,
      preview: nothing,
      close: () => undefined,
    };
  }
  let helm: string;
  try {
    helm = requireTools(options.what, ["helm"]).helm!;
  } catch (error) {
    if (!(error instanceof MissingToolError)) throw error;
    throw new MissingToolError(
      `${error.message}; ${options.what} renders the chart with the values before it commits (or set gitops.validate: off); nothing was pushed`,
      error.missing,
    );
  }
  let chart: string;
  let shown: string;
  let temp: string | undefined;
  if (source.kind === "repo") {
    chart = join(root, source.path);
    shown = source.path;
  } else {
    const tgz = await pullChart({
      target: config.chart.registry,
      name: config.app,
      version: source.version,
      ...options.registry,
    });
    temp = makeTempDir("pipeline-chart-");
    chart = join(temp, `${config.app}-${source.version}.tgz`);
    writeFileSync(chart, tgz);
    shown = `${config.chart.registry.replace(/\/+$/, "")}/${config.app}:${source.version}`;
  }
  const run = async (dir: string, step: RenderStep) => {
    const [, ...args] = step.argv;
    const out = await runTool([helm, ...args], {
      cwd: dir,
      what: `${options.what} (helm template)`,
      allowFail: true,
    });
    if (out.code !== 0)
      throw new FailureError(renderRefusal(`${options.what} ${step.what}`, shown, out.stderr || out.stdout));
  };
  return {
    chart: shown,
    note: `rendered ${shown} with the committed values`,
    environment: (dir, environment) => {
      const values = environmentFiles(config, environment).values;
      return run(
        dir,
        renderStep(config, {
          what: environment,
          chart,
          valuesFile: pathInside(dir, values, values),
          namespace: config.environments[environment]!.namespace,
        }),
      );
    },
    preview: (dir, namespace, parameters) => {
      const values = gitopsPath(config, config.preview.valuesFile);
      return run(
        dir,
        renderStep(config, {
          what: namespace,
          chart,
          valuesFile: pathInside(dir, values, values),
          namespace,
          set: parameters,
        }),
      );
    },
    close: () => {
      if (temp) removeTempDir(temp);
    },
  };
}
