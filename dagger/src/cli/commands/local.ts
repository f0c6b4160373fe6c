/**
 * `npm run pipeline` (no command): the local loop — lint, test, chart-lint, build, images, publish
 * to localhost:5001, deploy to the Kind cluster `pipeline`, helm test — each stage a `dagger call`.
 * `npm run pipeline -- <stage>` runs one stage. Without docker, kind, kubectl or dagger it says
 * what is missing and how to install it, prints the plan, and exits 3.
 */
import { spawnSync } from "node:child_process";
import { Command } from "commander";
import { FailureError, MissingToolError } from "../../core/errors.js";
import {
  finish,
  LOCAL_STAGES,
  type LocalOutcome,
  type LocalStage,
  nextStage,
  stageArgv,
  stageLine,
  summaryRows,
  toolsFor,
} from "../../core/local-loop.js";
import { loadRepo } from "../context.js";
import { formatTable, printJson, printLines } from "../output.js";

/** Runs `stages` locally through dagger; the one implementation behind the loop and the stage commands. */
async function runLocal(
  stages: readonly LocalStage[],
  options: { json?: boolean },
  command: Command,
): Promise<void> {
  const { root, config } = await loadRepo(command);
  const { hasTool } = await import("../../adapters/local/tools.js");
  const { localGit } = await import("../../adapters/git-context.js");
  const { planFor } = await import("../../adapters/plan-source.js");
  const plan = await planFor(localGit(root), config, {}, process.env, new Date());
  const missing = toolsFor(stages).filter((t) => !hasTool(t.tool));
  if (missing.length > 0) {
    const { formatPlan } = await import("../../core/plan-text.js");
    printLines(
      `The local loop needs ${missing.map((m) => m.tool).join(", ")}, which this machine lacks:`,
      ...missing.map((m) => `  ${m.tool.padEnd(8)} ${m.install}`),
      "",
      `It would have run: ${stages.join(" -> ")}`,
      ...stages.map(
        (s) => `  ${stageArgv(s, { kubeconfig: "<kind kubeconfig>", imageTag: plan.tags.image }).join(" ")}`,
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
  const needsCluster = stages.some((s) => s === "publish" || s === "deploy" || s === "helm-test");
  const kubeconfig = needsCluster ? (await import("../../adapters/local/kind.js")).ensureLocalCluster() : "";
  const done: LocalOutcome[] = [];
  for (let stage = nextStage(stages, done); stage; stage = nextStage(stages, done)) {
    const started = Date.now();
    const argv = stageArgv(stage, { kubeconfig, imageTag: plan.tags.image });
    if (!options.json) printLines(`==> ${stage}: ${argv.join(" ")}`);
    const result = spawnSync(argv[0]!, argv.slice(1), {
      cwd: root,
      stdio: options.json ? ["ignore", "ignore", "inherit"] : "inherit",
    });
    const outcome: LocalOutcome = {
      stage,
      status: result.status === 0 ? "ok" : "failed",
      seconds: (Date.now() - started) / 1000,
    };
    done.push(outcome);
    if (!options.json) printLines(stageLine(outcome));
  }
  const outcomes = finish(stages, done);
  if (options.json) printJson({ stages: outcomes });
  else printLines("", formatTable(summaryRows(outcomes)));
  const failed = outcomes.find((o) => o.status === "failed");
  if (failed)
    throw new FailureError(
      `the local loop failed at ${failed.stage} (its output is above); fix it and run npm run pipeline -- ${failed.stage}`,
    );
}

/** The default command: the whole local loop. */
export function localCommand(): Command {
  return new Command("local")
    .description(
      "Run the whole loop locally: lint, test, chart-lint, build, images, publish to localhost:5001, deploy to Kind, helm test (the default)",
    )
    .option("--json", "print the summary as JSON")
    .action((options: { json?: boolean }, command: Command) => runLocal(LOCAL_STAGES, options, command));
}

/** One command per local stage, for `npm run pipeline -- <stage>`. */
export function stageCommands(): Command[] {
  const help: Record<LocalStage, string> = {
    lint: "Run the lint stage (gofmt, go vet, golangci-lint) through dagger",
    test: "Run the test stage (go test -race against PostgreSQL) through dagger",
    "chart-lint": "Run helm lint and kubeconform for every environment through dagger",
    build: "Cross-compile every binary into .out/<os>-<arch>/ through dagger",
    images: "Build every image from its generated Dockerfile through dagger",
    publish: "Publish the images to the local registry localhost:5001",
    deploy: "Deploy to the local Kind cluster with the preview values",
    "helm-test": "Run helm test against the local Kind cluster",
  };
  return LOCAL_STAGES.map((stage) =>
    new Command(stage)
      .description(help[stage])
      .option("--json", "print the summary as JSON")
      .action((options: { json?: boolean }, command: Command) => runLocal([stage], options, command)),
  );
}
