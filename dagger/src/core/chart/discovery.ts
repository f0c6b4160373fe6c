/**
 * Which Helm chart a repository ships, when pipeline.yaml doesn't say, and which Kubernetes version
 * chart-lint checks it against, when pipeline.yaml doesn't say either. `pipeline init` and config
 * resolution both find charts here, so the chart `init` writes into pipeline.yaml is the chart the
 * pipeline would have picked anyway. Pure: the adapters list the files and read Chart.yaml.
 */
import type { Stage } from "../config/vocabulary.js";
import { UsageError } from "../errors.js";
import { safeEcho } from "../validate.js";

/** The folders a chart is looked for in, as Helm users lay them out. */
export const CHART_ROOTS = ["helm", "charts", "chart", "deploy"] as const;

/** The deepest Chart.yaml looked at, in path segments (`deploy/k8s/helm/app/Chart.yaml` is 5). */
const MAX_DEPTH = 5;

/** The stages that need a chart; a repository without one plans none of them. */
export const CHART_STAGES: readonly Stage[] = ["chart-lint", "helm-push", "promote", "preview"];

/** Kubernetes version chart-lint uses when neither pipeline.yaml nor the chart's kubeVersion says. */
export const DEFAULT_KUBERNETES_VERSION = "1.31.0";

/** What the adapters found of one chart: its folder and its Chart.yaml's `kubeVersion` and `version`, if any. */
export interface ChartFacts {
  path: string;
  kubeVersion: string | null;
  /** Chart.yaml's `version` as written (a chart on its own line ships at it); null when absent. */
  version?: string | null;
}

/** True when `file` (repo-relative) is a chart's Chart.yaml the pipeline may ship: under a chart root, not a sub-chart. */
export function isShippedChartFile(file: string): boolean {
  const parts = file.split("/");
  if (parts.at(-1) !== "Chart.yaml" || parts.length < 2 || parts.length > MAX_DEPTH) return false;
  if (!(CHART_ROOTS as readonly string[]).includes(parts[0]!)) return false;
  // A chart's own charts/ holds its dependencies (charts/x/charts/y), never what ships.
  return !parts.slice(1, -1).includes("charts");
}

/** The chart folders among `files` (repo-relative paths), sorted. */
export function chartDirs(files: readonly string[]): string[] {
  return files
    .filter(isShippedChartFile)
    .map((f) => f.slice(0, -"/Chart.yaml".length))
    .sort();
}

/**
 * The chart of a repository whose pipeline.yaml names none: the only one found, or among several
 * the one whose folder is named after the app; null when there is none (its chart stages are left
 * out). Several without one named after the app is a usage error: guessing would ship the wrong one.
 */
export function chooseChart(dirs: readonly string[], app: string): string | null {
  if (dirs.length <= 1) return dirs[0] ?? null;
  const named = dirs.filter((d) => d.split("/").at(-1) === app);
  if (named.length === 1) return named[0]!;
  throw new UsageError(
    `chart.path: ${dirs.length} charts found (${dirs.slice(0, 5).join(", ")}${dirs.length > 5 ? ", ..." : ""}) and none is the only one named ${safeEcho(app)}; set chart.path to the one that ships (example: ${dirs[0]})`,
  );
}

/** Why a stage can't run without a chart, in words (plan and `config check`). */
export function noChartReason(): string {
  return `no Helm chart: chart.path is not set and no Chart.yaml was found under ${CHART_ROOTS.map((r) => `${r}/`).join(", ")}`;
}

/** `stages` without those that need a chart when there is none, and what was left out. */
export function stagesWithChart(
  stages: readonly Stage[],
  hasChart: boolean,
): { stages: Stage[]; skipped: { stage: Stage; reason: string }[] } {
  if (hasChart) return { stages: [...stages], skipped: [] };
  return {
    stages: stages.filter((s) => !CHART_STAGES.includes(s)),
    skipped: stages
      .filter((s) => CHART_STAGES.includes(s))
      .map((stage) => ({ stage, reason: noChartReason() })),
  };
}

/** A version `M[.m[.p]]` with an optional `v`, prerelease and wildcards, as numbers (a wildcard is 0). */
function parseVersion(text: string): [number, number, number] | null {
  const m = /^v?(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.exec(
    text,
  );
  if (!m) return null;
  const part = (p: string | undefined) => (p === undefined || /^[xX*]$/.test(p) ? 0 : Number(p));
  return [Number(m[1]), part(m[2]), part(m[3])];
}

const compare = (a: readonly number[], b: readonly number[]): number =>
  a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;

/**
 * The lowest Kubernetes version a chart's `kubeVersion` constraint admits (`>=1.27.0-0` → 1.27.0,
 * `^1.25` → 1.25.0, `>1.26.3` → 1.26.4, `>=1.22 <1.30 || >=1.19` → 1.19.0), as chart-lint's
 * `--kube-version`. Null when it has no lower bound (`<1.30`, `*`) or can't be read: the caller
 * falls back to its default.
 */
export function lowestKubeVersion(constraint: string | null | undefined): string | null {
  if (typeof constraint !== "string" || constraint.length > 200) return null;
  let lowest: [number, number, number] | null = null;
  for (const alternative of constraint.split("||")) {
    // `>= 1.23` is written with a space as often as without.
    const terms = alternative
      .trim()
      .replace(/([<>=~^!]+)\s+/g, "$1")
      .split(/[\s,]+/)
      .filter(Boolean);
    if (terms.length === 0) return null;
    let bound: [number, number, number] | null = null;
    for (const term of terms) {
      // Upper bounds and exclusions say nothing about the lowest version.
      if (/^(<|!=)/.test(term)) continue;
      const m = /^(>=|>|==|=|~>|~|\^)?(.+)$/.exec(term)!;
      const version = parseVersion(m[2]!);
      if (!version) return null;
      // A bare `1.28` or `1.28.x` means the whole 1.28 line: its lowest is 1.28.0, as with `=`.
      const low: [number, number, number] = m[1] === ">" ? [version[0], version[1], version[2] + 1] : version;
      if (!bound || compare(low, bound) > 0) bound = low;
    }
    // An alternative with only upper bounds admits versions without end below them.
    if (!bound) return null;
    if (!lowest || compare(bound, lowest) < 0) lowest = bound;
  }
  return lowest ? lowest.join(".") : null;
}

/** chart-lint's Kubernetes version: pipeline.yaml's, else the lowest the chart admits, else the default. */
export function kubernetesVersionFor(
  configured: string | undefined,
  chartKubeVersion: string | null | undefined,
): string {
  return configured ?? lowestKubeVersion(chartKubeVersion) ?? DEFAULT_KUBERNETES_VERSION;
}

/** The `kubeVersion` of a parsed Chart.yaml, when it is a string. */
export function kubeVersionOf(chartYaml: unknown): string | null {
  if (!chartYaml || typeof chartYaml !== "object" || Array.isArray(chartYaml)) return null;
  const value = Object.hasOwn(chartYaml, "kubeVersion")
    ? (chartYaml as { kubeVersion: unknown }).kubeVersion
    : null;
  return typeof value === "string" ? value : null;
}
