/**
 * The local loop behind `npm run pipeline`: which stages run, in which order, with which
 * `dagger call` when the dagger runner runs them, and what each needs installed. Pure: the CLI runs
 * the stages through core/runners/stage-runner.ts (one runner for both runners and the module's release).
 */
import { isLocalHost, registryHost } from "../registry/logins.js";

/** Stages of the local loop, in order. */
export const LOCAL_STAGES = [
  "lint",
  "test",
  "chart-lint",
  "build",
  "images",
  "publish",
  "deploy",
  "helm-test",
] as const;
/** A local stage. */
export type LocalStage = (typeof LOCAL_STAGES)[number];

/** The loop's stages that need a Helm chart: in a repository without one the loop skips them, saying why. */
export const LOCAL_CHART_STAGES: readonly LocalStage[] = ["chart-lint", "deploy", "helm-test"];

/** The local registry and cluster, as Kind documents them. */
export const LOCAL = {
  registry: "localhost:5001",
  cluster: "pipeline",
  environment: "preview",
  /** The API server's port on 127.0.0.1, pinned in the cluster config so the engine can be given it as a host service. */
  apiServerPort: 6445,
} as const;

/** A registry on this machine's loopback: the engine reaches it only as a host service. */
const onLoopback = (registry: string) => isLocalHost(registryHost(registry));

/** A tool the loop needs, with how to install it. */
export interface RequiredTool {
  tool: string;
  install: string;
}

const TOOLS: Record<string, RequiredTool> = {
  docker: {
    tool: "docker",
    install: "install Docker Engine or Docker Desktop: https://docs.docker.com/engine/install/",
  },
  kind: {
    tool: "kind",
    install: "go install sigs.k8s.io/kind@v0.31.0 (or see https://kind.sigs.k8s.io/docs/user/quick-start/)",
  },
  kubectl: { tool: "kubectl", install: "see https://kubernetes.io/docs/tasks/tools/" },
  dagger: {
    tool: "dagger",
    install: "curl -fsSL https://dl.dagger.io/dagger/install.sh | DAGGER_VERSION=0.21.9 sh",
  },
};

/**
 * What a stage needs on the machine. With Kind (`cluster` "kind", the default) publish, deploy and
 * helm-test need docker, kind and kubectl to set it up; with a cluster given by a kubeconfig,
 * kubectl (to read it) and docker for publish's registry container.
 */
export function toolsFor(
  stages: readonly LocalStage[],
  cluster: "kind" | "kubeconfig" = "kind",
): RequiredTool[] {
  const names = new Set<string>(["dagger"]);
  const publishes = stages.includes("publish");
  if (publishes || stages.some((s) => s === "deploy" || s === "helm-test")) {
    names.add("kubectl");
    if (cluster === "kind") names.add("kind");
    if (cluster === "kind" || publishes) names.add("docker");
  }
  return ["docker", "kind", "kubectl", "dagger"].filter((n) => names.has(n)).map((n) => TOOLS[n]!);
}

/**
 * The `dagger call` argv of one stage: `module` is this module's directory (`-m`), `kubeconfig`
 * the cluster's kubeconfig file (Kind's, or the one given), `apiServer` the host service the
 * engine reaches its API server through (default Kind's `tcp://localhost:6445`; null for a server
 * the engine reaches directly), `platforms` an override of pipeline.yaml's, `registry` where
 * publish pushes (and deploy points the images) instead of Kind's localhost:5001.
 */
export function stageArgv(
  stage: LocalStage,
  options: {
    kubeconfig: string;
    imageTag: string;
    module?: string;
    platforms?: readonly string[];
    registry?: string;
    apiServer?: string | null;
    /** deploy and helm-test: the environment (default preview), a pull request's preview, helm's timeout. */
    environment?: string;
    pr?: number;
    timeout?: string;
  },
): string[] {
  // `--source .`: with -m the constructor's default source is the module's own repository, not the
  // one being shipped; the call runs in the repository's root.
  const call = ["dagger", "call", ...(options.module ? ["-m", options.module, "--source", "."] : [])];
  const platforms = options.platforms?.length ? ["--platforms", options.platforms.join(",")] : [];
  const service =
    options.apiServer === undefined ? `tcp://localhost:${LOCAL.apiServerPort}` : options.apiServer;
  const apiServer = service ? ["--api-server", service] : [];
  const release = [
    "--environment",
    options.environment ?? LOCAL.environment,
    ...(options.pr !== undefined ? ["--pr", String(options.pr)] : []),
    ...(options.timeout ? ["--timeout", options.timeout] : []),
  ];
  switch (stage) {
    case "build":
      return [...call, "build", ...platforms, "export", "--path", ".out"];
    case "images":
      return [...call, "images", ...platforms];
    case "publish":
      return [
        ...call,
        "publish",
        "--registry",
        options.registry ?? LOCAL.registry,
        ...(onLoopback(options.registry ?? LOCAL.registry)
          ? ["--registry-service", `tcp://${(options.registry ?? LOCAL.registry).split("/")[0]}`]
          : []),
        "--tags",
        options.imageTag,
      ];
    case "deploy":
      return [
        ...call,
        "deploy",
        ...release,
        "--kubeconfig",
        `file:${options.kubeconfig}`,
        ...apiServer,
        "--image-tag",
        options.imageTag,
        // The images where publish put them: the values name the release registry.
        "--registry",
        options.registry ?? LOCAL.registry,
      ];
    case "helm-test":
      return [...call, "helm-test", ...release, "--kubeconfig", `file:${options.kubeconfig}`, ...apiServer];
    default:
      return [...call, stage];
  }
}
