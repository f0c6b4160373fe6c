/** Builds the CLI once before integration tests spawn it (incremental: a no-op when fresh). */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

export default function setup(): void {
  const dagger = resolve(import.meta.dirname, "../..");
  execFileSync(resolve(dagger, "node_modules/.bin/tsc"), ["-p", "tsconfig.build.json"], {
    cwd: dagger,
    stdio: "inherit",
  });
}
