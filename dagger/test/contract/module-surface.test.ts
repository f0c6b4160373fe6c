/**
 * The module loads against what the engine's TypeScript runtime gives a module as
 * `@dagger.io/dagger` (module-tree.ts: dagger/dagger sdk/typescript/runtime/tsutils/module/index.ts
 * at v0.21.8), not against the npm package: a value the runtime does not export fails module load
 * here as it does on the engine, and every registered function runs through that surface.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeId } from "./engine.js";
import { type Invocation, type ModuleRun, runModule, SOURCE_ID, secretId } from "./harness.js";
import { moduleSurface, prepareModuleTree, RUNTIME_EXPORTS } from "./module-tree.js";
import { type RegisteredFunction, registeredFunctions } from "./registration.js";

/** The module's src the harness loads (PIPELINE_CONTRACT_MODULE_SRC: another copy, as module-tree.ts reads it). */
const moduleSrc = process.env.PIPELINE_CONTRACT_MODULE_SRC ?? resolve(import.meta.dirname, "../../src");
const fixture = (name: string) => ({ src: resolve(import.meta.dirname, "fixtures", name, "src"), name });

/** How a module that does not load fails: Node's link error, or a module it cannot resolve. */
const LOAD_FAILURE = /does not provide an export named|ERR_MODULE_NOT_FOUND|SyntaxError/;

/** The value names each file under `dir` imports (or re-exports) from `@dagger.io/dagger`; type-only imports left out. */
function sdkValueImports(dir: string): { file: string; name: string }[] {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts"));
  return files.flatMap((file) => {
    const source = ts.createSourceFile(file, readFileSync(join(dir, file), "utf8"), ts.ScriptTarget.ES2022);
    const names: string[] = [];
    const fromSdk = (node: ts.Expression | undefined) =>
      node !== undefined && ts.isStringLiteral(node) && node.text === "@dagger.io/dagger";
    for (const statement of source.statements) {
      if (ts.isImportDeclaration(statement) && fromSdk(statement.moduleSpecifier)) {
        const clause = statement.importClause;
        if (!clause || clause.isTypeOnly) continue;
        if (clause.name) names.push("default");
        const bindings = clause.namedBindings;
        if (bindings && ts.isNamespaceImport(bindings)) names.push("* (namespace import)");
        if (bindings && ts.isNamedImports(bindings))
          for (const e of bindings.elements) if (!e.isTypeOnly) names.push((e.propertyName ?? e.name).text);
      } else if (
        ts.isExportDeclaration(statement) &&
        fromSdk(statement.moduleSpecifier) &&
        !statement.isTypeOnly
      ) {
        const clause = statement.exportClause;
        if (!clause || !ts.isNamedExports(clause)) names.push("* (re-export)");
        else for (const e of clause.elements) if (!e.isTypeOnly) names.push((e.propertyName ?? e.name).text);
      }
    }
    return names.map((name) => ({ file, name }));
  });
}

describe("the module's @dagger.io/dagger is the engine runtime's surface", () => {
  it("exports exactly the runtime's names and client.gen's, and none of the npm package's others", async () => {
    const tree = prepareModuleTree();
    const shim = (await import(join(tree, "node_modules", "@dagger.io", "dagger", "index.js"))) as object;
    const surface = await moduleSurface();
    expect(Object.keys(shim).sort()).toEqual(surface);
    for (const name of RUNTIME_EXPORTS) expect(surface).toContain(name);
    expect(surface).toContain("dag");
    const npm = (await import("@dagger.io/dagger")) as object;
    // What a module compiled against the npm package could import and the engine would refuse.
    const outside = Object.keys(npm).filter((name) => !surface.includes(name));
    expect(outside).toEqual(
      expect.arrayContaining(["ExecError", "GraphQLRequestError", "GraphQLClient", "up"]),
    );
  });

  it("holds every value dagger/src imports from @dagger.io/dagger", async () => {
    const surface = await moduleSurface();
    const imports = sdkValueImports(moduleSrc);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((i) => !surface.includes(i.name))).toEqual([]);
  });

  it("fails to load a module that imports a value outside it (ExecError), as the engine does", async () => {
    const run = await runModule({
      fn: "isExecError",
      args: { message: "x" },
      module: fixture("outside-surface"),
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toMatch(/does not provide an export named 'ExecError'/);
    expect(run.returned).toBeUndefined();
    expect(run.error).toBeUndefined();
  }, 120_000);

  it("loads a module that imports only names inside it", async () => {
    const run = await runModule({ fn: "environment", module: fixture("probe") });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.returned).toBeDefined();
  }, 120_000);
});

