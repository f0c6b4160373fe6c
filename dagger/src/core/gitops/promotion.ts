/**
 * The gitops change set of a promotion: which files and keys change in the gitops-config repo,
 * and the commit message. The gitops adapter applies it; this module only decides.
 *
 * Layout (under `gitops.path`): `apps/<env>/<app>.yaml` is the Argo CD Application whose chart
 * source's `targetRevision` is the chart version; `environments/<env>/values.yaml` holds the image
 * tag (and digest) of every image, under the values key each image names.
 */

import type { PipelineConfig } from "../config/config.js";
import { chartImages } from "../config/images-section.js";
import { UsageError } from "../errors.js";
import * as semver from "../release/semver.js";
import {
  hasControlChars,
  hasOwnKey,
  isHexSha,
  relativePathProblem,
  requireOciTag,
  requireSemver,
  safeEcho,
} from "../validate.js";

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

/**
 * Joins the app's gitops folder with a path inside it. Both must be relative without `..`: a
 * promotion never writes outside the gitops repo (the write site checks again, on disk).
 */
export function gitopsPath(config: Pick<PipelineConfig, "gitops">, path: string): string {
  const folderProblem = relativePathProblem(config.gitops.path, true);
  if (folderProblem) throw new UsageError(`gitops.path ${safeEcho(config.gitops.path)} ${folderProblem}`);
  const pathProblem = relativePathProblem(path);
  if (pathProblem) throw new UsageError(`gitops file ${safeEcho(path)} ${pathProblem}`);
  return config.gitops.path ? `${config.gitops.path.replace(/\/+$/, "")}/${path}` : path;
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
  /** Image digests (`sha256:...`) by image name, or by binary for an image of one binary, to pin. */
  digests?: Readonly<Record<string, string>>;
  sourceSha: string;
  runUrl?: string;
  rollback?: boolean;
}

/** The value a source sha trailer may hold when no commit is known (no CI sha, no git checkout). */
export const UNKNOWN_SHA = "unknown";

/**
 * Checks every value that reaches the commit message and the values files: a known environment
 * (own keys only), an OCI image tag, a strict-semver chart version, a hex source sha, sha256
 * digests and a one-line run URL. Trailers are written from these values only, so none can
 * carry a newline and forge another trailer.
 */
export function validatePromotionInput(config: PipelineConfig, input: PromotionInput): void {
  if (!hasOwnKey(config.environments, input.environment)) {
    throw new UsageError(
      `unknown environment ${safeEcho(input.environment)}; ${config.file} defines: ${Object.keys(config.environments).join(", ")} (example: --env staging)`,
    );
  }
  requireOciTag(input.imageTag, "--image-tag");
  requireSemver(input.chartVersion, "--chart-version");
  if (input.sourceSha !== UNKNOWN_SHA && !isHexSha(input.sourceSha)) {
    throw new UsageError(
      `--source-sha ${safeEcho(input.sourceSha)} is not a commit sha (7 to 40 lowercase hex digits, e.g. 3f2a9c1)`,
    );
  }
  for (const [binary, digest] of Object.entries(input.digests ?? {})) {
    if (!/^sha256:[0-9a-f]{64}$/.test(digest))
      throw new UsageError(`--digest ${safeEcho(binary)}=${safeEcho(digest)} is not sha256:<64 hex>`);
  }
  if (
    input.runUrl !== undefined &&
    (!/^https?:\/\/\S{1,500}$/.test(input.runUrl) || hasControlChars(input.runUrl))
  ) {
    throw new UsageError(
      `the pipeline run URL ${safeEcho(input.runUrl)} is not a one-line http(s) URL (check GITHUB_SERVER_URL, GITHUB_REPOSITORY and GITHUB_RUN_ID)`,
    );
  }
}

/**
 * The digest given for an image: by its name, or (an image of one binary, like the default
 * `<app>-<binary>`) by its binary's name, as `--digest api=sha256:...` names it.
 */
export function imageDigest(
  digests: Readonly<Record<string, string>> | undefined,
  image: { name: string; binaries: readonly { name: string }[] },
): string | undefined {
  if (!digests) return undefined;
  if (hasOwnKey(digests, image.name)) return digests[image.name];
  const only = image.binaries.length === 1 ? image.binaries[0]!.name : undefined;
  return only !== undefined && hasOwnKey(digests, only) ? digests[only] : undefined;
}

/**
 * The values every image's key gets for a release: `<key>.tag` (and `<key>.digest` when pinned),
 * where `<key>` is the values key the image names (`images.<binary>` by default, `image` for a
 * chart that reads `image.repository`/`image.tag`). Promotion, previews and deploys write these.
 */
