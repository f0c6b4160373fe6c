/** chart-lint, helm package and the chart's bytes for the push, in the helm and kubeconform containers. */
import { type Container, type Directory, dag, type File } from "@dagger.io/dagger";
import {
  chartEnvironments,
  chartLintSteps,
  helmPackageArgv,
  unreadImageValues,
} from "../core/chart/commands.js";
import { folderSchemaLocation, MOUNTED_SCHEMAS_DIR, schemaFolder } from "../core/chart/schema-location.js";
import type { PipelineConfig } from "../core/config/config.js";
import { FailureError } from "../core/errors.js";
import { cacheVolumes, IMAGE_PROGRAMS, KUBECONFORM_CACHE_PATH, TOOL_IMAGES } from "../core/tools/images.js";
import type { ModuleContext } from "./context.js";
import { withToolOutput } from "./exec-errors.js";

const REPO = "/repo";

/**
 * Only what helm reads, at the paths pipeline.yaml names them: the chart folder and the values
 * files (`valuesFiles`, or environments/ and the preview values file wherever it is). Not the
 * whole checkout: .git can hold the CI job's token, and any unrelated commit would invalidate
 * every helm layer.
 */
export function chartInputs(
  source: Directory,
  config: PipelineConfig,
  valuesFiles?: readonly string[],
): Directory {
  let inputs = dag.directory().withDirectory(config.chart.path, source.directory(config.chart.path));
  if (valuesFiles) {
    for (const file of valuesFiles) inputs = inputs.withFile(file, source.file(file));
    return inputs;
  }
  inputs = inputs.withDirectory("environments", source.directory("environments"));
  if (!config.preview.valuesFile.startsWith("environments/"))
    inputs = inputs.withFile(config.preview.valuesFile, source.file(config.preview.valuesFile));
  return inputs;
}

/** The helm image with the chart and values at /repo, its working directory. */
export function helmContainer(
  source: Directory,
  config: PipelineConfig,
  valuesFiles?: readonly string[],
): Container {
  return dag
    .container()
    .from(TOOL_IMAGES.helm)
    .withMountedCache("/root/.cache/helm", dag.cacheVolume(cacheVolumes.helm()))
    .withDirectory(REPO, chartInputs(source, config, valuesFiles))
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

/**
 * The kubeconform image with its schemas: downloads cached in a volume, the `--schemas` folder at
 * {@link MOUNTED_SCHEMAS_DIR}, and the repository folders `chart.schemaLocation`'s paths read,
 * at the same paths under the working directory (kubeconform resolves them against it).
 */
function kubeconformContainer(source: Directory, config: PipelineConfig, schemas?: Directory): Container {
  let container = dag
    .container()
    .from(TOOL_IMAGES.kubeconform)
    .withMountedCache(KUBECONFORM_CACHE_PATH, dag.cacheVolume(cacheVolumes.kubeconformSchemas()));
  if (schemas) container = container.withMountedDirectory(MOUNTED_SCHEMAS_DIR, schemas);
  const folders = new Set(config.chart.schemaLocation.flatMap((l) => schemaFolder(l) ?? []));
  for (const folder of folders)
    container = container.withMountedDirectory(`${REPO}/${folder}`, source.directory(folder));
  return folders.size ? container.withWorkdir(REPO) : container;
}

/** The values files the repo has among those chart-lint would use (environments/<env>/values.yaml, the preview's). */
async function presentValuesFiles(source: Directory, config: PipelineConfig): Promise<Set<string>> {
  const candidates = chartEnvironments(config).flatMap((env) => (env.valuesFile ? [env.valuesFile] : []));
  const found = await Promise.all(candidates.map((file) => source.exists(file).catch(() => false)));
  return new Set(candidates.filter((_, i) => found[i]));
}

/**
 * chart-lint: per environment the app repo has values for (else the chart's defaults), helm lint
 * --strict and helm template piped into kubeconform -strict, at chart.kubernetesVersion, in
 * parallel; then a render with every image's values key set to a probe tag, which must show each
 * image (or promotion would write keys the chart never reads). kubeconform reads its schemas from
 * `schemas` (a folder of `<kind>-<group>-<version>.json`) first, then chart.schemaLocation, else
 * its default download.
 */
export async function chartLint(
  source: Directory,
  config: PipelineConfig,
  schemas?: Directory,
): Promise<string> {
  const present = await presentValuesFiles(source, config);
  const plan = chartLintSteps(
    config,
    (file) => present.has(file),
    schemas ? [folderSchemaLocation(MOUNTED_SCHEMAS_DIR)] : [],
  );
  const helm = helmContainer(source, config, [...present]);
  const kubeconform = kubeconformContainer(source, config, schemas);
  const lines = await Promise.all(
    plan.map(async (step) => {
      if (step.kind === "lint")
        return (
          await withToolOutput(
            `chart-lint (helm lint ${step.environment})`,
            helm.withExec(step.argv).stdout(),
          )
        ).trim();
      if (step.kind === "images") {
        const rendered = await withToolOutput(
          "chart-lint (helm template, image values)",
          helm.withExec(step.template).stdout(),
        );
        const problem = unreadImageValues(rendered, step.expect);
        if (problem) throw new FailureError(`chart-lint: ${problem}`);
        return `images: the chart reads ${step.expect.map((e) => e.key).join(", ")}`;
      }
      const rendered = await withToolOutput(
        `chart-lint (helm template ${step.environment})`,
        helm.withExec(step.template).stdout(),
      );
      const verdict = await withToolOutput(
        `chart-lint (kubeconform ${step.environment})`,
        kubeconform.withExec(kubeconformInImage(step.validate), { stdin: rendered }).stdout(),
      );
      return `${step.environment}: ${verdict.trim()}`;
    }),
  );
  return lines.join("\n");
}

const PACKAGE_DIR = "/out";

function packaged(source: Directory, config: PipelineConfig, version: string, appVersion: string) {
  return {
    // The chart alone: packaging reads no values file, and a repo may have none.
    container: helmContainer(source, config, []).withExec(
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

/** The chart packaged at `version` and `appVersion`, each defaulting to the checkout's plan. */
export async function helmPackageForEvent(
  context: ModuleContext,
  input: { version?: string; appVersion?: string },
): Promise<File> {
  const config = await context.config();
  const plan = input.version && input.appVersion ? null : await context.plan();
  return helmPackage(
    context.source,
    config,
    input.version ?? plan!.chart.version,
    input.appVersion ?? plan!.chart.appVersion,
  );
}
