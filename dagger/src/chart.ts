/** chart-lint, helm package and the chart's bytes for the push, in the helm and kubeconform containers. */
import { type Container, type Directory, dag, type File } from "@dagger.io/dagger";
import { chartEnvironments, chartLintPlan, helmPackageArgv } from "./core/chart-commands.js";
import type { PipelineConfig } from "./core/config.js";
import { FailureError } from "./core/errors.js";
import { cacheVolumes, IMAGE_PROGRAMS, KUBECONFORM_CACHE_PATH, TOOL_IMAGES } from "./core/tool-images.js";
import { withToolOutput } from "./exec-errors.js";

const REPO = "/repo";

/**
 * Only what helm reads, at the paths pipeline.yaml names them: the chart folder and the values
 * files (environments/, and the preview values file wherever it is). Not the whole checkout: .git
 * can hold the CI job's token, and any unrelated commit would invalidate every helm layer.
 */
export function chartInputs(source: Directory, config: PipelineConfig): Directory {
  let inputs = dag
    .directory()
    .withDirectory(config.chart.path, source.directory(config.chart.path))
    .withDirectory("environments", source.directory("environments"));
  if (!config.preview.valuesFile.startsWith("environments/"))
    inputs = inputs.withFile(config.preview.valuesFile, source.file(config.preview.valuesFile));
  return inputs;
}

/** The helm image with the chart and values at /repo, its working directory. */
export function helmContainer(source: Directory, config: PipelineConfig): Container {
  return dag
    .container()
    .from(TOOL_IMAGES.helm)
    .withMountedCache("/root/.cache/helm", dag.cacheVolume(cacheVolumes.helm()))
    .withDirectory(REPO, chartInputs(source, config))
    .withWorkdir(REPO);
}

/**
 * The kubeconform argv for its image: the binary is `/kubeconform`, not on the image's PATH, and
 * downloaded schemas go to a cache volume (`-cache`) instead of GitHub on every run.
 */
function kubeconformInImage(argv: readonly string[]): string[] {
  const [, ...flags] = argv;
  const stdin = flags.at(-1) === "-" ? flags.pop() : undefined;
  return [IMAGE_PROGRAMS.kubeconform, ...flags, "-cache", KUBECONFORM_CACHE_PATH, ...(stdin ? [stdin] : [])];
}

/** helm lint --strict, then helm template per environment piped into kubeconform -strict, environments in parallel. */
export async function chartLint(source: Directory, config: PipelineConfig): Promise<string> {
  const plan = chartLintPlan(
    config.app,
    config.chart.path,
    chartEnvironments(config),
    config.chart.kubernetesVersion,
  );
  const helm = helmContainer(source, config);
  const lines = await Promise.all(
    plan.map(async (step) => {
      if (step.kind === "lint")
        return (await withToolOutput("chart-lint (helm lint)", helm.withExec(step.argv).stdout())).trim();
      const rendered = await withToolOutput(
        `chart-lint (helm template ${step.environment})`,
        helm.withExec(step.template).stdout(),
      );
      const verdict = await withToolOutput(
        `chart-lint (kubeconform ${step.environment})`,
        dag
          .container()
          .from(TOOL_IMAGES.kubeconform)
          .withMountedCache(KUBECONFORM_CACHE_PATH, dag.cacheVolume(cacheVolumes.kubeconformSchemas()))
          .withExec(kubeconformInImage(step.validate), { stdin: rendered })
          .stdout(),
      );
      return `${step.environment}: ${verdict.trim()}`;
    }),
  );
  return lines.join("\n");
}

const PACKAGE_DIR = "/out";

function packaged(source: Directory, config: PipelineConfig, version: string, appVersion: string) {
  return {
    container: helmContainer(source, config).withExec(
      helmPackageArgv(config.chart.path, version, appVersion, PACKAGE_DIR),
    ),
    path: `${PACKAGE_DIR}/${config.app}-${version}.tgz`,
  };
}

/** The packaged chart (.tgz) with the run's chart version and appVersion. */
export function helmPackage(
  source: Directory,
  config: PipelineConfig,
  version: string,
  appVersion: string,
): File {
  const { container, path } = packaged(source, config, version, appVersion);
  return container.file(path);
}

/**
 * The packaged chart's bytes, for the push from TypeScript. They travel as base64 text from the
 * helm container: `File.contents` is a UTF-8 string (the engine replaces invalid bytes with U+FFFD),
 * so a .tgz read through it arrives corrupt (gzip's 1f 8b as 1f ef bf bd).
 */
export async function helmPackageBytes(
  source: Directory,
  config: PipelineConfig,
  version: string,
  appVersion: string,
): Promise<Buffer> {
  const { container, path } = packaged(source, config, version, appVersion);
  const encoded = await withToolOutput("helm package", container.withExec(["base64", path]).stdout());
  const bytes = Buffer.from(encoded.replace(/\s+/g, ""), "base64");
  if (bytes.length === 0)
    throw new FailureError(`helm package: ${path} came back empty from the helm container`);
  return bytes;
}
