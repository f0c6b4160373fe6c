import { beforeAll, describe, expect, it } from "vitest";
import { decodeId, type Step } from "./engine.js";
import { allSteps, type ModuleRun, runModule } from "./harness.js";

/** What `dagger functions` would list: each function of Pipeline with its description and arguments. */
export interface RegisteredFunction {
  name: string;
  description: string;
  args: { name: string; type: string; optional: boolean; description: string }[];
}

function typeName(steps: Step[]): string {
  const kind = steps.find((s) => s.field === "withKind")?.args.kind;
  const object = steps.find((s) => s.field === "withObject")?.args.name;
  const list = steps.find((s) => s.field === "withListOf")?.args.elementType;
  if (list) return `[${typeName(decodeId(String(list)))}]`;
  return String(object ?? kind ?? "?");
}

/** Reads the registration out of the typeDef IDs the module sent. */
export function registeredFunctions(run: ModuleRun): RegisteredFunction[] {
  // The module's ID comes back as the JSON value of returnValue; typeDef IDs nest inside it.
  const ids = run.chains
    .flat()
    .flatMap((s) => Object.values(s.args))
    .map((v) => (typeof v === "string" && v.startsWith('"rec:') ? (JSON.parse(v) as string) : v))
    .filter((v): v is string => typeof v === "string" && v.startsWith("rec:"));
  const functions = new Map<string, RegisteredFunction>();
  const visit = (id: string) => {
    const steps = decodeId(id);
    const fn = steps.find((s) => s.field === "function");
    if (fn && fn.args.name) {
      const args = steps
        .filter((s) => s.field === "withArg")
        .map((s) => {
          const typeSteps = decodeId(String(s.args.typeDef));
          return {
            name: String(s.args.name),
            type: typeName(typeSteps),
            optional: typeSteps.some((t) => t.field === "withOptional" && t.args.optional === true),
            description: String(s.args.description ?? ""),
          };
        });
      functions.set(String(fn.args.name), {
        name: String(fn.args.name),
        description: String(steps.find((s) => s.field === "withDescription")?.args.description ?? ""),
        args,
      });
    }
    for (const step of steps) for (const v of Object.values(step.args)) if (typeof v === "string" && v.startsWith("rec:")) visit(v);
  };
  ids.forEach(visit);
  return [...functions.values()].sort((a, b) => a.name.localeCompare(b.name));
}

describe("module registration through the SDK entrypoint", () => {
  let run: ModuleRun;
  let functions: RegisteredFunction[];
  beforeAll(async () => {
    run = await runModule(null);
    functions = registeredFunctions(run);
  }, 120_000);

  it("registers the module without error", () => {
    expect(run.exitCode, run.stderr).toBe(0);
  });

  it("registers every stage function", () => {
    expect(functions.map((f) => f.name)).toEqual(
      [
        "build",
        "chartLint",
        "deploy",
        "dockerfiles",
        "helmPackage",
        "helmPush",
        "helmTest",
        "images",
        "lint",
        "manifestMerge",
        "plan",
        "preview",
        "previewCleanup",
        "promote",
        "publish",
        "release",
        "rollback",
        "test",
        "updateLatest",
        "verify",
        "version",
      ].sort((a, b) => a.localeCompare(b)),
    );
  });

  it("gives every function a one-line description and an example", () => {
    for (const fn of functions) {
      expect(fn.description, fn.name).toMatch(/^[A-Z][^\n]+\.\n/);
      expect(fn.description, fn.name).toMatch(/Example: `dagger call /);
      for (const arg of fn.args) expect(arg.description, `${fn.name}.${arg.name}`).not.toBe("");
    }
  });

  it.each([
    ["build", "platforms", "[STRING]", true],
    ["publish", "password", "Secret", true],
    ["promote", "environment", "STRING", false],
    ["promote", "token", "Secret", true],
    ["deploy", "kubeconfig", "Secret", true],
    ["preview", "pr", "INTEGER", false],
    ["manifestMerge", "sources", "[STRING]", false],
  ])("declares %s(%s) as %s (optional: %s)", (fn, arg, type, optional) => {
    const found = functions.find((f) => f.name === fn)?.args.find((a) => a.name === arg);
    expect(found).toMatchObject({ type, optional });
  });

  it("returns Directory, File and Container values where they compose", () => {
    const returns = (name: string) => {
      const fn = allSteps(run).find((s) => s.field === "function" && s.args.name === name);
      return fn ? typeName(decodeId(String(fn.args.returnType))) : "";
    };
    expect(returns("build")).toBe("Directory");
    expect(returns("helmPackage")).toBe("File");
    expect(returns("images")).toBe("[Container]");
  });
});