/** Arguments that take each function past its credential checks; anything else required gets a neutral value. */
const ARGS: Record<string, Record<string, unknown>> = {
  promote: { environment: "staging", imageTag: "1.2.3", chartVersion: "1.2.3", token: secretId("token") },
  preview: {
    pr: 42,
    imageTag: "pr-42-abc1234",
    chartVersion: "0.0.0-pr-42-abc1234",
    token: secretId("token"),
  },
  previewCleanup: { pr: 42, token: secretId("token") },
  rollback: { environment: "prod", to: "1.2.2", token: secretId("token") },
  deploy: { environment: "staging", imageTag: "1.2.3", kubeconfig: secretId("kube") },
  helmTest: { environment: "staging", kubeconfig: secretId("kube") },
  publish: { registry: "localhost:5001" },
  release: { registry: "localhost:5001" },
  sign: { key: secretId("cosign"), ref: "refs/tags/v1.2.3", sha: "a".repeat(40) },
  attest: { key: secretId("cosign"), ref: "refs/tags/v1.2.3", sha: "a".repeat(40) },
  manifestMerge: {
    target: "localhost:5001/sample-app-api:1.2.3",
    sources: ["localhost:5001/sample-app-api:1.2.3-amd64", "localhost:5001/sample-app-api:1.2.3-arm64"],
  },
  updateLatest: { repository: "localhost:5001/sample-app-api", version: "1.2.3" },
  verify: { imageTag: "1.2.3" },
  githubRelease: { token: secretId("token") },
};

/** A neutral value of a registered argument's type. */
function neutral(type: string): unknown {
  const values: Record<string, unknown> = {
    STRING: "x",
    INTEGER: 1,
    BOOLEAN: false,
    "[STRING]": ["x"],
    Secret: secretId("neutral"),
    Directory: SOURCE_ID,
    Service: encodeId([{ field: "host", args: {} }]),
  };
  if (!(type in values)) throw new Error(`no neutral value for an argument of type ${type}: add one`);
  return values[type];
}

function invocationOf(fn: RegisteredFunction): Invocation {
  const args: Record<string, unknown> = { ...ARGS[fn.name] };
  for (const a of fn.args) if (!a.optional && !(a.name in args)) args[a.name] = neutral(a.type);
  return { fn: fn.name, args };
}

/** Runs `work` over `items`, at most `limit` at a time (each run is a Node process; the machine has 2 cores). */
async function pooled<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]!);
      }
    }),
  );
  return out;
}

describe("every registered function, called through the runtime's surface", () => {
  let functions: RegisteredFunction[];
  const runs = new Map<string, ModuleRun>();
  beforeAll(async () => {
    const registration = await runModule(null);
    expect(registration.exitCode, registration.stderr).toBe(0);
    functions = registeredFunctions(registration);
    const secrets = {
      token: "gitops-token",
      kube: "apiVersion: v1\nkind: Config\n",
      cosign: "key",
      neutral: "n",
    };
    const results = await pooled(functions, 3, (fn) => runModule(invocationOf(fn), secrets));
    for (const [i, fn] of functions.entries()) runs.set(fn.name, results[i]!);
  }, 1_800_000);

  it("calls each one", () => {
    expect(functions.length).toBeGreaterThan(20);
    expect([...runs.keys()].sort()).toEqual(functions.map((f) => f.name).sort());
  });

  it("loads the module and reaches every function's own code: a value or the function's own error", () => {
    const failed = functions.flatMap((fn) => {
      const run = runs.get(fn.name)!;
      const reached = run.returned !== undefined || run.error !== undefined;
      const loadError = LOAD_FAILURE.test(run.stderr) || LOAD_FAILURE.test(run.error ?? "");
      return reached && !loadError ? [] : [`${fn.name}: exit ${run.exitCode}: ${run.stderr.slice(0, 400)}`];
    });
    expect(failed).toEqual([]);
  });
});