export function imageValueChanges(
  config: Pick<PipelineConfig, "images">,
  imageTag: string,
  digests?: Readonly<Record<string, string>>,
): { key: string; value: string }[] {
  // An image with values: none ships without a chart value: nothing to write for it.
  return chartImages(config.images).flatMap((image) => {
    const digest = imageDigest(digests, image);
    return [
      { key: `${image.values}.tag`, value: imageTag },
      ...(digest ? [{ key: `${image.values}.digest`, value: digest }] : []),
    ];
  });
}

/** Decides the change set of promoting `imageTag`/`chartVersion` to an environment. */
export function planPromotion(config: PipelineConfig, input: PromotionInput): PromotionPlan {
  validatePromotionInput(config, input);
  const files = environmentFiles(config, input.environment);
  const valueChanges = imageValueChanges(config, input.imageTag, input.digests);
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

/**
 * Orders two versions for the downgrade check: -1, 0 or 1 as semver orders them, or null when
 * the order means nothing. Prereleases of the same release compare only where the first identifier
 * that differs is numeric on both sides (`rc.1` < `rc.2`, `main.5` < `main.6`): `sha-1a2b3c4`
 * against `sha-5d6e7f8` is two builds of one release, in no order. A `v` prefix is allowed (image
 * tags); anything that is not semver gives null.
 */
export function compareVersions(a: string, b: string): -1 | 0 | 1 | null {
  const x = semver.parse(a.replace(/^v(?=\d)/, ""));
  const y = semver.parse(b.replace(/^v(?=\d)/, ""));
  if (!x || !y) return null;
  for (const key of ["major", "minor", "patch"] as const) {
    if (x[key] !== y[key]) return x[key] < y[key] ? -1 : 1;
  }
  const p = x.prerelease;
  const q = y.prerelease;
  if (p.length === 0 || q.length === 0) return p.length === q.length ? 0 : p.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(p.length, q.length); i++) {
    if (i >= p.length) return -1;
    if (i >= q.length) return 1;
    if (p[i] === q[i]) continue;
    if (typeof p[i] === "number" && typeof q[i] === "number") return p[i]! < q[i]! ? -1 : 1;
    return null;
  }
  return 0;
}

/** What an environment runs now, read from its files in the gitops repo. */
export interface DeployedVersion {
  /** The image tag in its values (empty before the first promotion, and always for an app without image values). */
  imageTag: string;
  /** The chart version of its Application (the scaffold's placeholder until the first promotion). */
  chartVersion: string;
  /**
   * Whether a promotion of the app ever landed in the environment, from the gitops history; when
   * unknown, an image tag in the values says so (the scaffold writes none).
   */
  promoted?: boolean;
}

/** What a promotion asks for, and whether it may go backwards. */
type NextVersion = { imageTag: string; chartVersion: string };
type GuardOptions = { force?: boolean; rollback?: boolean };

/**
 * True when only the gitops history can say whether `next` is a downgrade: the values carry no
 * image tag (an app without image values, or nothing promoted yet) and `next`'s chart version is
 * lower than the Application's, which may still be the scaffold's placeholder. The adapter then
 * reads the history and sets `promoted`; in every other case the files alone decide.
 */
export function needsPromotionHistory(
  current: DeployedVersion,
  next: NextVersion,
  options: GuardOptions = {},
): boolean {
  if (options.force || options.rollback || current.imageTag !== "" || current.promoted !== undefined)
    return false;
  return current.chartVersion !== "" && compareVersions(next.chartVersion, current.chartVersion) === -1;
}

/**
 * Why promoting `next` over what an environment runs is refused, or null when it may go ahead: a
 * lower chart version (whenever the environment has one, images or not), or a lower image tag when
 * both tags are versions, is a downgrade. Nothing promoted yet (no image tag, and `promoted` not
 * true), `--force` and rollbacks always go ahead.
 */
export function downgradeRefusal(
  environment: string,
  current: DeployedVersion,
  next: NextVersion,
  options: GuardOptions = {},
): string | null {
  if (options.force || options.rollback) return null;
  if (!(current.promoted ?? current.imageTag !== "")) return null;
  const chartOrder = current.chartVersion ? compareVersions(next.chartVersion, current.chartVersion) : null;
  const tagOrder =
    current.imageTag && next.imageTag ? compareVersions(next.imageTag, current.imageTag) : null;
  if (chartOrder !== -1 && tagOrder !== -1) return null;
  const chart = `chart ${safeEcho(current.chartVersion)}`;
  const runs = current.imageTag ? `${safeEcho(current.imageTag)} (${chart})` : chart;
  const asked =
    next.imageTag && current.imageTag
      ? `${next.imageTag} (chart ${next.chartVersion})`
      : `chart ${next.chartVersion}`;
  return `${environment} already runs ${runs}, newer than ${asked}: superseded by ${current.imageTag ? safeEcho(current.imageTag) : chart}, nothing was pushed (a downgrade needs --force, or pipeline rollback)`;
}
