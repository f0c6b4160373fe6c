/** Apps and gitops remotes for the gitops tests: real git, in temp dirs. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadConfig } from "../../src/adapters/config/config-file.js";
import type { PipelineConfig } from "../../src/core/config/config.js";
import { scaffold } from "../../src/core/gitops/layout.js";
import { git } from "./git.js";
import { tempDir } from "./temp.js";

/** An app checkout: pipeline.yaml plus cmd/ stubs so binaries are discovered. */
export function makeApp(yaml: string): { dir: string; config: PipelineConfig } {
  const dir = tempDir("pipeline-app-");
  writeFileSync(join(dir, "pipeline.yaml"), yaml);
  for (const binary of ["api", "worker", "migrator"]) {
    mkdirSync(join(dir, "src/cmd", binary), { recursive: true });
    writeFileSync(join(dir, "src/cmd", binary, "main.go"), "package main\n\nfunc main() {}\n");
  }
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "app");
  return { dir, config: loadConfig(join(dir, "pipeline.yaml")) };
}

/** A bare gitops remote holding the scaffold of every config (apps may share it via gitops.path). */
export function makeGitopsRemote(configs: PipelineConfig[], name = "gitops.git"): string {
  const work = tempDir("pipeline-gitops-work-");
  for (const config of configs) {
    for (const [path, text] of Object.entries(scaffold(config))) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), text);
    }
  }
  git(work, "init", "-q", "-b", "main");
  git(work, "add", "-A");
  git(work, "commit", "-q", "-m", "init");
  const root = tempDir("pipeline-gitops-remote-");
  git(root, "clone", "-q", "--bare", work, name);
  return join(root, name);
}
