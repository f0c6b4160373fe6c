/**
 * `npm run pipeline` (no command): the local loop — lint, test, chart-lint, build, images,
 * publish, deploy, helm-test — and `npm run pipeline -- <stage>` for one stage. `--runner dagger`
 * runs each stage as `dagger call -m <this module> <fn>` (Kind for the cluster); `--runner host`
 * runs the same argv with the host's tools; `auto` (the default) picks dagger when an engine
 * answers. Exit 0 when every stage ran, 3 when some could not for lack of a tool or cluster, 1
 * when one failed.
 */
import { Command } from "commander";
import { noChartReason } from "../../core/chart/discovery.js";
import type { PipelineConfig } from "../../core/config/config.js";
import { FailureError, MissingToolError, UsageError } from "../../core/errors.js";
import type { Plan } from "../../core/release/plan.js";
import { apiServerService, type ClusterChoice } from "../../core/runners/cluster-choice.js";
import {
  LOCAL_CHART_STAGES,
  LOCAL_STAGES,
  type LocalStage,
  stageArgv,
  toolsFor,
} from "../../core/runners/local-loop.js";
import { chooseRunner, parseRunner, type RunnerName } from "../../core/runners/runner-choice.js";
import {
  exitCodeOf,
  runStages,
  type StageOutcome,
  type StageStep,
  stageLine,
  summaryRows,
} from "../../core/runners/stage-runner.js";
import { isImageReference, safeEcho } from "../../core/validate.js";
import {
  type ClusterFlags,
  clusterChoice,
  hostClusterRun,
  rollbackOf,
  withClusterOptions,
} from "../cluster-options.js";
import { loadRepo } from "../context.js";
import { formatTable, printJson, printLines } from "../output.js";
import { type RegistryFlags, registryAccess, withRegistryOptions } from "../registry-options.js";
import { integer } from "./plan.js";

/** Flags of the loop and the stage commands. */
interface LoopFlags extends RegistryFlags, ClusterFlags {
  json?: boolean;
  /** The event the stage is planned as (default: the checkout and CI's variables), as `plan`'s flags. */
  ref?: string;
  sha?: string;
  pr?: number;
  /** Host runner: the image the repository's code runs in. */
  container?: string;
  runner?: string;
  platforms?: string[];
  registry?: string;
  tags?: string[];
}

/** `--platforms a b` or `--platforms a,b`. */
function listOf(values: readonly string[] | undefined): string[] | undefined {
  const list = values?.flatMap((v) => v.split(",")).filter(Boolean);
  return list?.length ? list : undefined;
}

/** Runs `stages` with the chosen runner, prints as it goes, and throws for exit codes 1 and 3. */
async function runLoop(stages: readonly LocalStage[], flags: LoopFlags, command: Command): Promise<void> {
  const { root, config } = await loadRepo(command);
  const requested = parseRunner(flags.runner);
  const rollback = rollbackOf(flags);
  const probe =
    requested === "auto" && !rollback
      ? (await import("../../adapters/runners/local/dagger.js")).probeDagger()
      : { daggerCli: false, engine: null };
  // A rollback is one helm command against the cluster, which the module has no function for.
  const choice = rollback
    ? { runner: "host" as const, reason: "--rollback runs helm rollback on this machine" }
    : chooseRunner(requested, probe);
  const { localGit } = await import("../../adapters/release/git-context.js");
  const { planFor } = await import("../../adapters/release/plan-source.js");
  const event = { ref: flags.ref, sha: flags.sha, ...(flags.pr !== undefined ? { pr: flags.pr } : {}) };
  if (flags.container !== undefined) await containRepoCode(flags.container, root, choice.runner);
  const plan = await planFor(localGit(root), config, event, process.env);
  const say = (...lines: string[]) => {
    if (!flags.json) printLines(...lines);
  };
  say(`runner: ${choice.runner} (${choice.reason})`);
  const cluster = stages.some((s) => s === "deploy" || s === "helm-test")
    ? clusterChoice(choice.runner, flags)
    : undefined;
  if (cluster && cluster.kind !== "none") say(cluster.line);
  const single = stages.length === 1;
  const cleanup: (() => Promise<void>)[] = [];
  let outcomes: StageOutcome<LocalStage>[];
  try {
    const steps =
      choice.runner === "dagger"
        ? await daggerSteps(stages, root, plan, flags, config.module, cluster)
        : await hostStepsFor(root, config, plan, flags, cleanup, !single, cluster);
    // The whole loop in a repository without a chart skips what needs one; a stage asked for by
    // name still runs, and refuses with the reason.
    const chartless = config.chart.path === "" && !single ? LOCAL_CHART_STAGES : [];
    for (const stage of chartless) delete steps[stage];
    outcomes = await runStages(stages, steps, {
      noStep: (stage) => (chartless.includes(stage) ? noChartReason() : "no step for this stage"),
      onOutcome: (outcome) => {
        say(stageLine(outcome));
        const rest = outcome.detail?.split("\n").slice(1) ?? [];
        if ((outcome.status === "failed" || (single && outcome.status === "ok")) && rest.length)
          say(...rest.map((l) => `      ${l}`));
      },
    });
  } finally {
    for (const done of cleanup) await done();
  }
  if (flags.json) printJson({ runner: choice.runner, reason: choice.reason, stages: outcomes });
  else if (!single) say("", formatTable(summaryRows(outcomes)));
  finish(outcomes, choice.runner);
}

