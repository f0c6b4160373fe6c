/**
 * The module's view of the repository: pipeline.yaml and the binaries under cmd/ read from the
 * source Directory, git run in a container over the same checkout, and credential checks that
 * happen before anything is sent to the engine.
 */
import { type Directory, dag, type Secret } from "@dagger.io/dagger";
import { chartCandidates, chartFactsOf, goSourceOf, parseConfigText } from "./adapters/config-file.js";
import { ORIGIN_HEAD, parseOriginHead } from "./adapters/default-branch.js";
import type { GitRunner } from "./adapters/git-context.js";
import { CHART_ROOTS, chartDirs } from "./core/chart-discovery.js";
import { type PipelineConfig, resolveConfig } from "./core/config.js";
import { UsageError } from "./core/errors.js";
import { TOOL_IMAGES } from "./core/tool-images.js";

/** Loads and validates pipeline.yaml from the source directory. */
export async function loadModuleConfig(source: Directory): Promise<PipelineConfig> {
  const raw = parseConfigText(await source.file("pipeline.yaml").contents(), "pipeline.yaml");
  const goSource = goSourceOf(raw);
  const [entries, originHead] = await Promise.all([
    source.directory(`${goSource}/cmd`).entries(),
    // origin/HEAD names the default branch when pipeline.yaml does not; absent in most CI checkouts.
    source
      .file(`.git/${ORIGIN_HEAD}`)
      .contents()
      .catch(() => ""),
  ]);
  const binaries = entries.filter((e) => e.endsWith("/")).map((e) => e.slice(0, -1));
  // Each candidate chart's Chart.yaml, as the CLI reads them (adapters/config-file.ts).
  const candidates = await chartCandidates(raw, async () =>
    chartDirs(
      (
        await Promise.all(
          CHART_ROOTS.map(async (root) => (await source.glob(`${root}/**/Chart.yaml`).catch(() => [])) ?? []),
        )
      ).flat(),
    ),
  );
  const charts = await Promise.all(
    candidates.map(async (path) =>
      chartFactsOf(
        path,
        await source
          .file(`${path}/Chart.yaml`)
          .contents()
          .catch(() => null),
      ),
    ),
  );
  return resolveConfig(raw, "pipeline.yaml", binaries, {
    defaultBranch: parseOriginHead(originHead),
    charts,
  });
}

/**
 * Git over the source checkout (it includes .git), run in a pinned image that already has git: an
 * `apk add` here would hit the network and add seconds to every call that plans.
 */
export function containerGit(source: Directory): GitRunner {
  return (args) =>
    dag
      .container()
      .from(TOOL_IMAGES.git)
      .withMountedDirectory("/src", source)
      .withWorkdir("/src")
      .withExec(["git", "-c", "safe.directory=/src", ...args])
      .stdout();
}

/** Throws a usage error naming what is missing when a required credential was not passed. */
export function requireSecret(secret: Secret | undefined | null, what: string, example: string): Secret {
  if (!secret)
    throw new UsageError(
      `${what} is required (example: ${example}); credentials are only accepted as Secrets`,
    );
  return secret;
}

/** True for registries the local loop uses, which take no credentials. */
export function isLocalRegistry(registry: string): boolean {
  return /^(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(registry);
}
