/**
 * What the engine's TypeScript runtime does: import every .ts file under dagger/src and hand the
 * list to the SDK's own entrypoint. Run as a child process with the session variables set.
 */
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { entrypoint } from "@dagger.io/dagger";

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? tsFiles(full) : name.endsWith(".ts") ? [full] : [];
  });
}

// MODULE_SRC points at the engine-like tree from module-tree.ts.
await entrypoint(tsFiles(resolve(process.env.MODULE_SRC ?? resolve(import.meta.dirname, "../../src"))));
