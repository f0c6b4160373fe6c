/**
 * chart-lint on the host: helm lint, then helm template per environment piped into kubeconform,
 * the argv of core/chart/commands.ts. kubeconform reads its schemas from KUBECONFORM_SCHEMA_LOCATION
 * (this machine's copy) first, then pipeline.yaml's chart.schemaLocation; with neither, from a copy
 * kept in ~/.cache/pipeline/k8s-schemas/<kubernetes version>/ (for machines without that network),
 * else from GitHub.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { chartLintSteps, unreadImageValues } from "../../../core/chart/commands.js";
import type { PipelineConfig } from "../../../core/config/config.js";
import { FailureError } from "../../../core/errors.js";
import { runTool } from "./exec.js";
import { pathWith, requireTools } from "./tools.js";

/**
 * The machine's own schema location for this run, if any (see the file comment); the cached copy
 * only when pipeline.yaml's chart.schemaLocation names none (the config says where, then).
 */
export function localSchemaLocation(
  kubernetesVersion: string,
  configured: readonly string[] = [],
): string | undefined {
  if (process.env.KUBECONFORM_SCHEMA_LOCATION) return process.env.KUBECONFORM_SCHEMA_LOCATION;
  if (configured.length > 0) return undefined;
  const dir = join(homedir(), ".cache", "pipeline", "k8s-schemas", kubernetesVersion);
  return existsSync(join(dir, "deployment-apps-v1.json"))
    ? `${dir}/{{ .ResourceKind }}{{ .KindSuffix }}.json`
    : undefined;
}

/** Runs chart-lint from the repo root; environments are rendered and validated in parallel. */
export async function hostChartLint(
  root: string,
  config: PipelineConfig,
  schemaLocation = localSchemaLocation(config.chart.kubernetesVersion, config.chart.schemaLocation),
): Promise<string> {
  const found = requireTools("chart-lint", ["helm", "kubeconform"]);
  const env = { PATH: pathWith(found) };
  const plan = chartLintSteps(
    config,
    (file) => existsSync(join(root, file)),
    schemaLocation ? [schemaLocation] : undefined,
  );
  const lines = await Promise.all(
    plan.map(async (step) => {
      if (step.kind === "lint") {
        await runTool(step.argv, { cwd: root, env, what: `chart-lint (helm lint ${step.environment})` });
        return `${step.environment}: helm lint ok`;
      }
      if (step.kind === "images") {
        const rendered = await runTool(step.template, { cwd: root, env, what: "chart-lint (image values)" });
        const problem = unreadImageValues(rendered.stdout, step.expect);
        if (problem) throw new FailureError(`chart-lint: ${problem}`);
        return `images: the chart reads ${step.expect.map((e) => e.key).join(", ")}`;
      }
      const rendered = await runTool(step.template, {
        cwd: root,
        env,
        what: `chart-lint (helm template ${step.environment})`,
      });
      const verdict = await runTool(step.validate, {
        cwd: root,
        env,
        input: rendered.stdout,
        what: `chart-lint (kubeconform ${step.environment})`,
      }).catch((error: Error) => {
        if (!/failed downloading schema/.test(error.message)) throw error;
        throw new FailureError(
          `chart-lint (kubeconform ${step.environment}): cannot download the Kubernetes schemas; without that network point chart.schemaLocation in pipeline.yaml (or KUBECONFORM_SCHEMA_LOCATION) at a local copy (kubeconform -schema-location syntax)\n${error.message}`,
        );
      });
      return `${step.environment}: ${verdict.stdout.trim().split("\n").pop()}`;
    }),
  );
  const rendered = plan.filter((s) => s.kind === "render").map((s) => s.environment);
  const what =
    rendered.length === 1 && rendered[0] === "defaults"
      ? "the chart's defaults"
      : `${rendered.length} environments`;
  return [`helm lint and kubeconform passed for ${what}`, ...lines].join("\n");
}
