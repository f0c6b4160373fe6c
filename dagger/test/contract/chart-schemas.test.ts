/**
 * chart-lint takes its schemas from where the user says: `--schemas <dir>` (chart-lint and release)
 * is mounted into the kubeconform container and passed as a local `-schema-location`, before
 * pipeline.yaml's chart.schemaLocation, whose repository paths are mounted where kubeconform
 * resolves them. Without either, kubeconform keeps its default download.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { folderSchemaLocation, MOUNTED_SCHEMAS_DIR } from "../../src/core/chart/schema-location.js";
import { decodeId, encodeId, type Step } from "./engine.js";
import { type ModuleRun, runModule } from "./harness.js";

const SCHEMAS_ID = encodeId([
  { field: "host", args: {} },
  { field: "directory", args: { path: "/offline/k8s-schemas" } },
]);
const pipelineYaml = readFileSync(resolve(import.meta.dirname, "../../../pipeline.yaml"), "utf8");
const REPO_LOCATION = "ci/schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json";

/** pipeline.yaml with `chart.schemaLocation` set. */
const withLocations = (chain: Step[]) =>
  chain.at(-1)?.field === "contents" &&
  chain.some((s) => s.field === "file" && s.args.path === "pipeline.yaml")
    ? pipelineYaml.replace("chart:\n", `chart:\n  schemaLocation: ["${REPO_LOCATION}", default]\n`)
    : undefined;

/** Every chain that runs kubeconform, with its argv's -schema-location values. */
function kubeconformRuns(run: ModuleRun): { chain: Step[]; locations: string[] }[] {
  return run.chains
    .filter((c) => c.at(-1)?.field === "stdout")
    .map((chain) => ({ chain, argv: chain.findLast((s) => s.field === "withExec")?.args.args as string[] }))
    .filter((r) => r.argv?.[0] === "/kubeconform")
    .map(({ chain, argv }) => ({
      chain,
      locations: argv.flatMap((a, i) => (argv[i - 1] === "-schema-location" ? [a] : [])),
    }));
}

const mounts = (chain: Step[]) =>
  chain
    .filter((s) => s.field === "withMountedDirectory")
    .map((s) => ({
      path: s.args.path,
      source: decodeId(String(s.args.source)).map((x) => x.args.path ?? ""),
    }));

describe("chart-lint's schemas", () => {
  it("keeps kubeconform's default download when nobody says otherwise", async () => {
    const run = await runModule({ fn: "chartLint" });
    expect(run.exitCode, run.stderr).toBe(0);
    const runs = kubeconformRuns(run);
    expect(runs.length).toBeGreaterThanOrEqual(4);
    for (const r of runs) {
      expect(r.locations).toEqual([]);
      expect(mounts(r.chain)).toEqual([]);
    }
  }, 120_000);

  it.each([
    ["chartLint", {}],
    ["release", { registry: "localhost:5001" }],
  ])(
    "%s --schemas mounts the folder and passes it as a local -schema-location",
    async (fn, args) => {
      const run = await runModule({ fn, args: { ...args, schemas: SCHEMAS_ID } });
      if (fn === "chartLint") expect(run.exitCode, run.stderr).toBe(0);
      const runs = kubeconformRuns(run);
      expect(runs.length).toBeGreaterThanOrEqual(4);
      for (const r of runs) {
        expect(r.locations).toEqual([folderSchemaLocation(MOUNTED_SCHEMAS_DIR)]);
        expect(r.locations[0]).toBe("/schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json");
        expect(mounts(r.chain)).toEqual([
          { path: MOUNTED_SCHEMAS_DIR, source: ["", "/offline/k8s-schemas"] },
        ]);
      }
    },
    120_000,
  );

  it("passes chart.schemaLocation after --schemas, with the repository folder it names mounted where kubeconform looks", async () => {
    const run = await runModule({ fn: "chartLint", args: { schemas: SCHEMAS_ID }, answer: withLocations });
    expect(run.exitCode, run.stderr).toBe(0);
    const runs = kubeconformRuns(run);
    expect(runs.length).toBeGreaterThanOrEqual(4);
    for (const r of runs) {
      expect(r.locations).toEqual([folderSchemaLocation(MOUNTED_SCHEMAS_DIR), REPO_LOCATION, "default"]);
      // Only the folder the location reads, never the checkout; relative paths resolve against /repo.
      expect(mounts(r.chain)).toContainEqual({
        path: "/repo/ci/schemas",
        source: ["", "/repo", "ci/schemas"],
      });
      expect(r.chain.findLast((s) => s.field === "withWorkdir")?.args.path).toBe("/repo");
    }
  }, 120_000);
});
