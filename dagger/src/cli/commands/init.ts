/**
 * `pipeline init`: inspect a repository and write a starting pipeline.yaml, the workflows that call
 * the module with `dagger -m`, and per-environment values files. core/init/plan.ts decides;
 * nothing is overwritten without --force.
 */
import { existsSync, lstatSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Command } from "commander";
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
    .option("--json", "print the files written and the findings as JSON")
    .action(async (options: { dir?: string; force?: boolean; module?: string; json?: boolean }) => {
      const root = resolve(userCwd(), options.dir ?? ".");
      if (!existsSync(root)) throw new UsageError(`--dir ${root}: no such folder (example: --dir .)`);
      const { scanRepo, thisModuleRef } = await import("../../adapters/init/repo-scan.js");
      const { moduleDir } = await import("../../adapters/runners/local/dagger.js");
      const { planInit, schemaLocation } = await import("../../core/init/plan.js");
      const own = moduleDir();
      const module = options.module ? { ref: options.module, remote: true } : await thisModuleRef(own);
      const plan = planInit(await scanRepo(root), {
        module: module.ref,
        schema: schemaLocation(module.ref, join(own, "pipeline.schema.json")),
      });
      if (!module.remote) {
        plan.findings.push(
          `the workflows call the module at ${module.ref}, which CI can't load: run again with --module github.com/<owner>/<repo>@<version>`,
        );
      }
      for (const file of plan.files) refuseLinks(root, file.path);
      const existing = plan.files.filter((f) => existsSync(join(root, f.path))).map((f) => f.path);
      if (existing.length > 0 && !options.force) {
        throw new UsageError(
          `${root}: ${existing.join(", ")} already exist${existing.length === 1 ? "s" : ""}; nothing written (pass --force to overwrite)`,
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
        ...plan.files.map((f) => `wrote ${f.path}${existing.includes(f.path) ? " (overwritten)" : ""}`),
        "",
        ...plan.findings.map((f) => `- ${f}`),
        "",
        "Next: pipeline config check, then pipeline plan.",
      );
    });
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
