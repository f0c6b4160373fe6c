/**
 * Lays the module out the way the engine's TypeScript runtime does: dagger/src as is, and an
 * @dagger.io/dagger package whose types are TypeScript *source* with api/client.gen.ts, because
 * the SDK's introspector recognises core types (Directory, Container, Secret, ...) only by a
 * declaration in a file named client.gen.ts. The npm package ships client.gen.d.ts, so the tree
 * gets a copy of it under that name; at run time the package resolves to the real SDK's JS.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const dagger = resolve(import.meta.dirname, "../..");
const prepared = new Map<string, string>();

/**
 * Copies a module's src folder into a temp tree laid out like the engine's; returns its dagger/
 * folder. The default is dagger/src; PIPELINE_CONTRACT_MODULE_SRC names another copy (to check
 * that a test fails on older code).
 */
export function prepareModuleTree(
  src = process.env.PIPELINE_CONTRACT_MODULE_SRC ?? join(dagger, "src"),
): string {
  const known = prepared.get(src);
  if (known) return known;
  const root = join(tmpdir(), `pipeline-module-${process.pid}-${Date.now()}-${prepared.size}`, "dagger");
  mkdirSync(join(root, "node_modules", "@dagger.io", "dagger"), { recursive: true });
  cpSync(src, join(root, "src"), { recursive: true });
  writeFileSync(
    join(root, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        experimentalDecorators: true,
        useDefineForClassFields: false,
        strict: true,
        skipLibCheck: true,
      },
    }),
  );
  writeFileSync(join(root, "package.json"), JSON.stringify({ type: "module" }));
  for (const entry of readdirSync(join(dagger, "node_modules"))) {
    if (entry === "@dagger.io" || entry === ".bin") continue;
    symlinkSync(join(dagger, "node_modules", entry), join(root, "node_modules", entry));
  }
  const sdk = join(root, "node_modules", "@dagger.io", "dagger");
  const real = join(dagger, "node_modules", "@dagger.io", "dagger");
  // Types: the SDK's declarations, with client.gen as a .ts source file like the engine's generated SDK.
  cpSync(join(real, "dist", "src"), join(sdk, "types"), {
    recursive: true,
    filter: (src) => !src.endsWith(".js") && !src.endsWith(".map"),
  });
  renameSync(join(sdk, "types", "api", "client.gen.d.ts"), join(sdk, "types", "api", "client.gen.ts"));
  renameSync(join(sdk, "types", "index.d.ts"), join(sdk, "types", "index.ts"));
  symlinkSync(real, join(sdk, "real"));
  writeFileSync(
    join(sdk, "package.json"),
    JSON.stringify({
      name: "@dagger.io/dagger",
      type: "module",
      types: "./types/index.ts",
      exports: { ".": "./real/dist/src/index.js", "./telemetry": "./real/dist/src/telemetry/index.js" },
    }),
  );
  if (!existsSync(join(sdk, "types", "api", "client.gen.ts"))) throw new Error("SDK layout not as expected");
  prepared.set(src, root);
  // The tree lives as long as the test process; remove it when the process ends.
  process.once("exit", () => rmSync(join(root, ".."), { recursive: true, force: true }));
  return root;
}
