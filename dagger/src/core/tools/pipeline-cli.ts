/**
 * The project's CLI commands the Dagger module runs in its Node container (promote, preview,
 * rollback, verify, latest, chart push): one builder per step, so the module and the integration
 * test that runs the same argv on the host cannot drift apart. Credentials are never in argv: the
 * CLI reads them from GITOPS_TOKEN, REGISTRY_USERNAME and REGISTRY_PASSWORD.
 */

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
