/**
 * The module's view of the repository: pipeline.yaml and the binaries under cmd/ read from the
 * source Directory, and git run in a container over the same checkout.
 */
import { type Directory, dag } from "@dagger.io/dagger";
import {
  chartCandidates,
  chartFactsOf,
  goSourceOf,
  parseConfigText,
} from "../adapters/config/config-file.js";
import { ORIGIN_HEAD, parseOriginHead } from "../adapters/release/default-branch.js";
import type { GitRunner } from "../adapters/release/git-context.js";
import { CHART_ROOTS, chartDirs } from "../core/chart/discovery.js";
import { type PipelineConfig, resolveConfig } from "../core/config/config.js";
import { TOOL_IMAGES } from "../core/tools/images.js";

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
  // Each candidate chart's Chart.yaml, as the CLI reads them (adapters/config/config-file.ts).
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
