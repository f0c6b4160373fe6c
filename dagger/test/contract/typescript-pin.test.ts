/**
 * Why typescript is pinned as `~5.9.3`, not `5.9.3`: the engine's TypeScript runtime (dagger/dagger
 * sdk/typescript/runtime/runtime_node.go, `withInstalledDependencies`, unchanged from v0.21.8 to the
 * backport-0.21 branch that v0.21.9 ships from) compares `dependencies.typescript` with its default
 * (tsdistconsts.DefaultTypeScriptVersion, "5.9.3") as a plain string. On equality it mounts its own
 * TypeScript at node_modules/typescript and, because we have more dependencies, then runs
 * `npm install --omit=dev`; npm sees our lockfile's integrity for typescript, tries to replace the
 * mounted folder and fails with EBUSY, so the module never loads. Any other spelling of the same
 * version skips the mount and npm installs the locked 5.9.3 itself. typescript must stay in
 * `dependencies` (the runtime's introspector imports it; devDependencies are not installed).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const dagger = resolve(import.meta.dirname, "../..");
const read = (file: string) => JSON.parse(readFileSync(resolve(dagger, file), "utf8"));

describe("the typescript dependency the engine's runtime installs", () => {
  const pkg = read("package.json") as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const lock = read("package-lock.json") as {
    packages: Record<string, { version?: string; dependencies?: Record<string, string> }>;
  };

  it("is a range, never the runtime's exact default that makes it mount its own copy", () => {
    expect(pkg.dependencies.typescript).toBeDefined();
    expect(pkg.dependencies.typescript).not.toBe("5.9.3");
    expect(pkg.dependencies.typescript).toBe("~5.9.3");
    expect(pkg.devDependencies.typescript).toBeUndefined();
  });

  it("is the same range in the lockfile's root entry, locked to 5.9.3", () => {
    expect(lock.packages[""]?.dependencies?.typescript).toBe(pkg.dependencies.typescript);
    expect(lock.packages["node_modules/typescript"]?.version).toBe("5.9.3");
  });
});
