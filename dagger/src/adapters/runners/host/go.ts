/**
 * build on the host (lint: ./lint.ts, test: ./test.ts): the argv of core/go/commands.ts run with
 * the host's Go, in the Go source of the repo, as the module runs them in the golang container.
 */

import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
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
import type { BuildStamp } from "../../../core/go/ldflags.js";
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
 * Runs `commands`, at most `slots` at once (one per core: each `go build` compiles its packages
 * in parallel too), platforms first: a platform's first build compiles the standard library and
 * the dependencies for it, so its other builds wait for that one and then only compile their own
 * package and link, from Go's build cache (which is safe for concurrent go commands, `go help
 * cache`), instead of compiling the same packages twice at once. After a failure nothing new
 * starts; the running builds finish, then the first failure in command order is thrown.
 */
async function byPlatform<T extends { platform: string }>(
  commands: readonly T[],
  slots: number,
  run: (command: T) => Promise<unknown>,
): Promise<void> {
  const ready: T[] = [];
  const waiting = new Map<string, T[]>();
  for (const command of commands) {
    const queue = waiting.get(command.platform);
    if (queue) queue.push(command);
    else {
      waiting.set(command.platform, []);
      ready.push(command);
    }
  }
  const failures = new Map<T, unknown>();
  let running = 0;
  await new Promise<void>((done) => {
    const next = () => {
      if (ready.length === 0 && running === 0) return done();
      while (running < slots && ready.length > 0) {
        const command = ready.shift()!;
        running++;
        run(command)
          .catch((error: unknown) => failures.set(command, error))
          .finally(() => {
            // The platform's other builds follow its first; after a failure nothing new starts
            // (the stage has failed), and the builds already running finish.
            const rest = waiting.get(command.platform) ?? [];
            waiting.delete(command.platform);
            if (failures.size === 0) ready.push(...rest);
            else ready.length = 0;
            running--;
            next();
          });
      }
    };
    next();
  });
  const first = commands.find((c) => failures.has(c));
  if (first) throw failures.get(first);
}

/**
 * Cross-compiles every binary for every platform into `outDir` (`<os>-<arch>/<binary>`), with
 * migrations/ and assets/ beside them when the Go source has them: the same layout as `dagger call build export --path .out`.
 */
export async function hostBuild(
  root: string,
  config: PipelineConfig,
  platforms: readonly string[],
  stamp: BuildStamp,
  outDir = join(root, ".out"),
): Promise<{ outDir: string; summary: string }> {
  const found = requireTools("build", ["go"]);
  const commands = buildCommands(config, platforms, { ...stamp, outDir });
  const unused = platforms.filter((p) => !commands.some((c) => c.platform === p));
  if (unused.length > 0)
    throw new UsageError(
      `build: no binary ships on ${unused.join(", ")}; add it to platforms (or a binary's platforms) in ${config.file}`,
    );
  await byPlatform(commands, Math.max(1, availableParallelism()), (command) =>
    runTool(command.argv, {
      cwd: join(root, command.cwd),
      env: { ...hostGoEnv(config), ...command.env, PATH: pathWith(found) },
      what: `build (${command.binary} for ${command.platform})`,
      repoCode: true,
    }),
  );
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
