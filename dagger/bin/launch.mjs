#!/usr/bin/env node
// @ts-check
/**
 * `npm run pipeline`: runs the CLI bundle, building it first only when its sources changed since
 * the last build (scripts/cli-bundle.mjs decides, with a stat per source file). Plain JavaScript,
 * so nothing has to be compiled before it runs; the CLI itself is bin/pipeline.ts.
 */
import { pathToFileURL } from "node:url";
import { ensureBundle } from "../scripts/cli-bundle.mjs";

let entry;
try {
  entry = await ensureBundle({
    onBuild: () =>
      process.stderr.write("pipeline: sources changed since the last build; rebuilding the CLI\n"),
  });
} catch (error) {
  // esbuild has printed each error with its file and line already.
  process.stderr.write(
    `pipeline: could not build the CLI (dagger/dist/cli): ${error instanceof Error ? error.message.split("\n")[0] : String(error)}\n`,
  );
  process.exit(1);
}
await import(pathToFileURL(entry).href);
