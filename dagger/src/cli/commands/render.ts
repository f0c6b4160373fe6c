/**
 * `pipeline render --out DIR`: writes what a run of this commit would use — the Dockerfiles, each
 * cross-compile as argv and env, each image build, the helm commands and the values edits per
 * environment — so a stage can be read or reproduced by hand without an engine. Like `init`, it
 * never writes through a symlink (adapters/output-tree.ts).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { loadRepo, userCwd } from "../context.js";
import { printJson, printLines } from "../output.js";

/** Builds the `render` command. */
export function renderCommand(): Command {
  return new Command("render")
    .description("Write the Dockerfiles, build argv and env, helm commands and values edits of this commit")
    .requiredOption("--out <dir>", "directory to write into (created; files in it are replaced)")
    .option("--json", "print the written paths as JSON")
    .action(async (options: { out: string; json?: boolean }, command: Command) => {
      const { root, config } = await loadRepo(command);
      const { localGit } = await import("../../adapters/release/git-context.js");
      const { planFor } = await import("../../adapters/release/plan-source.js");
      const { renderRun } = await import("../../core/runners/render.js");
      const plan = await planFor(localGit(root), config, {}, process.env);
      const out = resolve(userCwd(), options.out);
      const files = renderRun(config, plan, (file) => existsSync(join(root, file)));
      // Checked before the first write: no symlink on the way, a folder where one is needed.
      const { writeTree } = await import("../../adapters/output-tree.js");
      writeTree(out, files, [root, userCwd()], `--out ${options.out}`);
      const paths = Object.keys(files).sort();
      if (options.json) return printJson({ out, version: plan.version, files: paths });
      printLines(`rendered ${config.app} ${plan.version} into ${out}:`, ...paths.map((p) => `  ${p}`));
    });
}
