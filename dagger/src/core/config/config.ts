/**
 * pipeline.yaml: the pure resolution of a parsed file into a typed {@link PipelineConfig}, with
 * every default filled in. The pieces live beside it: the shared words (config-vocabulary.ts), the
 * types (config-types.ts), the schema table (config-schema.ts) and the default rules
 * (config-defaults.ts); this file re-exports them, so `./config.js` stays the one import. Reading
 * the file and listing `cmd/*` are the adapter's job (adapters/config/config-file.ts).
 */

import { type ChartFacts, chooseChart, kubernetesVersionFor } from "../chart/discovery.js";
import { UsageError } from "../errors.js";
import { configRegistryHosts, loginVariableClash } from "../registry/logins.js";
import {
  DNS_LABEL,
  hasCredentials,
  isGitBranchName,
  isSemver,
  redactUrl,
  safeEcho,
  safeKey,
} from "../validate.js";
import { resolveArchives } from "./archives-section.js";
import { defaultRules } from "./defaults.js";
import { defaultMain, resolveGoBuild } from "./go-section.js";
import { resolveImages } from "./images-section.js";
import { resolveLint } from "./lint-section.js";
import { describeIssues, describeProblems, SchemaError, validateAll } from "./schema.js";
import { CONFIG_SCHEMA } from "./schema-table.js";
import { resolveTest } from "./test-section.js";
import type { BranchRule, EnvironmentConfig, PipelineConfig } from "./types.js";
import type { Platform } from "./vocabulary.js";

export { DEFAULT_RULES, defaultRules } from "./defaults.js";
export { CONFIG_SCHEMA } from "./schema-table.js";
export type { BinaryConfig, BranchRule, EnvironmentConfig, PipelineConfig } from "./types.js";
export {
  EVENT_KINDS,
  type EventKind,
  PLATFORMS,
  type Platform,
  STAGES,
  type Stage,
} from "./vocabulary.js";

const NAME = DNS_LABEL;
/** Binary names become image names (`<app>-<binary>`): one lowercase path component. */
const BINARY_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+){0,31}$/;

// biome-ignore lint/suspicious/noExplicitAny: the schema has just checked every key and type
type Validated = Record<string, any>;

interface RawBinary {
  image?: boolean;
  main?: string;
  platforms?: Platform[];
}

/** gitops.repo as written, before validation, when it is a string. */
function rawGitopsRepo(raw: unknown): string | undefined {
  if (!raw || typeof raw !== "object" || !Object.hasOwn(raw, "gitops")) return undefined;
  const gitops = (raw as { gitops: unknown }).gitops;
  if (!gitops || typeof gitops !== "object" || !Object.hasOwn(gitops, "repo")) return undefined;
  const repo = (gitops as { repo: unknown }).repo;
  return typeof repo === "string" ? repo : undefined;
}

/**
 * chart.path: as configured; else the chart the adapter found (none: ""); else, when the caller
 * did not look (`charts` undefined), the conventional `helm/<app>`.
 */
function resolveChartPath(
  configured: string | undefined,
  app: string,
  charts: readonly ChartFacts[] | undefined,
  problems: string[],
): string {
  if (configured !== undefined) return configured;
  if (!charts) return `helm/${app}`;
  try {
    return (
      chooseChart(
        charts.map((c) => c.path),
        app,
      ) ?? ""
    );
  } catch (error) {
    problems.push((error as Error).message);
    return "";
  }
}

/**
 * Resolves a parsed pipeline.yaml into a typed config with every default filled in.
 * `discoveredBinaries` are the directory names under `<go.source>/cmd`; `detected.charts` the
 * chart folders the adapter read, with their Chart.yaml's `kubeVersion`.
 * Throws {@link UsageError} naming the file, the key path, the problem and an example.
 */
