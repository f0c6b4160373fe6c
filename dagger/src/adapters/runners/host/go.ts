/**
 * build on the host (lint: ./lint.ts, test: ./test.ts): the argv of core/go/commands.ts run with
 * the host's Go, in the Go source of the repo, as the module runs them in the golang container.
 */
import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { PipelineConfig } from "../../../core/config/config.js";
import { UsageError } from "../../../core/errors.js";
import {
  BUILD_EXTRA_DIRS,
  buildCommands,
  buildExtras,
  GO_PRIVATE_TOKEN_ENV,
  gitCredentialEnv,
  goEnv,
} from "../../../core/go/commands.js";
import { runTool } from "./exec.js";
import { pathWith, requireTools } from "./tools.js";

/**
 * `go.env`, GOPRIVATE and, when the runner's environment has the token, the credential helper
 * that reads it from there (the token itself is only in this process's environment).
 */
export function hostGoEnv(config: PipelineConfig): Record<string, string> {
  const withToken = config.go.private.length > 0 && !!process.env[GO_PRIVATE_TOKEN_ENV];
  return { ...goEnv(config.go), ...(withToken ? gitCredentialEnv() : {}) };
}

/**
 * Cross-compiles every binary for every platform into `outDir` (`<os>-<arch>/<binary>`), with
 * migrations/ and assets/ beside them when the Go source has them: the same layout as `dagger call build export --path .out`.
 */
export async function hostBuild(
  root: string,
  config: PipelineConfig,
  platforms: readonly string[],
  stamp: { version: string; commit: string; date?: string },
  outDir = join(root, ".out"),
): Promise<{ outDir: string; summary: string }> {
  const found = requireTools("build", ["go"]);
  const commands = buildCommands(config, platforms, { ...stamp, outDir });
  const unused = platforms.filter((p) => !commands.some((c) => c.platform === p));
  if (unused.length > 0)
    throw new UsageError(
      `build: no binary ships on ${unused.join(", ")}; add it to platforms (or a binary's platforms) in ${config.file}`,
    );
  for (const command of commands) {
    await runTool(command.argv, {
      cwd: join(root, command.cwd),
      env: { ...hostGoEnv(config), ...command.env, PATH: pathWith(found) },
      what: `build (${command.binary} for ${command.platform})`,
    });
  }
  const goSource = join(root, config.go.source);
  const extras = buildExtras(readdirSync(goSource));
  for (const dir of BUILD_EXTRA_DIRS) {
    // A folder left by an earlier build of another config must not ship.
    rmSync(join(outDir, dir), { recursive: true, force: true });
    if (!extras.includes(dir)) continue;
    mkdirSync(outDir, { recursive: true });
    cpSync(join(goSource, dir), join(outDir, dir), { recursive: true });
  }
  return { outDir, summary: `${commands.length} binaries for ${platforms.join(", ")} in ${outDir}` };
}
