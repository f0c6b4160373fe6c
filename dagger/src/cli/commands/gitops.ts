/** `pipeline gitops init`: scaffold the gitops-config repository. */
import { resolve } from "node:path";
import { Command } from "commander";
import { loadRepo, userCwd } from "../context.js";
import { printJson, printLines } from "../output.js";

/** Builds the `gitops` command group. */
export function gitopsCommand(): Command {
  const gitops = new Command("gitops").description("Scaffold the gitops-config repository Argo CD syncs");
  gitops
    .command("init <dir>")
    .description(
      "Write apps/<env>/<app>.yaml, environments/<env>/values.yaml (seeded from this repo's) and environments/preview.yaml into a new git repo",
    )
    .option("--json", "print the files as JSON")
    .action(async (dir: string, options: { json?: boolean }, command: Command) => {
      const { gitopsInit } = await import("../../adapters/gitops/init.js");
      const { root, config } = await loadRepo(command);
      const result = await gitopsInit(config, resolve(userCwd(), dir), root);
      if (options.json) return printJson(result);
      printLines(
        `initialised ${result.dir}:`,
        ...result.files.map((f) => `  ${f}`),
        ...result.notes.map((n) => `- ${n}`),
      );
    });
  return gitops;
}
