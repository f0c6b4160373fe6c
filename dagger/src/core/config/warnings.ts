/**
 * What `config check` warns about: a config that validates but names things the repository doesn't
 * have (a path, binaries, a chart values key) or promotes without a gitops repository. These are
 * warnings, not errors, because a file may be written before the code it describes; `--strict`
 * turns them into errors. Pure: the adapter (adapters/config/facts.ts) gathers the facts.
 */

import { CHART_STAGES, noChartReason } from "../chart/discovery.js";
import type { PipelineConfig } from "./config.js";
import { chartImages } from "./images-section.js";

/** One path pipeline.yaml names, with the key that names it and what it must be. */
export interface NamedPath {
  key: string;
  path: string;
  kind: "file" | "dir" | "any";
}

/** What the repository holds, as far as the config names it. */
export interface ConfigFacts {
  /** The named paths (see {@link namedPaths}) that exist with the right kind. */
  present: ReadonlySet<string>;
  /** The chart's values.yaml, parsed; undefined when the chart has none or it can't be read. */
  chartValues: unknown;
}

/** A warning: the key it is about and what is wrong, in words. */
export interface ConfigWarning {
  key: string;
  message: string;
}

/** Joins repo-relative paths (`.` is the root). */
function under(dir: string, name: string): string {
  return dir === "." || dir === "" ? name : `${dir.replace(/\/+$/, "")}/${name}`;
}

/** Every path the config names, which the adapter checks for. */
export function namedPaths(config: PipelineConfig): NamedPath[] {
  const paths: NamedPath[] = [
    { key: "go.source", path: config.go.source, kind: "dir" },
    { key: "go.source", path: under(config.go.source, "go.mod"), kind: "file" },
  ];
  // No chart at all is its own warning (configWarnings), not a missing path.
  if (config.chart.path) {
    paths.push(
      { key: "chart.path", path: config.chart.path, kind: "dir" },
      { key: "chart.path", path: under(config.chart.path, "Chart.yaml"), kind: "file" },
    );
  }
  for (const image of config.images ?? []) {
    const key = `images.${image.name}`;
    if (image.kind === "dockerfile") {
      paths.push({ key: `${key}.context`, path: image.context, kind: "dir" });
      paths.push({ key: `${key}.dockerfile`, path: image.dockerfile, kind: "file" });
    } else {
      for (const file of image.files) {
        if (file.from === "repo") paths.push({ key: `${key}.files`, path: file.source, kind: "any" });
      }
    }
  }
  return paths;
}

/** The value at a dotted key (`image`, `api.image`) of parsed YAML, or undefined. */
function valueAt(values: unknown, dotted: string): unknown {
  let node = values;
  for (const part of dotted.split(".")) {
    if (!node || typeof node !== "object" || Array.isArray(node) || !Object.hasOwn(node, part))
      return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** The warnings for a validated config and what the repository holds. */
export function configWarnings(config: PipelineConfig, facts: ConfigFacts): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  const reported = new Set<string>();
  for (const named of namedPaths(config)) {
    if (facts.present.has(named.path) || reported.has(named.key)) continue;
    reported.add(named.key);
    const what = named.kind === "dir" ? "folder" : named.kind === "file" ? "file" : "path";
    warnings.push({ key: named.key, message: `${named.path}: no such ${what} in the repository` });
  }
  if (!config.chart.path) {
    warnings.push({
      key: "chart.path",
      message: `${noChartReason()}: ${CHART_STAGES.join(", ")} need one and are left out of every plan (add a chart, or set chart.path)`,
    });
  }
  const dockerfileImages = (config.images ?? []).some((image) => image.kind === "dockerfile");
  if (config.binaries.length === 0 && !dockerfileImages) {
    warnings.push({
      key: "go.binaries",
      message: `no binaries found: nothing under ${under(config.go.source, "cmd")}/<name>/*.go and none declared with a main (example: go.binaries: { server: { main: ./ } })`,
    });
  }
  if (facts.chartValues !== undefined) {
    for (const image of chartImages(config.images ?? [])) {
      const value = valueAt(facts.chartValues, image.values);
      if (value === undefined || value === null || typeof value !== "object" || Array.isArray(value)) {
        warnings.push({
          key: `images.${image.name}.values`,
          message: `${image.values}: not a mapping in ${under(config.chart.path, "values.yaml")}, so promotion would write a key the chart never reads (add ${image.values}.repository and ${image.values}.tag there, or set values:)`,
        });
      }
    }
  }
  // Without a chart nothing is promoted, so an empty gitops.repo is no reason to warn.
  if (!config.gitops.repo && config.chart.path) {
    config.rules.forEach((rule, i) => {
      if (rule.stages.includes("promote")) {
        warnings.push({
          key: `rules[${i}]`,
          message: `rule ${rule.name} promotes to ${rule.promote ?? "an environment"}, but gitops.repo is empty: the promote stage would have nowhere to commit (set gitops.repo)`,
        });
      }
    });
  }
  return warnings;
}
