/**
 * `pipeline init`: inspect a repository and write a starting pipeline.yaml, the workflows that call
 * the module with `dagger -m`, and per-environment values files. core/init/plan.ts decides;
 * nothing is overwritten without --force.
 */
import { existsSync, lstatSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Command } from "commander";
import { loadConfig } from "../../adapters/config/config-file.js";
import type { PipelineConfig } from "../../core/config/config.js";
import { UsageError } from "../../core/errors.js";
import { userCwd } from "../context.js";
import { printJson, printLines } from "../output.js";

/** Builds the `init` command. */
export function initCommand(): Command {
  return new Command("init")
    .description("Inspect a repository and write a starting pipeline.yaml, workflows and environments")
    .option("--dir <dir>", "the repository to set up (default: the current directory)")
    .option("--force", "overwrite files that already exist")
    .option(
      "--module <ref>",
      "the module the workflows call, e.g. github.com/acme/pipeline@v1.4.0 (default: this CLI's)",
    )
    .option(
      "--workflows",
      "write only the workflows, for the registries and default branch of the pipeline.yaml already there",
    )
    .option("--json", "print the files written and the findings as JSON")
    .action(
      async (options: {
        dir?: string;
        force?: boolean;
        module?: string;
        workflows?: boolean;
        json?: boolean;
      }) => {
        const root = resolve(userCwd(), options.dir ?? ".");
        if (!existsSync(root)) throw new UsageError(`--dir ${root}: no such folder (example: --dir .)`);
        const { scanRepo, thisModuleRef } = await import("../../adapters/init/repo-scan.js");
        const { moduleDir } = await import("../../adapters/runners/local/dagger.js");
        const { planInit, planWorkflows, schemaLocation } = await import("../../core/init/plan.js");
        const own = moduleDir();
        const existing = options.workflows ? existingConfig(root) : undefined;
        const module = options.module
          ? { ref: options.module, remote: true }
          : existing?.module
            ? { ref: existing.module, remote: !existing.module.startsWith("/") }
            : await thisModuleRef(own);
        const plan = existing
          ? planWorkflows(existing, module.ref)
          : planInit(await scanRepo(root), {
              module: module.ref,
              schema: schemaLocation(module.ref, join(own, "pipeline.schema.json")),
            });
        if (!module.remote) {
          plan.findings.push(
            `the workflows call the module at ${module.ref}, which CI can't load: run again with --module github.com/<owner>/<repo>@<version>`,
          );
        }
        for (const file of plan.files) refuseLinks(root, file.path);
        const present = plan.files.filter((f) => existsSync(join(root, f.path))).map((f) => f.path);
        if (present.length > 0 && !options.force) {
          throw new UsageError(
            `${root}: ${present.join(", ")} already exist${present.length === 1 ? "s" : ""}; nothing written (pass --force to overwrite)`,
          );
        }
        for (const file of plan.files) {
          const target = join(root, file.path);
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, file.text);
        }
        if (options.json)
          return printJson({ root, files: plan.files.map((f) => f.path), findings: plan.findings });
        printLines(
          ...plan.files.map((f) => `wrote ${f.path}${present.includes(f.path) ? " (overwritten)" : ""}`),
          "",
          ...plan.findings.map((f) => `- ${f}`),
          "",
          options.workflows
            ? "Next: commit the workflows."
            : "Next: pipeline config check, then pipeline plan.",
        );
      },
    );
}

/** The pipeline.yaml `init --workflows` writes the workflows for, loaded and checked. */
function existingConfig(root: string): PipelineConfig {
  const file = join(root, "pipeline.yaml");
  if (!existsSync(file))
    throw new UsageError(
      `${file}: no such file; init --workflows writes the workflows for an existing pipeline.yaml (run pipeline init without --workflows first)`,
    );
  return loadConfig(file);
}

/** Refuses a target whose path inside `root` passes through a symlink: --force must not write outside. */
function refuseLinks(root: string, path: string): void {
  const parts = path.split("/");
  for (let i = 1; i <= parts.length; i++) {
    const sub = parts.slice(0, i).join("/");
    try {
      if (lstatSync(join(root, sub)).isSymbolicLink()) {
        throw new UsageError(
          `${join(root, sub)}: is a symlink; init writes only regular files inside the repository (remove it)`,
        );
      }
    } catch (error) {
      if (error instanceof UsageError) throw error;
      return; // Missing: nothing below it exists either.
    }
  }
}
