/**
 * chart-lint on the host reads its schemas where pipeline.yaml's chart.schemaLocation says: a folder
 * of the repository holding schemas generated here (test/support/k8s-schemas.ts), with no download.
 * An empty folder there fails the run, so the schemas came from that folder and nowhere else.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadConfig } from "../../src/adapters/config/config-file.js";
import { hostChartLint } from "../../src/adapters/runners/host/chart.js";
import { ensureK8sSchemas } from "../support/k8s-schemas.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { skipWithout } from "../support/tools.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
afterAll(removeTempDirs);

/** A copy of the sample's chart, environments and binaries, with `chart.schemaLocation` set and `files` added. */
function repoWith(schemaLocation: string[], schemasFrom?: string): string {
  const root = tempDir("pipeline-schema-location-");
  for (const path of ["helm/sample-app", "environments", "src/cmd"])
    cpSync(join(repoRoot, path), join(root, path), { recursive: true });
  const config = parse(readFileSync(join(repoRoot, "pipeline.yaml"), "utf8")) as {
    chart: Record<string, unknown>;
  };
  config.chart.schemaLocation = schemaLocation;
  writeFileSync(join(root, "pipeline.yaml"), stringify(config));
  mkdirSync(join(root, "ci/k8s-schemas"), { recursive: true });
  if (schemasFrom) cpSync(schemasFrom, join(root, "ci/k8s-schemas"), { recursive: true });
  return root;
}

describe.skipIf(skipWithout("helm", "kubeconform", "go", "unzip"))(
  "host chart-lint with chart.schemaLocation",
  () => {
    const location = "ci/k8s-schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json";
    let schemas: string;
    const saved = process.env.KUBECONFORM_SCHEMA_LOCATION;
    beforeAll(() => {
      // The machine's own override would be tried first; this test is about the config alone.
      delete process.env.KUBECONFORM_SCHEMA_LOCATION;
      schemas = ensureK8sSchemas(loadConfig(join(repoRoot, "pipeline.yaml")).chart.kubernetesVersion);
    }, 600_000);
    afterEach(() => {
      if (saved === undefined) delete process.env.KUBECONFORM_SCHEMA_LOCATION;
      else process.env.KUBECONFORM_SCHEMA_LOCATION = saved;
    });

    it("validates every environment against the repository's schemas folder", async () => {
      const root = repoWith([location], schemas);
      const config = loadConfig(join(root, "pipeline.yaml"));
      expect(config.chart.schemaLocation).toEqual([location]);
      const out = await hostChartLint(root, config);
      expect(out).toMatch(/^helm lint and kubeconform passed for \d+ environments/);
      expect(out).toMatch(/staging: .*Valid: [1-9]\d*, Invalid: 0, Errors: 0, Skipped: 0/);
    });

    it("fails when that folder has no schemas: nothing is downloaded instead", async () => {
      const root = repoWith([location]);
      await expect(hostChartLint(root, loadConfig(join(root, "pipeline.yaml")))).rejects.toThrow(
        /kubeconform staging.*could not find schema|could not find schema/s,
      );
    });
  },
);
