/**
 * The helm (and kubectl) argv of a deploy, a helm test, a rollback and a removal. The module runs
 * them in the helm image against the cluster's kubeconfig and the host runner runs the very same
 * argv with the host's helm, so what the integration tests prove against a real API server is what
 * `dagger call deploy` does.
 */

import type { PipelineConfig } from "../config/config.js";
import { chartImages } from "../config/images-section.js";
import { UsageError } from "../errors.js";
import { imageValueChanges } from "../gitops/promotion.js";
import { safeEcho } from "../validate.js";
import type { DeployTarget } from "./target.js";

/** How long helm waits for a rollout, a test pod or a removal unless told otherwise. */
export const DEPLOY_TIMEOUT = "5m";

/** A duration helm's `--timeout` takes (Go's time.ParseDuration): `90s`, `5m`, `1h30m`. */
export function isHelmDuration(text: unknown): text is string {
  return (
    typeof text === "string" && /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text) && !/^0+[a-z]/.test(text)
  );
}

/** `timeout`, checked, or the default; a UsageError names the flag and an example. */
export function deployTimeout(timeout?: string | null): string {
  if (timeout == null || timeout === "") return DEPLOY_TIMEOUT;
  if (!isHelmDuration(timeout))
    throw new UsageError(`--timeout ${safeEcho(timeout)} is not a duration (examples: 90s, 5m, 1h30m)`);
  return timeout;
}

/** What a deploy sets on top of the values file. */
export interface DeployValues {
  /** Every image's tag. */
  imageTag: string;
  /**
   * The registry (and namespace) the images were published to, when it is not the one the values
   * name: the local loop's own registry. Each image's repository becomes `<registry>/<image name>`.
   */
  registry?: string;
}

/**
 * The values a deploy sets, key to value: each image's tag (and repository, with a registry),
 * then the target's own (a preview's host). Every one is a string: `--set` would turn a tag such
 * as `123` into a number, which a chart's schema refuses.
 */
export function deployValues(
  config: Pick<PipelineConfig, "images">,
  target: DeployTarget,
  values: DeployValues,
): Record<string, string> {
  const set: Record<string, string> = {};
  const registry = values.registry?.replace(/\/+$/, "");
  for (const image of chartImages(config.images))
    if (registry) set[`${image.values}.repository`] = `${registry}/${image.name}`;
  for (const change of imageValueChanges(config, values.imageTag)) set[change.key] = change.value;
  return { ...set, ...target.set };
}

function setFlags(values: Readonly<Record<string, string>>): string[] {
  return Object.entries(values).flatMap(([key, value]) => ["--set-string", `${key}=${value}`]);
}

/** Everything a deploy's helm commands need. */
export interface DeployCommandsInput extends DeployValues {
  /** The chart: a folder relative to the repository root (or a packaged chart). */
  chart: string;
  /** helm's `--timeout` (default {@link DEPLOY_TIMEOUT}). */
  timeout?: string;
}

/** The argv of one deploy: read the release, render the upgrade without applying it, apply it. */
export interface DeployCommands {
  /** `helm status -o json`: the deployed release, or "release: not found". */
  status: string[];
  /** The upgrade rendered by the API server without applying it (`--dry-run=server -o json`). */
  dryRun: string[];
  /**
   * The upgrade: `--atomic` rolls a rollout that does not become ready within the timeout back to
   * the previous revision (a first install is removed), `--debug` makes helm say which resource it
   * was waiting for, and `-o json` gives the new revision without printing the values.
   */
  upgrade: string[];
}

/** The helm argv of deploying the chart to `target` (the module and the host runner run these). */
export function deployCommands(
  config: Pick<PipelineConfig, "app" | "images">,
  target: DeployTarget,
  input: DeployCommandsInput,
): DeployCommands {
  const release = [
    "helm",
    "upgrade",
    "--install",
    config.app,
    input.chart,
    "--namespace",
    target.namespace,
    "--create-namespace",
    "--values",
    target.valuesFile,
    ...setFlags(deployValues(config, target, input)),
  ];
  return {
    status: helmStatusArgv(config.app, target.namespace),
    dryRun: [...release, "--dry-run=server", "--output", "json"],
    upgrade: [
      ...release,
      "--atomic",
      "--wait",
      "--timeout",
      deployTimeout(input.timeout),
      "--debug",
      "--output",
      "json",
    ],
  };
}

/** `helm status` of the release as JSON (its revision, status, manifest and hooks). */
export function helmStatusArgv(release: string, namespace: string): string[] {
  return ["helm", "status", release, "--namespace", namespace, "--output", "json"];
}

/**
 * `helm test` of the release. Without `--logs`: helm 3 fetches the logs after the hooks' delete
 * policy ran, so a test pod with `hook-succeeded` (as the sample chart's) is gone and a passing
 * test exits 1 ("unable to get pod logs", helm/helm#9098, fixed only in helm 4).
 */
export function helmTestArgv(release: string, namespace: string, timeout?: string): string[] {
  return ["helm", "test", release, "--namespace", namespace, "--timeout", deployTimeout(timeout)];
}

/** `helm history` of the release as JSON. */
export function helmHistoryArgv(release: string, namespace: string): string[] {
  return ["helm", "history", release, "--namespace", namespace, "--output", "json"];
}

/** `helm rollback` to `revision`, waiting for the rolled-back resources to be ready. */
export function helmRollbackArgv(
  release: string,
  namespace: string,
  revision: number,
  timeout?: string,
): string[] {
  return [
    "helm",
    "rollback",
    release,
    String(revision),
    "--namespace",
    namespace,
    "--wait",
    "--timeout",
    deployTimeout(timeout),
  ];
}

/** `helm uninstall`, waiting until the release's resources are deleted. */
export function helmUninstallArgv(release: string, namespace: string, timeout?: string): string[] {
  return [
    "helm",
    "uninstall",
    release,
    "--namespace",
    namespace,
    "--wait",
    "--timeout",
    deployTimeout(timeout),
  ];
}

/** Deletes a preview's namespace (and whatever else is in it), waiting until it is gone. */
export function deleteNamespaceArgv(namespace: string, timeout?: string): string[] {
  return [
    "kubectl",
    "delete",
    "namespace",
    namespace,
    "--ignore-not-found",
    "--wait=true",
    `--timeout=${deployTimeout(timeout)}`,
  ];
}