/**
 * `--container <image>`: the host runner runs the repository's code (lint's go commands, test's
 * before commands and go test, build) in that image with only the checkout and the temp dir
 * mounted; Go's caches go in a fresh folder of the temp dir.
 */
async function containRepoCode(image: string, root: string, runner: RunnerName): Promise<void> {
  if (!isImageReference(image))
    throw new UsageError(`--container ${safeEcho(image)} is not an image reference (example: golang:1.26)`);
  if (runner !== "host")
    throw new UsageError("--container is for --runner host: dagger runs every stage in a container");
  const { tmpdir } = await import("node:os");
  const { makeTempDir } = await import("../../adapters/process-lifecycle.js");
  const { runRepoCodeIn } = await import("../../adapters/runners/host/contain.js");
  runRepoCodeIn(image, [root, tmpdir()], makeTempDir("pipeline-container-cache-"));
}

/** Maps the outcomes to the exit code by throwing the matching typed error. */
function finish(outcomes: readonly StageOutcome[], runner: RunnerName): void {
  const code = exitCodeOf(outcomes);
  if (code === 1) {
    const failed = outcomes.find((o) => o.status === "failed")!;
    throw new FailureError(
      `${failed.stage} failed with the ${runner} runner (its output is above); fix it and run npm run pipeline -- ${failed.stage}`,
    );
  }
  if (code === 3) {
    const skipped = outcomes.filter((o) => o.missing);
    throw new MissingToolError(
      `${skipped.map((o) => o.stage).join(", ")} could not run here for lack of a tool or cluster (see above)`,
    );
  }
}

/** The host runner's steps; the local registry is started on demand and stopped after the run. */
async function hostStepsFor(
  root: string,
  config: PipelineConfig,
  plan: Plan,
  flags: LoopFlags,
  cleanup: (() => Promise<void>)[],
  loop: boolean,
  cluster: ClusterChoice | undefined,
): Promise<Partial<Record<LocalStage, StageStep>>> {
  const { hostSteps } = await import("../../adapters/runners/host/runner.js");
  let started: string | undefined;
  return hostSteps({
    root,
    config,
    plan,
    platforms: listOf(flags.platforms) ?? config.platforms,
    tags: listOf(flags.tags),
    access: registryAccess(flags, config),
    // The loop publishes to a registry of its own (as Kind's loop does); `publish` alone to
    // image.registries (the same digests to each).
    registry:
      flags.registry ??
      (!loop
        ? config.image.registries
        : async () => {
            const { startLocalRegistry } = await import("../../adapters/runners/host/registry.js");
            const registry = await startLocalRegistry();
            cleanup.push(registry.stop);
            if (!flags.json)
              printLines(`registry: started ${registry.host} for this run (removed when it ends)`);
            started = registry.host;
            return registry.host;
          }),
    // Deploy points the images at the registry this run published to, if it did.
    cluster: cluster && hostClusterRun(config, flags, cluster, () => flags.registry ?? started),
  });
}

/**
 * The dagger runner's steps: one `dagger call -m <module> --source .` per stage. Without the tools a stage
 * needs it names them and how to install them, prints the plan, and exits 3.
 */
