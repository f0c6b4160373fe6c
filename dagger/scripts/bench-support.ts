/** What the benches share (outside scripts/bench/, where every file is run as a bench). */
import { existsSync } from "node:fs";
import { join } from "node:path";

const dagger = join(import.meta.dirname, "..");

/** The CLI as `npm run pipeline` runs it: the bundle when built, else tsc's output. */
export function pipelineEntry(): string {
  for (const entry of ["dist/cli/pipeline.mjs", "dist/bin/pipeline.js"])
    if (existsSync(join(dagger, entry))) return join(dagger, entry);
  throw new Error("no built CLI: run `npm run build` in dagger/ first");
}
