/**
 * The host runner: each local stage as a step over the host adapters, sharing one build and one
 * set of images between stages of a run (the module rebuilds lazily; here the loop must not).
 * Deploy and helm-test go to the cluster a kubeconfig names (the host runner creates none; without
 * one they are skipped, saying what to pass).
 */

import type { PipelineConfig } from "../../../core/config/config.js";
import { MissingToolError } from "../../../core/errors.js";
import { planStamp } from "../../../core/go/ldflags.js";
import type { ImageBuild } from "../../../core/images/commands.js";
import type { Plan } from "../../../core/release/plan.js";
import type { LocalStage } from "../../../core/runners/local-loop.js";
import type { StageStep } from "../../../core/runners/stage-runner.js";
import type { RegistryAccess } from "../../registry/connect.js";
import { hostChartLint } from "./chart.js";
import { type HostClusterRun, hostClusterSteps } from "./deploy.js";
import { hostBuild } from "./go.js";
import { hostImages } from "./images.js";
import { hostLint } from "./lint.js";
import { publishImages } from "./publish-images.js";
import { hostTest } from "./test.js";

/** What a host run needs. */
export interface HostRun {
  root: string;
  config: PipelineConfig;
  plan: Plan;
  platforms: readonly string[];
  /**
   * Where publish pushes (`host[:port][/namespace]`): several registries get the same digests (the
   * first pushed to, the others copied by the OCI client); a function when started on demand.
   */
  registry: string | readonly string[] | (() => Promise<string>);
  /** Tags publish merges into (default: the plan's image tag and extra tags). */
  tags?: readonly string[];
  access?: RegistryAccess;
  /** PostgreSQL for test (default: DATABASE_URL, else one started from the host's binaries). */
  databaseUrl?: string;
  /** deploy and helm-test: the cluster and target (default: skipped, no cluster given). */
  cluster?: HostClusterRun;
}

/** The steps of every local stage for `run`. */
export function hostSteps(run: HostRun): Record<LocalStage, StageStep> {
  const { root, config, plan } = run;
  let built: ReturnType<typeof hostBuild> | undefined;
  let imaged: Promise<ImageBuild[]> | undefined;
  const build = () => {
    built ??= hostBuild(root, config, run.platforms, planStamp(plan));
    return built;
  };
  const images = () => {
    imaged ??= build().then((b) =>
      hostImages(root, config, b.outDir, run.platforms, plan.tags.image, plan.annotations),
    );
    return imaged;
  };
  const noCluster = (stage: string) => () =>
    Promise.reject(
      new MissingToolError(
        `${stage} needs a Kubernetes cluster, which the host runner does not create: install kind, kubectl and dagger, then run with --runner dagger`,
        [{ tool: "kind", install: "go install sigs.k8s.io/kind@v0.31.0" }],
      ),
    );
  return {
    lint: () => hostLint(root, config),
    test: () => hostTest(root, config, run.databaseUrl ?? process.env.DATABASE_URL),
    "chart-lint": () => hostChartLint(root, config),
    build: async () => (await build()).summary,
    images: async () => {
      const done = await images();
      return [`${done.length} images loaded into dockerd`, ...done.map((b) => b.localTag)].join("\n");
    },
    publish: async () =>
      publishImages({
        builds: await images(),
        config,
        plan,
        registries:
          typeof run.registry === "function"
            ? [await run.registry()]
            : typeof run.registry === "string"
              ? [run.registry]
              : run.registry,
        tags: run.tags,
        access: run.access,
      }),
    ...(run.cluster
      ? hostClusterSteps(root, config, plan.tags.image, run.cluster)
      : { deploy: noCluster("deploy"), "helm-test": noCluster("helm-test") }),
  };
}
