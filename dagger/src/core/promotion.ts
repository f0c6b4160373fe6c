/**
 * The gitops change set of a promotion: which files and keys change in the gitops-config repo,
 * and the commit message. The gitops adapter applies it; this module only decides.
 *
 * Layout (under `gitops.path`): `apps/<env>/<app>.yaml` is the Argo CD Application whose chart
 * source's `targetRevision` is the chart version; `environments/<env>/values.yaml` holds the image
 * tag (and digest) of every binary.
 */
import type { PipelineConfig } from "./config.js";
import { UsageError } from "./errors.js";

/** One file and the keys that change in it (dotted paths; `[0]` indexes a list). */
export interface PlannedFileChange {
  path: string;
  changes: { key: string; value: string }[];
}

/** A promotion, decided. */
export interface PromotionPlan {
  environment: string;
  files: PlannedFileChange[];
  message: string;
}

/** The key of the chart version in an Application with sources [chart, values]. */
export const TARGET_REVISION_KEY = "spec.sources[0].targetRevision";

/** Trailers that make the gitops log readable by `pipeline history`. */
export const TRAILERS = {
  app: "Pipeline-App",
  environment: "Pipeline-Env",
  version: "Pipeline-Version",
  chartVersion: "Pipeline-Chart-Version",
  sourceSha: "Pipeline-Source-Sha",
  run: "Pipeline-Run",
  rollback: "Pipeline-Rollback",
} as const;

/** Joins the app's gitops folder with a path inside it. */
export function gitopsPath(config: Pick<PipelineConfig, "gitops">, path: string): string {
  return config.gitops.path ? `${config.gitops.path}/${path}` : path;
}

/** The files of one environment in the gitops repo. */
export function environmentFiles(config: Pick<PipelineConfig, "gitops" | "app">, environment: string) {
  return {
    application: gitopsPath(config, `apps/${environment}/${config.app}.yaml`),
    values: gitopsPath(config, `environments/${environment}/values.yaml`),
  };
}

/** What a promotion is asked to do. */
export interface PromotionInput {
  environment: string;
  imageTag: string;
  chartVersion: string;
  /** Image digests per binary (`sha256:...`), to pin. */
  digests?: Readonly<Record<string, string>>;
  sourceSha: string;
  runUrl?: string;
  rollback?: boolean;
}

/** Decides the change set of promoting `imageTag`/`chartVersion` to an environment. */
export function planPromotion(config: PipelineConfig, input: PromotionInput): PromotionPlan {
  if (!config.environments[input.environment]) {
    throw new UsageError(
      `unknown environment "${input.environment}"; ${config.file} defines: ${Object.keys(config.environments).join(", ")} (example: --env staging)`,
    );
  }
  const files = environmentFiles(config, input.environment);
  const valueChanges = config.binaries
    .filter((b) => b.image)
    .flatMap((b) => {
      const digest = input.digests?.[b.name];
      return [
        { key: `images.${b.name}.tag`, value: input.imageTag },
        ...(digest ? [{ key: `images.${b.name}.digest`, value: digest }] : []),
      ];
    });
  return {
    environment: input.environment,
    files: [
      { path: files.values, changes: valueChanges },
      { path: files.application, changes: [{ key: TARGET_REVISION_KEY, value: input.chartVersion }] },
    ],
    message: promotionMessage(config.app, input),
  };
}

/** The commit message: a subject people read, trailers `pipeline history` reads. */
export function promotionMessage(app: string, input: PromotionInput): string {
  const verb = input.rollback ? "rollback" : "promote";
  const lines = [
    `${verb}(${input.environment}): ${app} ${input.imageTag}`,
    "",
    `${input.rollback ? "Roll back" : "Promote"} ${app} to ${input.imageTag} (chart ${input.chartVersion}) in ${input.environment}.`,
    "",
    `${TRAILERS.app}: ${app}`,
    `${TRAILERS.environment}: ${input.environment}`,
    `${TRAILERS.version}: ${input.imageTag}`,
    `${TRAILERS.chartVersion}: ${input.chartVersion}`,
    `${TRAILERS.sourceSha}: ${input.sourceSha}`,
  ];
  if (input.runUrl) lines.push(`${TRAILERS.run}: ${input.runUrl}`);
  if (input.rollback) lines.push(`${TRAILERS.rollback}: true`);
  return `${lines.join("\n")}\n`;
}
