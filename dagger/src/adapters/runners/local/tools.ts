/** Which command-line tools this machine has, by a PATH lookup (no process started, so it is fast). */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** True when `tool` is an executable on PATH. */
export function hasTool(tool: string, path = process.env.PATH ?? ""): boolean {
  return path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
