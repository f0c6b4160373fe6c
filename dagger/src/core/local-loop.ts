/**
 * The local loop behind `npm run pipeline`: which stages run, in which order, with which
 * `dagger call`, what each needs installed, and what a failure does (the run stops; later stages
 * are reported as skipped). Pure: the CLI runs the argv and feeds the outcomes back.
 */

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

/** The local registry and cluster, as Kind documents them. */
export const LOCAL = { registry: "localhost:5001", cluster: "pipeline", environment: "preview" } as const;

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

/** What a stage needs on the machine. */
export function toolsFor(stages: readonly LocalStage[]): RequiredTool[] {
  const names = new Set<string>(["dagger"]);
  if (stages.some((s) => s === "publish" || s === "deploy" || s === "helm-test")) {
    names.add("docker");
    names.add("kind");
    names.add("kubectl");
  }
  return ["docker", "kind", "kubectl", "dagger"].filter((n) => names.has(n)).map((n) => TOOLS[n]!);
}

/** The `dagger call` argv of one stage; `kubeconfig` is the file Kind wrote for the engine. */
export function stageArgv(stage: LocalStage, options: { kubeconfig: string; imageTag: string }): string[] {
  const call = ["dagger", "call"];
  switch (stage) {
    case "build":
      return [...call, "build", "export", "--path", ".out"];
    case "images":
      return [...call, "images"];
    case "publish":
      return [...call, "publish", "--registry", LOCAL.registry, "--tags", options.imageTag];
    case "deploy":
      return [
        ...call,
        "deploy",
        "--environment",
        LOCAL.environment,
        "--kubeconfig",
        `file:${options.kubeconfig}`,
        "--image-tag",
        options.imageTag,
      ];
    case "helm-test":
      return [
        ...call,
        "helm-test",
        "--environment",
        LOCAL.environment,
        "--kubeconfig",
        `file:${options.kubeconfig}`,
      ];
    default:
      return [...call, stage];
  }
}

/** One stage's result. */
export interface LocalOutcome {
  stage: LocalStage;
  status: "ok" | "failed" | "skipped";
  seconds: number;
}

/** After `done` outcomes, the next stage to run, or null when the loop is over (done, or a stage failed). */
export function nextStage(stages: readonly LocalStage[], done: readonly LocalOutcome[]): LocalStage | null {
  if (done.some((o) => o.status === "failed")) return null;
  return stages[done.length] ?? null;
}

/** The final outcomes: every stage that did not run after a failure is skipped. */
export function finish(stages: readonly LocalStage[], done: readonly LocalOutcome[]): LocalOutcome[] {
  return [
    ...done,
    ...stages.slice(done.length).map((stage) => ({ stage, status: "skipped" as const, seconds: 0 })),
  ];
}

/** The line printed as a stage ends. */
export function stageLine(outcome: LocalOutcome): string {
  return `${outcome.status === "ok" ? "ok  " : outcome.status === "failed" ? "FAIL" : "skip"}  ${outcome.stage.padEnd(10)} ${outcome.seconds.toFixed(1).padStart(6)} s`;
}

/** The summary table rows. */
export function summaryRows(outcomes: readonly LocalOutcome[]): string[][] {
  const total = outcomes.reduce((n, o) => n + o.seconds, 0);
  return [
    ["STAGE", "STATUS", "SECONDS"],
    ...outcomes.map((o) => [o.stage, o.status, o.seconds.toFixed(1)]),
    ["total", outcomes.every((o) => o.status === "ok") ? "ok" : "failed", total.toFixed(1)],
  ];
}
