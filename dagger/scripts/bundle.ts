/**
 * Bundles the CLI entry into dist/cli/pipeline.mjs, what `npm run pipeline` runs. Node resolves,
 * reads and compiles ~150 small files (ours, commander, semver, yaml) on every start of tsc's
 * output; the bundle is a few files. Splitting keeps dynamic imports lazy: each command's heavy
 * modules (its adapters, the config reader and YAML) are chunks that load only when that command
 * runs. The command modules themselves stay in the main file (see src/cli/program.ts): every
 * chunk is one more file for Node's ESM loader to resolve, read and link on every run.
 * Type-checking stays with tsc; tsc's dist/bin/pipeline.js is still built (tests and the module's
 * CLI container run it).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..");
const outdir = join(root, "dist/cli");
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ["bin/pipeline.ts"],
  outdir,
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Optional or module-only dependencies: loaded from node_modules when (if) a command needs them.
  external: ["better-sqlite3", "pg", "playwright-core", "@dagger.io/dagger"],
  // commander and semver are CommonJS and require() Node's built-ins; ESM has no require.
  banner: {
    js: "import { createRequire as __pipelineRequire } from 'node:module'; const require = __pipelineRequire(import.meta.url);",
  },
  legalComments: "none",
  logLevel: "warning",
});
