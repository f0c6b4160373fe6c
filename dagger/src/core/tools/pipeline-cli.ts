/**
 * The project's CLI commands the Dagger module runs in its Node container (promote, preview,
 * rollback, verify, latest, chart push): one builder per step, so the module and the integration
 * test that runs the same argv on the host cannot drift apart. Credentials are never in argv: the
 * CLI reads them from GITOPS_TOKEN, REGISTRY_USERNAME and REGISTRY_PASSWORD.
 */

/**
 * How the CLI container makes the project's CLI from the module's source, as the engine gives it:
 * a package.json the TypeScript runtime has rewritten *without* `@dagger.io/dagger`
 * (dagger/dagger v0.21.8 `sdk/typescript/runtime/tsutils/package_json_updator.go`), beside the
 * unchanged lockfile. The module's container and the integration test that runs the same steps
 * on the host (test/integration/cli-container-build.test.ts) both read this, so they cannot drift.
 *
 * - `install`: production dependencies only. `npm ci` accepts the lockfile although it still
 *   lists `@dagger.io/dagger` (npm 11 refuses a package.json dependency *missing* from the lock,
 *   not a lock entry package.json no longer names), and `--omit=dev` never fetches or builds a
 *   devDependency (better-sqlite3 would compile with node-gyp where no prebuilt binary downloads).
 * - `compile`: tsc (the `typescript` production dependency) with `tsconfig.cli.json`: the CLI's
 *   entry and what it imports, transpiled without a type-check (`noCheck`), so neither the SDK nor
 *   `@types/node` (devDependencies) is needed. The module's own files are not copied at all: the
 *   CLI never imports src/module or src/index.ts (the test checks the import graph), and a change
 *   there then leaves the CLI's layers cached.
 */
export const CLI_BUILD = {
  /** Copied first, alone, so a source change reuses the installed tree. */
  manifests: ["package.json", "package-lock.json"],
  install: ["npm", "ci", "--omit=dev", "--no-audit", "--no-fund"],
  /** What of the module's source the compile reads (Dagger include/exclude patterns). */
  sources: {
    include: ["tsconfig.json", "tsconfig.cli.json", "bin/**", "src/**"],
    exclude: ["src/module/**", "src/index.ts"],
  },
  compile: ["node", "node_modules/typescript/bin/tsc", "-p", "tsconfig.cli.json"],
  /** The built CLI, relative to the build folder. */
  entry: "dist/bin/pipeline.js",
} as const;

/**
 * Whether a path of the module's source (relative, `/`-separated) is one the CLI build copies:
 * the same answer the engine gives for {@link CLI_BUILD}'s include and exclude patterns, which
 * are only exact paths and `<folder>/**`.
 */
export function isCliSource(path: string): boolean {
  const matches = (pattern: string) =>
    pattern.endsWith("/**") ? path.startsWith(pattern.slice(0, -2)) : path === pattern;
  return CLI_BUILD.sources.include.some(matches) && !CLI_BUILD.sources.exclude.some(matches);
}

/** `node <entry> --config <file> <command...> --json`: the whole invocation of one command. */
export function cliInvocation(entry: string, configFile: string, command: readonly string[]): string[] {
  return ["node", entry, "--config", configFile, ...command, "--json"];
}

const repoFlag = (repo?: string): string[] => (repo ? ["--repo", repo] : []);

/** `promote`: one version to one environment (verifying first where the environment asks for it). */
export function promoteCommand(o: {
  environment: string;
  imageTag: string;
  chartVersion: string;
  sourceSha: string;
  repo?: string;
  force?: boolean;
}): string[] {
  return [
    "promote",
    "--env",
    o.environment,
    "--image-tag",
    o.imageTag,
    "--chart-version",
    o.chartVersion,
    "--source-sha",
    o.sourceSha,
    ...repoFlag(o.repo),
    ...(o.force ? ["--force"] : []),
  ];
}

/** `preview up`: the preview environment of a pull request. */
export function previewUpCommand(o: {
  pr: number;
  imageTag: string;
  chartVersion: string;
  repo?: string;
}): string[] {
  return [
    "preview",
    "up",
    "--pr",
    String(o.pr),
    "--image-tag",
    o.imageTag,
    "--chart-version",
    o.chartVersion,
    ...repoFlag(o.repo),
  ];
}

/** `preview down`: removes the preview of a pull request. */
export function previewDownCommand(o: { pr: number; repo?: string }): string[] {
  return ["preview", "down", "--pr", String(o.pr), ...repoFlag(o.repo)];
}

/** `rollback`: the previous (or a given) version, freezing automatic promotion. */
export function rollbackCommand(o: { environment: string; to?: string; repo?: string }): string[] {
  return ["rollback", "--env", o.environment, ...(o.to ? ["--to", o.to] : []), ...repoFlag(o.repo)];
}

/** `verify`: every image for every platform, and the chart version, exist. */
export function verifyCommand(o: {
  imageTag: string;
  chartVersion?: string;
  registry?: string;
  commit?: string;
}): string[] {
  return [
    "verify",
    "--image-tag",
    o.imageTag,
    ...(o.chartVersion ? ["--chart-version", o.chartVersion] : []),
    ...(o.registry ? ["--registry", o.registry] : []),
    // With a public key, the provenance must name this commit (the module has no git to find it).
    ...(o.commit ? ["--commit", o.commit] : []),
  ];
}

/** `latest`: moves latest for one repository, the tag type decided by the caller (from git). */
export function latestCommand(o: {
  repository: string;
  version: string;
  strategy?: string;
  tagType?: string;
  dryRun?: boolean;
}): string[] {
  return [
    "latest",
    o.repository,
    "--version",
    o.version,
    ...(o.strategy ? ["--strategy", o.strategy] : []),
    ...(o.tagType ? ["--tag-type", o.tagType] : []),
    ...(o.dryRun ? ["--dry-run"] : []),
  ];
}

/** `chart push` over plain HTTP to `host` (a registry bound as a service). */
export function chartPushCommand(o: { chart: string; target: string; insecureHost: string }): string[] {
  return ["chart", "push", o.chart, o.target, "--insecure", o.insecureHost];
}
