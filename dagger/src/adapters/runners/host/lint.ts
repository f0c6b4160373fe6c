/**
 * lint on the host: in each module `lint.modules` lists (go.source's own by default), the argv of
 * core/go/commands.ts with the host's Go, then the host's golangci-lint when installed. The
 * version lint should run (core/go/lint-version.ts: pipeline.yaml, else the repository's pin, else
 * the default) is what the module's image runs; the host's own is used as it is, and the result
 * says when the two differ.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { PipelineConfig } from "../../../core/config/config.js";
import { goLintCommands, golangciLintArgv, lintModules } from "../../../core/go/commands.js";
import {
  golangciLintVersion,
  type LintPin,
  PIN_FOLDERS,
  pinFiles,
  reportedLintVersion,
  repositoryLintPin,
  sameLintVersion,
} from "../../../core/go/lint-version.js";
import { readInputFile } from "../../input-file.js";
import { runTool } from "./exec.js";
import { hostGoEnv } from "./go.js";
import { findHostTool, pathWith, requireTools } from "./tools.js";

/** The largest pin file read (a Makefile or workflow is a few KB). */
const MAX_PIN_BYTES = 512 * 1024;

/** The repository's golangci-lint pin, read from the files that can hold one (core/go/lint-version.ts). */
export function readLintPin(root: string, goSource: string): LintPin | null {
  const listed = PIN_FOLDERS.flatMap(({ dir, files }) => {
    try {
      return readdirSync(join(root, dir))
        .filter((f) => files.test(f))
        .sort()
        .map((f) => `${dir}/${f}`);
    } catch {
      return [];
    }
  });
  const files: { path: string; text: string }[] = [];
  for (const path of [...pinFiles(goSource), ...listed]) {
    try {
      files.push({
        path,
        text: readInputFile(join(root, path), { root, maxBytes: MAX_PIN_BYTES, label: path, hint: "" }),
      });
    } catch {
      // Absent, too large or outside the repository: it pins nothing.
    }
  }
  return repositoryLintPin(files);
}

/** gofmt, go mod tidy -diff and go vet in each linted module, then golangci-lint when installed. */
export async function hostLint(root: string, config: PipelineConfig): Promise<string> {
  const found = requireTools("lint", ["go", "gofmt"]);
  const env = { ...hostGoEnv(config), PATH: pathWith(found) };
  const modules = lintModules(config);
  for (const { module, dir } of modules) {
    const where = modules.length > 1 ? ` in ${module}` : "";
    for (const command of goLintCommands())
      await runTool(command.argv, {
        cwd: join(root, dir),
        env,
        what: `lint (${command.name}${where})`,
        repoCode: true,
      });
  }
  const scope = modules.length > 1 ? ` in ${modules.map((m) => m.module).join(", ")}` : "";
  const wanted = golangciLintVersion(config.lint.golangciLint.version, readLintPin(root, config.go.source));
  const golangci = findHostTool("golangci-lint");
  if (!golangci) {
    return `gofmt and go vet passed${scope}; golangci-lint not installed (go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@${wanted.version}, the version from ${wanted.source})`;
  }
  const reported = reportedLintVersion((await runTool([golangci, "version"], { cwd: root, env })).stdout);
  const [, ...args] = golangciLintArgv();
  for (const { module, dir } of modules) {
    await runTool([golangci, ...args], {
      cwd: join(root, dir),
      env,
      what: `lint (golangci-lint${modules.length > 1 ? ` in ${module}` : ""})`,
    });
  }
  return reported && sameLintVersion(reported, wanted.version)
    ? `gofmt, go vet and golangci-lint ${reported} passed${scope}`
    : `gofmt, go vet and golangci-lint passed${scope}, but the host's golangci-lint is ${reported ?? "of an unknown version"}, not ${wanted.version} (from ${wanted.source}), which the module runs`;
}