async function daggerSteps(
  stages: readonly LocalStage[],
  root: string,
  plan: Plan,
  flags: LoopFlags,
  module: string,
  cluster: ClusterChoice | undefined,
): Promise<Partial<Record<LocalStage, StageStep>>> {
  const { hasTool } = await import("../../adapters/runners/local/tools.js");
  const { moduleDir, runDaggerCall } = await import("../../adapters/runners/local/dagger.js");
  const platforms = listOf(flags.platforms);
  const given = cluster?.kind === "kubeconfig";
  const argvOf = (stage: LocalStage, kubeconfig: string, apiServer?: string | null) =>
    stageArgv(stage, {
      kubeconfig,
      apiServer,
      environment: flags.environment,
      pr: flags.pr,
      timeout: flags.timeout,
      imageTag: flags.imageTag ?? plan.tags.image,
      // pipeline.yaml's module (a git ref, in another repository), else the one this CLI ships in.
      module: module || moduleDir(),
      platforms,
      registry: flags.registry,
    });
  const missing = toolsFor(stages, given ? "kubeconfig" : "kind").filter((t) => !hasTool(t.tool));
  if (missing.length > 0) {
    const { formatPlan } = await import("../../core/release/plan-text.js");
    printLines(
      `The local loop needs ${missing.map((m) => m.tool).join(", ")}, which this machine lacks:`,
      ...missing.map((m) => `  ${m.tool.padEnd(8)} ${m.install}`),
      "",
      `It would have run: ${stages.join(" -> ")}`,
      ...stages.map(
        (s) => `  ${argvOf(s, given ? "<the given kubeconfig>" : "<kind kubeconfig>").join(" ")}`,
      ),
      "",
      "The plan of this commit:",
    );
    process.stdout.write(formatPlan(plan));
    throw new MissingToolError(
      `missing ${missing.map((m) => m.tool).join(", ")}: install them and run again`,
      missing,
    );
  }
  const deploys = stages.some((s) => s === "deploy" || s === "helm-test");
  let kubeconfig = "";
  let apiServer: string | null | undefined;
  if (cluster?.kind === "kubeconfig") {
    // A cluster of the user's: one flattened kubeconfig file, its API server as a host service
    // when it listens on this machine's loopback; publish's registry container when it is Kind's default.
    const kind = await import("../../adapters/runners/local/kind.js");
    if (stages.includes("publish") && !flags.registry) kind.ensureRegistry();
    if (deploys) {
      const { flattenKubeconfig } = await import("../../adapters/runners/local/kubeconfig.js");
      const flat = flattenKubeconfig(cluster.kubeconfig);
      kubeconfig = flat.path;
      apiServer = apiServerService(flat.server) ?? null;
    }
  } else if (deploys || stages.includes("publish"))
    kubeconfig = (await import("../../adapters/runners/local/kind.js")).ensureLocalCluster();
  return Object.fromEntries(
    stages.map((stage) => [
      stage,
      async () => {
        const argv = argvOf(stage, kubeconfig, apiServer);
        if (!flags.json) printLines(`==> ${stage}: ${argv.join(" ")}`);
        await runDaggerCall(argv, root, flags.json);
      },
    ]),
  );
}

/** `--runner`, `--json` and the event flags, shared by the loop and every stage command. */
function withRunner(command: Command): Command {
  return command
    .option("--runner <runner>", "host, dagger or auto (dagger when an engine answers, else host)", "auto")
    .option("--json", "print the outcomes as JSON")
    .option("--ref <ref>", "plan the run as this git ref (as pipeline plan --ref; tags follow it)")
    .option("--sha <sha>", "with --ref: the commit (default: HEAD)")
    .option("--pr <n>", "with --ref refs/pull/<n>/merge: the pull request number", integer)
    .option(
      "--container <image>",
      "host runner: run the repository's code (go, test.before) in this image, with only the checkout and temp dir mounted",
    );
}

const PLATFORMS_HELP = "platforms to build (default: pipeline.yaml's), e.g. linux/amd64,linux/arm/v7";

/** The default command: the whole local loop. */
export function localCommand(): Command {
  const loop = withRegistryOptions(
    withRunner(
      new Command("local").description(
        "Run the whole loop locally: lint, test, chart-lint, build, images, publish, deploy (Kind, or --kubeconfig/KUBECONFIG), helm test (the default)",
      ),
    )
      .option("--platforms <platform...>", PLATFORMS_HELP)
      .option(
        "--registry <registry>",
        "publish here (host runner; default: a registry started on a free loopback port for the run)",
      ),
  );
  return withClusterOptions(loop, "loop").action((flags: LoopFlags, command: Command) =>
    runLoop(LOCAL_STAGES, flags, command),
  );
}

/** One command per local stage, for `npm run pipeline -- <stage>`. */
export function stageCommands(): Command[] {
  const help: Record<LocalStage, string> = {
    lint: "Run the lint stage: gofmt, go vet, golangci-lint",
    test: "Run the test stage: test.services started, test.before run, then go test with the coverage gate",
    "chart-lint": "Run helm lint and kubeconform for every environment",
    build: "Cross-compile every binary into .out/<os>-<arch>/",
    images: "Build every image from its generated Dockerfile",
    publish: "Publish the images as multi-arch indexes (host runner: through the OCI client)",
    deploy:
      "Deploy the chart to a cluster (--kubeconfig, KUBECONFIG or the local Kind cluster) with an environment's values (default preview); --rollback goes back",
    "helm-test": "Run helm test against the release in a cluster (as deploy finds it)",
  };
  return LOCAL_STAGES.map((stage) => {
    let command = withRunner(new Command(stage).description(help[stage]));
    if (stage === "build" || stage === "images" || stage === "publish")
      command = command.option("--platforms <platform...>", PLATFORMS_HELP);
    if (stage === "publish")
      command = withRegistryOptions(
        command
          .option(
            "--registry <registry>",
            "registry and namespace (host runner; default: image.registries in pipeline.yaml)",
          )
          .option("--tags <tag...>", "tags to publish (default: the plan's tag and extra tags)"),
      );
    if (stage === "deploy")
      command = withClusterOptions(command, "deploy").option(
        "--registry <registry>",
        "where the images were published (default: the repositories the values name; the dagger runner: localhost:5001)",
      );
    if (stage === "helm-test") command = withClusterOptions(command, "helm-test");
    return command.action((flags: LoopFlags, cmd: Command) => runLoop([stage], flags, cmd));
  });
}
