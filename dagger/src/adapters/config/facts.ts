/**
 * Gathers what `config check` compares the config with: which of the paths it names exist inside
 * the repository, and the chart's values.yaml. Nothing outside the repository is looked at, and a
 * path that leaves it through a symlink counts as missing.
 */
import { realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import type { PipelineConfig } from "../../core/config/config.js";
import { type ConfigFacts, namedPaths } from "../../core/config/warnings.js";
import { parseYamlInput } from "../../core/config/yaml-input.js";
import { isInside } from "../../core/validate.js";
import { readInputFile } from "../input-file.js";

/** The largest values.yaml read for the check. */
const MAX_VALUES_BYTES = 1024 * 1024;

/** Reads the facts the warnings need for `config` in the repository at `root`. */
export function readConfigFacts(root: string, config: PipelineConfig): ConfigFacts {
  const realRoot = realpathSync(root);
  const present = new Set<string>();
  for (const named of namedPaths(config)) {
    const full = join(root, named.path);
    try {
      if (!isInside(realRoot, realpathSync(full))) continue;
      const stat = statSync(full);
      if (named.kind === "dir" ? stat.isDirectory() : named.kind === "file" ? stat.isFile() : true) {
        present.add(named.path);
      }
    } catch {
      // Missing or unreadable: the warning says so.
    }
  }
  let chartValues: unknown;
  const valuesFile = join(root, config.chart.path, "values.yaml");
  try {
    // No chart, no values: a values.yaml at the repo root is not the chart's.
    if (!config.chart.path) throw new Error("no chart");
    const text = readInputFile(valuesFile, { root, maxBytes: MAX_VALUES_BYTES, label: valuesFile, hint: "" });
    chartValues = parseYamlInput(text, valuesFile, "fix the chart's values.yaml") ?? {};
  } catch {
    chartValues = undefined;
  }
  return { present, chartValues };
}
