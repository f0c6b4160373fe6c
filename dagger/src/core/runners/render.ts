/**
 * `pipeline render`: what a run would use, as files a person can read or run without an engine —
 * the generated Dockerfiles, each cross-compile as argv and env, each image build, the helm
 * commands, and the values edits a promotion makes per environment. Pure: file name to contents.
 */

import { posix } from "node:path";
import { chartLintSteps, helmPackageArgv } from "../chart/commands.js";
import type { PipelineConfig } from "../config/config.js";
import { planPromotion } from "../gitops/promotion.js";
import { BUILD_EXTRA_DIRS, buildCommands, inGoSource } from "../go/commands.js";
import { planStamp } from "../go/ldflags.js";
import { dockerBuildArgv, dockerfilesFor, imageBuilds } from "../images/commands.js";
import type { Plan } from "../release/plan.js";
import { isInside } from "../validate.js";

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Where the build output goes, relative to the Go source (the repo's `.out`, as `build export --path .out`). */
export function outDirFromSource(goSource: string): string {
  const depth = goSource.split("/").filter((p) => p && p !== ".").length;
  return `${"../".repeat(depth)}.out`;
}

/** The rendered files of `plan`, keyed by path relative to the output directory. */
export function renderRun(
  config: PipelineConfig,
  plan: Plan,
  /** Which values files the repo has (chart-lint renders only those). */
  present: (path: string) => boolean = () => true,
): Record<string, string> {
  const files: Record<string, string> = {};
  // migrations/ and assets/ ship only when the Go source has them, as in both runners.
  const extras = BUILD_EXTRA_DIRS.filter((d) => present(inGoSource(config.go.source, d)));
  for (const d of dockerfilesFor(config, plan.annotations, extras)) files[`dockerfiles/${d.file}`] = d.text;
  files["build.json"] = json({
    about:
      "Run each argv in cwd (relative to the repo root) with env added to the environment; the binary lands at output.",
    version: plan.version,
    commit: plan.event.sha,
    commands: buildCommands(config, config.platforms, {
      ...planStamp(plan),
      outDir: outDirFromSource(config.go.source),
    }),
  });
  files["images.json"] = json({
    about:
      "Each build's contextDir starts as a copy of baseContext (a repo folder) or empty, then gets each of context (from the build output or the repo) and, for a generated image, its Dockerfile from dockerfiles/.",
    images: imageBuilds(config, config.platforms, plan.tags.image, config.image.registry, extras).map((b) => {
      const contextDir = `context/${b.image}-${b.platform.replaceAll("/", "-")}`;
      return { ...b, contextDir, ...dockerBuildArgv(b, contextDir) };
    }),
  });
  // Without a chart there are no helm commands: the plan leaves the chart stages out.
  if (config.chart.path)
    files["helm.json"] = json({
      about: "Run from the repo root; a render step's template output is piped into its validate argv.",
      chartLint: chartLintSteps(config, present),
      package: helmPackageArgv(config.chart.path, plan.chart.version, plan.chart.appVersion, ".out/chart"),
    });
  for (const environment of Object.keys(config.environments)) {
    const promotion = planPromotion(config, {
      environment,
      imageTag: plan.tags.image,
      chartVersion: plan.chart.version,
      sourceSha: plan.event.sha,
    });
    files[`values/${environment}.json`] = json({
      environment,
      files: promotion.files,
      message: promotion.message,
    });
  }
  return files;
}

/** One path render writes through, in the order it is reached: a folder on the way, or a file. */
export interface OutputStep {
  path: string;
  kind: "dir" | "file";
}

/**
 * Every path `render --out` goes through, none of which may be a symlink: the folders from `base`
 * (exclusive: the repo root or the user's directory when `out` is inside one of them, else `out`
 * itself is the first) down to `out`, then each file's folders and the file. Absolute, resolved
 * paths; each once, parents before children, so a checker can stop at the first that is missing.
 * Example: `outputSteps("/repo", "/repo/.out/render", ["a/b.json"])` → `.out`, `.out/render`,
 * `.out/render/a` (dirs), `.out/render/a/b.json` (file).
 */
export function outputSteps(bases: readonly string[], out: string, files: readonly string[]): OutputStep[] {
  const target = posix.resolve(out);
  const base = bases.map((b) => posix.resolve(b)).find((b) => b !== target && isInside(b, target));
  const steps: OutputStep[] = [];
  const seen = new Set<string>();
  const add = (path: string, kind: OutputStep["kind"]) => {
    if (seen.has(path)) return;
    seen.add(path);
    steps.push({ path, kind });
  };
  const parts = base ? posix.relative(base, target).split("/") : [];
  for (let i = 1; i <= parts.length; i++) add(posix.join(base!, ...parts.slice(0, i)), "dir");
  add(target, "dir");
  for (const file of [...files].sort()) {
    const segments = file.split("/");
    for (let i = 1; i < segments.length; i++) add(posix.join(target, ...segments.slice(0, i)), "dir");
    add(posix.join(target, file), "file");
  }
  return steps;
}
