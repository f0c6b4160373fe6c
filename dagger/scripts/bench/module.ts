/**
 * Module budgets: cold import of the compiled module entry (dist/src/index.js, with the real SDK)
 * under 1 s, median of fresh processes; the size of dagger/'s production dependencies, which
 * the engine installs on every cold start; and the GraphQL queries a `release` sends, against the
 * count before issue 10 (one plan per call, gitops in the CLI container).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { runModule } from "../../test/contract/harness.js";
import { registeredFunctions } from "../../test/contract/registration.js";
import { replay } from "../../test/contract/replay.js";
import { startRegistry } from "../../test/support/registry.js";

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

/**
 * `release --ref refs/heads/main` before issue 10, measured 2026-11-25 on commit 624ea34 through
 * the same harness: 163 queries, 9 of them git reads (the plan was made three times: by release,
 * publish and helm-push, each with `apk add git`). That run stopped at helm-push ("chart: not a
 * gzip archive"), so 163 is a lower bound of what a whole run would have sent.
 */
export const RELEASE_QUERIES_BEFORE = { queries: 163, gitReads: 9, measured: "2026-11-25" } as const;

/**
 * The queries of the push-to-main workflow's `release` call, replayed through the SDK entrypoint
 * (test/contract/replay.ts). A warm no-op release on a real engine sends the same queries; the
 * engine answers all but the never-cached side effects from its caches.
 */
async function releaseQueries(): Promise<{ queries: number; gitReads: number }> {
  const charts = await startRegistry();
  try {
    const functions = registeredFunctions(await runModule(null));
    const sha = "c".repeat(40);
    const run = await replay(
      {
        name: "push",
        ref: "refs/heads/main",
        sha,
        actor: "octocat",
        repositoryOwner: "example",
        checkout: {
          sha,
          branch: "main",
          tags: [{ name: "v1.2.3", commit: "1".repeat(40), annotated: true }],
          distance: 7,
        },
      },
      functions,
      { only: ["main.yaml"], chartRegistryPort: charts.port },
    );
    if (run.failures.length) throw new Error(`release replay failed: ${run.failures.join("; ")}`);
    const release = run.queries.find((q) => q.call.endsWith(": release"));
    if (!release) throw new Error("the main workflow made no release call");
    return release;
  } finally {
    await charts.remove();
  }
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
  const release = await releaseQueries();
  const before = RELEASE_QUERIES_BEFORE;
  return [
    {
      name: "release (push to main): GraphQL queries",
      value: release.queries,
      unit: "queries",
      note: `before issue 10: ${before.queries} (${before.measured}; that run stopped at helm-push); now the whole run through promote, planned once; most are id lookups of objects passed as arguments`,
    },
    {
      name: "  of which git reads",
      value: release.gitReads,
      unit: "reads",
      note: `before: ${before.gitReads} (three plans); one plan reads git ${release.gitReads === 3 ? "once (3 reads)" : `${release.gitReads} times`}`,
    },
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
      note: `${(bytes / 1024 / 1024).toFixed(1)} MiB on disk (typescript is most of it: the ~5.9.3 range makes the engine install it, docs/module.md says why)`,
    },
  ];
}