export function resolveConfig(
  raw: unknown,
  file: string,
  discoveredBinaries: readonly string[],
  detected: { defaultBranch?: string; charts?: readonly ChartFacts[] } = {},
): PipelineConfig {
  let v: Validated;
  const repo = rawGitopsRepo(raw);
  if (repo !== undefined && hasCredentials(repo)) {
    // Before anything else, so no later message can repeat the URL with its credentials.
    throw new UsageError(
      `${file}: gitops.repo: ${safeEcho(redactUrl(repo))} must not carry credentials (remove "user:password@"; the token comes from GITOPS_TOKEN)`,
    );
  }
  const checked = validateAll(CONFIG_SCHEMA, raw ?? {});
  if (checked.issues.length > 0) {
    // Every problem at once, so a user fixes the file in one pass.
    throw new UsageError(`${file}: ${describeIssues(checked.issues)}`, {
      cause: new SchemaError(checked.issues[0]!),
    });
  }
  v = checked.value as Validated;
  // The checks below need the schema's values; they too report every problem at once.
  const problems: string[] = [];
  for (const name of discoveredBinaries) {
    if (!BINARY_NAME.test(name)) {
      problems.push(
        `${v.go.source}/cmd/${safeKey(name)}: binary folder names become image names and must be lowercase letters, digits and . _ - (rename it, e.g. cmd/server)`,
      );
    }
  }
  const platforms = v.platforms as Platform[];
  const overrides = (v.go.binaries ?? Object.create(null)) as Record<string, RawBinary>;
  for (const name of Object.keys(overrides)) {
    if (overrides[name]!.main !== undefined) {
      if (!BINARY_NAME.test(name)) {
        problems.push(
          `go.binaries.${safeKey(name)}: binary names become file and image names and must be lowercase letters, digits and . _ - (example: server)`,
        );
      }
    } else if (!discoveredBinaries.includes(name)) {
      problems.push(
        `go.binaries.${safeKey(name)}: no such binary under ${v.go.source}/cmd (found: ${discoveredBinaries.join(", ") || "none"}); a binary elsewhere needs its main, e.g. main: ./tools/${safeKey(name)}`,
      );
    }
  }
  const binaryNames = [...new Set([...discoveredBinaries, ...Object.keys(overrides)])].sort();
  // Null prototype: `--env constructor` must find nothing, not Object.prototype.constructor.
  const environments: Record<string, EnvironmentConfig> = Object.create(null);
  // The schema has filled in every field's default; only the namespace is derived.
  for (const [name, env] of Object.entries(v.environments as Record<string, EnvironmentConfig>)) {
    if (!NAME.test(name)) {
      problems.push(
        `environments.${safeKey(name)}: environment names must be lowercase DNS labels (example: staging)`,
      );
      continue;
    }
    const namespace = env.namespace ?? `${v.app}-${name}`;
    if (!NAME.test(namespace)) {
      problems.push(
        `environments.${name}.namespace: the default ${safeEcho(namespace)} is longer than a DNS label's 63 characters (set a shorter namespace, example: ${name})`,
      );
      continue;
    }
    environments[name] = {
      namespace,
      promotion: env.promotion,
      verify: env.verify,
      pullRequest: env.pullRequest,
      pinDigest: env.pinDigest,
      ...(env.from ? { from: env.from } : {}),
    };
  }
  for (const [name, env] of Object.entries(environments))
    if (env.from && (env.from === name || !environments[env.from]))
      problems.push(
        `environments.${name}.from: ${env.from === name ? "an environment cannot come from itself" : `unknown environment ${safeEcho(env.from)}; known: ${Object.keys(environments).join(", ")}`} (example: uat)`,
      );
  // Each registry's own login is read from variables named after its host: two hosts sharing them
  // would send one's password to the other.
  const clash = loginVariableClash(configRegistryHosts({ image: v.image, chart: v.chart }));
  if (clash)
    problems.push(`image.registry, image.registries, image.releaseRegistry, chart.registry: ${clash}`);
  // A detected branch is only a hint: one git would refuse falls back to main.
  const detectedBranch = isGitBranchName(detected.defaultBranch) ? detected.defaultBranch : undefined;
  const defaultBranch: string = v.defaultBranch ?? detectedBranch ?? "main";
  const rules =
    (v.rules as BranchRule[] | undefined) ?? defaultRules(defaultBranch, v.versioning.releaseBranches);
  rules.forEach((rule, i) => {
    if (rule.stages.includes("promote") && !rule.promote) {
      problems.push(
        `rules[${i}].promote: a rule with the promote stage must name its environment (example: staging)`,
      );
    }
    if (rule.promote && !environments[rule.promote]) {
      problems.push(
        `rules[${i}].promote: unknown environment ${safeEcho(rule.promote)}; known: ${Object.keys(environments).join(", ")} (example: staging)`,
      );
    }
  });
  const chartPath = resolveChartPath(v.chart.path, v.app, detected.charts, problems);
  const chartFacts = detected.charts?.find((c) => c.path === chartPath);
  // Only when the chart was read: a caller that did not look has nothing to check.
  if (v.chart.version === "chart" && chartFacts && !isSemver(chartFacts.version ?? ""))
    problems.push(
      `chart.version: chart ships ${chartPath}/Chart.yaml's own version, and ${chartFacts.version === null || chartFacts.version === undefined ? "it has none" : `${safeEcho(chartFacts.version)} is not a semantic version`} (example: version: 2.7.0)`,
    );
  const config: PipelineConfig = {
    file,
    app: v.app,
    module: v.module,
    go: {
      source: v.go.source,
      version: v.go.version,
      ldflagsPackage: v.go.ldflagsPackage,
      ...resolveGoBuild(v.go, problems),
    },
    binaries: binaryNames.map((name) => ({
      name,
      image: overrides[name]?.image ?? true,
      platforms: overrides[name]?.platforms ?? platforms,
      main: overrides[name]?.main ?? defaultMain(name),
    })),
    platforms,
    image: { ...v.image, registries: v.image.registries.length ? v.image.registries : [v.image.registry] },
    images: resolveImages(
      v.images,
      {
        app: v.app,
        binaries: binaryNames.map((name) => ({
          name,
          image: overrides[name]?.image ?? true,
          platforms: overrides[name]?.platforms ?? platforms,
        })),
        platforms,
        image: v.image,
      },
      problems,
    ),
    chart: {
      path: chartPath,
      registry: v.chart.registry,
      kubernetesVersion: kubernetesVersionFor(v.chart.kubernetesVersion, chartFacts?.kubeVersion),
      schemaLocation: v.chart.schemaLocation,
      version: v.chart.version,
      appVersion: v.chart.appVersion,
      lineVersion: chartFacts?.version ?? null,
    },
    environments,
    preview: v.preview,
    rules,
    latest: v.latest,
    coverage: v.coverage,
    lint: resolveLint(v.lint, problems),
    test: resolveTest(v.test, problems),
    defaultBranch,
    gitops: v.gitops,
    versioning: v.versioning,
    source: v.source,
    archives: resolveArchives(v.archives, { app: v.app, binaries: binaryNames, platforms }, problems),
  };
  // Every problem of every key at once, so a user fixes the file in one pass; nothing is half resolved.
  if (problems.length > 0) throw new UsageError(`${file}: ${describeProblems(problems)}`);
  return config;
}
