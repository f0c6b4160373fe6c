/**
 * Promotion checks what it is about to commit: before the push, the chart is rendered with
 * `helm template` and the environment's values as the gitops clone holds them after the edit, so
 * the chart's `values.schema.json` and its `required` values are checked as Argo CD's render
 * would. A render that fails refuses the promotion with helm's own error; nothing is committed.
 *
 * Which chart (`gitops.validate`): `auto` renders the repository's chart folder when the command
 * runs in a checkout that has one (CI's release job, a developer, the module's CLI container), and
 * renders nothing otherwise (a repository whose chart lives elsewhere, as before); `repo` insists on
 * the repository's chart; `registry` pulls the promoted chart version from `chart.registry`, what
 * Argo CD deploys; `off` renders nothing.
 */
import { helmTemplateArgv } from "../chart/commands.js";
import type { PipelineConfig } from "../config/config.js";
import { UsageError } from "../errors.js";
import { safeEcho } from "../validate.js";

/** `gitops.validate`. */
export type ValidateMode = "auto" | "repo" | "registry" | "off";

/** Where the chart that is rendered comes from, or why nothing is rendered. */
export type ChartSource =
  | { kind: "repo"; path: string }
  | { kind: "registry"; version: string }
  | { kind: "none"; reason: string };

/** The chart a promotion (or preview) renders, given whether the repository's chart folder is here. */
export function renderChartSource(
  config: Pick<PipelineConfig, "chart" | "file"> & { gitops: { validate: ValidateMode } },
  chartVersion: string,
  repoHasChart: boolean,
): ChartSource {
  const mode = config.gitops.validate;
  if (mode === "off") return { kind: "none", reason: "gitops.validate is off" };
  if (mode === "registry") return { kind: "registry", version: chartVersion };
  if (repoHasChart) return { kind: "repo", path: config.chart.path };
  if (mode === "repo") {
    throw new UsageError(
      `${config.file}: gitops.validate is repo, but ${config.chart.path ? `the chart folder ${safeEcho(config.chart.path)} is not in this checkout` : "the repository has no chart"}; run from the app's checkout, or set gitops.validate: registry (render the pushed chart) or off; nothing was pushed`,
    );
  }
  return {
    kind: "none",
    reason: "no chart in this checkout (gitops.validate: registry renders the pushed chart)",
  };
}

/** One render: the environment (or preview) it is for, and helm's argv. */
export interface RenderStep {
  what: string;
  argv: string[];
}

/**
 * `helm template` of `chart` (a folder or a pulled .tgz) with an environment's values file from
 * the clone and, for a preview, the parameters its Application passes (as `--set`, like Argo CD).
 */
export function renderStep(
  config: Pick<PipelineConfig, "app" | "chart">,
  input: { what: string; chart: string; valuesFile: string; namespace: string; set?: Record<string, string> },
): RenderStep {
  return {
    what: input.what,
    argv: helmTemplateArgv(config.app, input.chart, input.valuesFile, input.namespace, {
      kubeVersion: config.chart.kubernetesVersion,
      set: input.set,
    }),
  };
}

/** The most characters of helm's error a refusal quotes. */
const MAX_ERROR_CHARS = 2000;

/**
 * The refusal when a render fails: what, with which chart, helm's own words (its lines joined, as
 * the CLI prints an error on one line), and that nothing was pushed.
 */
export function renderRefusal(what: string, chart: string, helmOutput: string): string {
  const said = helmOutput
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join(" ");
  const shown = said.length > MAX_ERROR_CHARS ? `${said.slice(0, MAX_ERROR_CHARS)} ...` : said;
  return `${what}: the chart ${chart} does not render with the values about to be committed (helm template), so Argo CD could not deploy them; nothing was committed or pushed. helm said: ${shown} (fix the values in the gitops repository or the chart, or set gitops.validate: off to skip this check)`;
}
