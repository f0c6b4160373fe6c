/**
 * Where a deploy goes: the namespace, the values file and the values set on top of it. The same
 * for `dagger call deploy` and the host runner's deploy, and for a pull request's preview the same
 * namespace and host its Argo CD Application gets (core/gitops/layout.ts).
 */
import type { PipelineConfig } from "../config/config.js";
import { UsageError } from "../errors.js";
import { previewHost, previewNamespace } from "../gitops/preview.js";
import { safeEcho } from "../validate.js";

/** The environment whose values a preview uses (pipeline.yaml's `preview:`), beside those of `environments:`. */
export const PREVIEW_ENVIRONMENT = "preview";

/** Where and with what a release is deployed. */
export interface DeployTarget {
  /** The environment whose values are used (staging, uat, prod, preview). */
  environment: string;
  namespace: string;
  /** The values file, relative to the repository root. */
  valuesFile: string;
  /** Values set on top of the file (`--set-string key=value`), such as a preview's host. */
  set: Readonly<Record<string, string>>;
  /** The pull request, when the target is its preview. */
  pr?: number;
}

/** The environments a deploy can name: pipeline.yaml's, and preview. */
export function deployEnvironments(config: Pick<PipelineConfig, "environments">): string[] {
  return [...Object.keys(config.environments), PREVIEW_ENVIRONMENT];
}

/**
 * The target of a deploy to `environment`; with `pr`, that pull request's preview (environment
 * preview only): namespace and host from pipeline.yaml's `preview.namespace` and `preview.host`.
 * Without `pr`, preview deploys to the namespace `preview`, as the local loop does. Throws a
 * UsageError for an unknown environment, or a pull request with another environment.
 */
export function deployTarget(
  config: Pick<PipelineConfig, "environments" | "preview">,
  environment: string,
  pr?: number | null,
): DeployTarget {
  if (environment !== PREVIEW_ENVIRONMENT && !Object.hasOwn(config.environments, environment))
    throw new UsageError(
      `unknown environment ${safeEcho(environment)}; pipeline.yaml defines: ${deployEnvironments(config).join(", ")}`,
    );
  if (environment !== PREVIEW_ENVIRONMENT) {
    if (pr != null)
      throw new UsageError(
        `a pull request deploys to its preview: use --pr with the preview environment, not ${safeEcho(environment)}`,
      );
    return {
      environment,
      namespace: config.environments[environment]?.namespace ?? environment,
      valuesFile: `environments/${environment}/values.yaml`,
      set: {},
    };
  }
  if (pr == null)
    return { environment, namespace: PREVIEW_ENVIRONMENT, valuesFile: config.preview.valuesFile, set: {} };
  const host = previewHost(config.preview.host, pr);
  return {
    environment,
    namespace: previewNamespace(config.preview.namespace, pr),
    valuesFile: config.preview.valuesFile,
    set: host ? { [config.preview.hostKey]: host } : {},
    pr,
  };
}

/** How a target is named in messages: `preview-42 (preview of #42)`, `staging`. */
export function targetName(target: DeployTarget): string {
  if (target.pr != null) return `${target.namespace} (preview of #${target.pr})`;
  return target.namespace === target.environment
    ? target.namespace
    : `${target.namespace} (${target.environment})`;
}
