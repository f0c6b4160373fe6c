/**
 * The dagger runner's I/O: where this module is (for `dagger call -m`), whether an engine answers
 * (for `--runner auto`), and running one `dagger call` with its output on the terminal.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FailureError } from "../../../core/errors.js";
import type { RunnerProbe } from "../../../core/runners/runner-choice.js";
import { hasTool } from "./tools.js";

/** The directory holding this module's dagger.json, found upward from this file (src/ or dist/). */
export function moduleDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "dagger.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new FailureError("cannot find this module's dagger.json above the CLI");
    dir = parent;
  }
}

/**
 * What `--runner auto` needs to know: the dagger CLI on PATH, and then whether `dagger core
 * version` reaches an engine within `timeoutMs` (the engine may need starting; a slow answer
 * counts as none, and the host runner is used).
 */
export function probeDagger(timeoutMs = 8000): RunnerProbe {
  if (!hasTool("dagger")) return { daggerCli: false, engine: null };
  const result = spawnSync("dagger", ["core", "version"], { stdio: "ignore", timeout: timeoutMs });
  return { daggerCli: true, engine: result.status === 0 };
}

/** Runs a `dagger call` argv in `cwd`, its output on this terminal (stderr only with `quiet`). */
export function runDaggerCall(argv: readonly string[], cwd: string, quiet = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd,
      stdio: quiet ? ["ignore", "ignore", "inherit"] : "inherit",
    });
    child.on("error", (error) => reject(new FailureError(`could not start dagger: ${error.message}`)));
    child.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(new FailureError(`\`${argv.join(" ")}\` exited ${code} (its output is above)`)),
    );
  });
}
