/**
 * Module budgets: cold import of the compiled module entry (dist/src/index.js, with the real SDK)
 * under 1 s, median of fresh processes; and the size of dagger/'s production dependencies, which
 * the engine installs on every cold start.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";

const dagger = join(import.meta.dirname, "../..");

/** Median time to import `specifier` in a fresh Node process. */
function coldImport(specifier: string): number {
  const samples: number[] = [];
  for (let i = 0; i < 7; i++) {
    const code = `const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t);`;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
      cwd: dagger,
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`importing ${specifier} failed: ${result.stderr}`);
    samples.push(Number(result.stdout.trim()));
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

export default async function bench() {
  const sdkMs = coldImport("@dagger.io/dagger");
  const importMs = coldImport(join(dagger, "dist/src/index.js"));
  const prod = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], {
    cwd: dagger,
    encoding: "utf8",
  })
    .split("\n")
    .filter((p) => p.includes("node_modules"));
  const bytes = prod.length
    ? Number(
        execFileSync("du", ["-sbc", ...prod], { encoding: "utf8" })
          .trim()
          .split("\n")
          .at(-1)!
          .split("\t")[0],
      )
    : 0;
  return [
    {
      name: "module cold import (dist/src/index.js)",
      value: importMs,
      unit: "ms",
      note: `median of 7; budget < 1000 ms: ${importMs < 1000 ? "ok" : "OVER"}`,
    },
    {
      name: "  of which the Dagger SDK alone",
      value: sdkMs,
      unit: "ms",
      note: `our code adds ${(importMs - sdkMs).toFixed(0)} ms on top of the SDK's own import`,
    },
    {
      name: "production dependencies",
      value: prod.length,
      unit: "packages",
      note: `${(bytes / 1024 / 1024).toFixed(1)} MiB on disk (typescript is most of it; the engine mounts its own)`,
    },
  ];
}
