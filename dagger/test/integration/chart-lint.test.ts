import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/adapters/config/config-file.js";
import {
  chartLintSteps,
  helmLintArgv,
  helmTemplateArgv,
  kubeconformArgv,
  unreadImageValues,
} from "../../src/core/chart/commands.js";
import { ensureK8sSchemas, schemaLocation } from "../support/k8s-schemas.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool, skipWithout } from "../support/tools.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
afterAll(removeTempDirs);

/** Runs argv (helm/kubeconform resolved with findTool) in `cwd`, optionally piping `input`. */
function run(argv: string[], cwd: string, input?: string) {
  const [tool, ...args] = argv;
  const result = spawnSync(findTool(tool!) ?? tool!, args, { cwd, input, encoding: "utf8" });
  return { code: result.status, out: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

describe.skipIf(skipWithout("helm", "kubeconform", "go", "unzip"))(
  "chart-lint with the real helm and kubeconform",
  () => {
    const config = loadConfig(join(repoRoot, "pipeline.yaml"));
    const schemas = [schemaLocation(ensureK8sSchemas(config.chart.kubernetesVersion))];

    it("passes helm lint --strict and kubeconform -strict for every environment, and reads every image's values key", () => {
      const plan = chartLintSteps(config, (file) => existsSync(join(repoRoot, file)), schemas);
      expect(plan).toHaveLength(2 * (Object.keys(config.environments).length + 1) + 1);
      for (const step of plan) {
        if (step.kind === "lint") {
          const lint = run(step.argv, repoRoot);
          expect(lint.code, lint.out).toBe(0);
          continue;
        }
        const rendered = run(step.template, repoRoot);
        expect(rendered.code, rendered.out).toBe(0);
        if (step.kind === "images") {
          expect(unreadImageValues(rendered.stdout, step.expect)).toBeNull();
          expect(step.expect.map((e) => e.key)).toEqual(["images.api", "images.migrator", "images.worker"]);
          continue;
        }
        const validated = run(step.validate, repoRoot, rendered.stdout);
        expect(validated.code, `${step.environment}: ${validated.out}`).toBe(0);
        expect(validated.out).toMatch(/Valid: [1-9]\d*, Invalid: 0, Errors: 0, Skipped: 0/);
      }
    });

    it("renders the hardening the chart promises", () => {
      const rendered = run(
        helmTemplateArgv("app", config.chart.path, "environments/prod/values.yaml", "prod"),
        repoRoot,
      ).stdout;
      expect(rendered).toContain("readOnlyRootFilesystem: true");
      expect(rendered).toContain("maxUnavailable: 0");
      expect(rendered).toContain("helm.sh/hook: pre-install,pre-upgrade");
      expect(rendered).toContain("helm.sh/hook: test");
      expect(rendered).toMatch(/path: \/readyz/);
    });

    it("fails helm lint --strict on a values key the schema does not know", () => {
      const values = join(tempDir(), "typo.yaml");
      writeFileSync(values, "imagez: {}\n");
      const lint = run(helmLintArgv(config.chart.path, [values]), repoRoot);
      expect(lint.code).not.toBe(0);
      expect(lint.out).toMatch(/imagez/);
    });

    it("fails kubeconform -strict on a field Kubernetes does not know", () => {
      const chart = join(tempDir(), "chart");
      cpSync(join(repoRoot, config.chart.path), chart, { recursive: true });
      mkdirSync(join(chart, "templates"), { recursive: true });
      writeFileSync(
        join(chart, "templates", "bad.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndatta:\n  a: b\n",
      );
      const rendered = run(
        helmTemplateArgv("app", chart, join(repoRoot, "environments/staging/values.yaml"), "s"),
        repoRoot,
      );
      const validated = run(
        kubeconformArgv({ kubernetesVersion: config.chart.kubernetesVersion, schemaLocations: schemas }),
        repoRoot,
        rendered.stdout,
      );
      expect(validated.code).not.toBe(0);
      expect(validated.out).toMatch(/datta/);
    });

    /** kubeconform -strict's verdict on one manifest, against the offline schemas. */
    const validate = (manifest: string) =>
      run(
        kubeconformArgv({ kubernetesVersion: config.chart.kubernetesVersion, schemaLocations: schemas }),
        repoRoot,
        manifest,
      );
    const deployment = (resources: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  selector:\n    matchLabels: { a: b }\n  template:\n    metadata:\n      labels: { a: b }\n    spec:\n      containers:\n        - name: c\n          image: x\n          resources:\n${resources}`;

    it("accepts an optional field rendered as null, as kubeconform's own schemas and the API server do", () => {
      // A chart whose values leave `limits:` empty renders `limits: null` (podinfo's chart does).
      const verdict = validate(deployment("            limits:\n            requests: { cpu: 1m }\n"));
      expect(verdict.out).toMatch(/Valid: 1, Invalid: 0/);
      expect(verdict.code).toBe(0);
    });

    it("still fails a field of the wrong type, and a required field given as null", () => {
      expect(validate(deployment("            limits: [1]\n")).code).not.toBe(0);
      const nullName = deployment("            limits: {}\n").replace(
        "        - name: c",
        "        - name: null",
      );
      expect(validate(nullName).code).not.toBe(0);
    });
  },
);
