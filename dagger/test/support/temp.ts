/** Temporary directories that are removed when the test suite ends. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const created: string[] = [];

/** Creates a fresh temp dir; call {@link removeTempDirs} in afterAll (or rely on the per-file hook). */
export function tempDir(prefix = "pipeline-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Removes every temp dir made by {@link tempDir}. */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}
