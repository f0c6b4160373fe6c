import { describe, expect, it } from "vitest";
import { chartLintSteps } from "../../src/core/chart/commands.js";
import {
  folderSchemaLocation,
  schemaFolder,
  schemaLocationProblem,
  schemaLocations,
} from "../../src/core/chart/schema-location.js";
import { resolveConfig } from "../../src/core/config/config.js";
import { UsageError } from "../../src/core/errors.js";

const TEMPLATE = "{{ .ResourceKind }}{{ .KindSuffix }}.json";

/** The kubeconform argv of every render step of a config's chart-lint. */
function validateArgv(chart: Record<string, unknown>, extra?: string[]): string[][] {
  const config = resolveConfig({ app: "shop", chart }, "pipeline.yaml", ["api"]);
  return chartLintSteps(config, () => true, extra).flatMap((s) => (s.kind === "render" ? [s.validate] : []));
}

/** The -schema-location values of an argv, in order. */
const locationsOf = (argv: string[]) =>
  argv.flatMap((a, i) => (argv[i - 1] === "-schema-location" ? [a] : []));

describe("chart.schemaLocation: where kubeconform reads the schemas", () => {
  it("passes nothing by default: kubeconform's own download", () => {
    const argvs = validateArgv({});
    expect(argvs.length).toBeGreaterThan(0);
    for (const argv of argvs) expect(argv).not.toContain("-schema-location");
  });

  it("passes every configured location, in order, to every environment's kubeconform", () => {
    const configured = [`schemas/${TEMPLATE}`, "default"];
    for (const argv of validateArgv({ schemaLocation: configured })) {
      expect(locationsOf(argv)).toEqual(configured);
      expect(argv.at(-1)).toBe("-");
    }
  });

  it("puts the run's own location (the module's --schemas, the host's variable) before the configured ones", () => {
    const argvs = validateArgv({ schemaLocation: ["default"] }, [folderSchemaLocation("/schemas")]);
    for (const argv of argvs) expect(locationsOf(argv)).toEqual([`/schemas/${TEMPLATE}`, "default"]);
    expect(schemaLocations(["a"], ["b", "c"])).toEqual(["b", "c", "a"]);
  });

  it.each([
    ["default", null],
    [`schemas/${TEMPLATE}`, null],
    [`./ci/k8s/{{ .NormalizedKubernetesVersion }}/${TEMPLATE}`, null],
    ["schemas", null],
    [`https://schemas.example.com/k8s/${TEMPLATE}`, null],
    [`https://user:pw@schemas.example.com/${TEMPLATE}`, "must not carry credentials"],
    [`/abs/${TEMPLATE}`, "must be a path relative to the repository root"],
    [`../outside/${TEMPLATE}`, "must not contain .."],
    [TEMPLATE, "must name a folder of the repository before any {{ }} template"],
    [`file:///x/${TEMPLATE}`, "is not `default`, an http(s) URL or a path in the repository"],
    ["-schema-location", "must be a path relative to the repository root"],
    ["schemas/\n", "must be one line without control characters"],
  ])("%j: %s", (value, problem) => {
    expect(schemaLocationProblem(value)).toBe(problem);
  });

  it.each([
    [`schemas/${TEMPLATE}`, "schemas"],
    [`./ci/k8s/{{ .NormalizedKubernetesVersion }}/${TEMPLATE}`, "ci/k8s"],
    ["schemas", "schemas"],
    ["schemas/master-standalone/deployment-apps-v1.json", "schemas/master-standalone"],
    [".k8s/{{ .ResourceKind }}.json", ".k8s"],
    ["default", undefined],
    [`https://example.com/${TEMPLATE}`, undefined],
  ])("the repository folder %j reads is %j", (location, folder) => {
    expect(schemaFolder(location)).toBe(folder);
  });

  it("refuses a bad location when pipeline.yaml is read, naming the key", () => {
    expect(() => validateArgv({ schemaLocation: ["/etc/schemas"] })).toThrow(UsageError);
    expect(() => validateArgv({ schemaLocation: ["/etc/schemas"] })).toThrow(/chart\.schemaLocation/);
  });
});
