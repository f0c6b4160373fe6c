/**
 * The workflows `pipeline init` writes for another repository call the module that exists: every
 * step passes the constructor's `--source .`, names a registered function, and only arguments that
 * function declares.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { planInit } from "../../src/core/init-plan.js";
import { runModule } from "./harness.js";
import { type RegisteredFunction, registeredFunctions } from "./registration.js";

const camel = (kebab: string) => kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

interface Step {
  uses?: string;
  with?: { verb?: string; module?: string; args?: string };
}

const plan = planInit(
  {
    name: "shop",
    files: ["go.mod", "cmd/shop/main.go"],
    texts: { "go.mod": "module github.com/acme/shop\n", "cmd/shop/main.go": "package main\n" },
    defaultBranch: "master",
    originUrl: null,
  },
  { module: "github.com/acme/pipeline@v1.4.0", schema: "./pipeline.schema.json" },
);
const calls = plan.files
  .filter((f) => f.path.startsWith(".github/workflows/"))
  .flatMap((f) =>
    Object.values((parse(f.text) as { jobs: Record<string, { steps: Step[] }> }).jobs).flatMap((job) =>
      job.steps
        .filter((s) => s.uses?.startsWith("dagger/dagger-for-github@") && s.with?.verb === "call")
        .map((s) => ({ where: f.path, module: s.with!.module, args: s.with!.args! })),
    ),
  );

describe("the workflows pipeline init writes", () => {
  let functions: RegisteredFunction[];
  beforeAll(async () => {
    functions = registeredFunctions(await runModule(null));
  }, 120_000);

  it("has a dagger call in each of the three workflows", () => {
    expect(new Set(calls.map((c) => c.where)).size).toBe(3);
  });

  it.each(calls)("$where: $args calls a registered function with declared arguments", (call) => {
    expect(call.module).toBe("github.com/acme/pipeline@v1.4.0");
    const tokens = call.args
      .replace(/\$\{\{[^}]*\}\}/g, "EXPR")
      .trim()
      .split(/\s+/);
    expect(tokens.slice(0, 2)).toEqual(["--source", "."]);
    const fn = functions.find((f) => f.name === camel(tokens[2]!));
    expect(fn, `${tokens[2]} is not a registered function`).toBeDefined();
    const declared = fn!.args.map((a) => a.name);
    for (const flag of tokens.slice(3).filter((t) => t.startsWith("--"))) {
      expect(declared, `${call.where}: ${tokens[2]} ${flag}`).toContain(camel(flag.slice(2)));
    }
  });
});
