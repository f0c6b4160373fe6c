/**
 * A kubeconfig given by --kubeconfig or KUBECONFIG, made into the one file `dagger call deploy
 * --kubeconfig file:...` takes: `kubectl config view --minify --flatten` keeps the current context
 * only, with its certificates inline (a KUBECONFIG list and paths relative to it both resolved).
 * The file goes to a private temp dir removed when the CLI exits.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FailureError } from "../../../core/errors.js";
import { kubeconfigServer } from "../../../core/runners/cluster-choice.js";
import { makeTempDir } from "../../process-lifecycle.js";

/** The flattened kubeconfig's path and its API server URL. */
export function flattenKubeconfig(kubeconfig: string): { path: string; server: string } {
  let text: string;
  try {
    text = execFileSync("kubectl", ["config", "view", "--minify", "--flatten"], {
      encoding: "utf8",
      env: { ...process.env, KUBECONFIG: kubeconfig },
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
    throw new FailureError(
      `cannot read the kubeconfig ${kubeconfig} with kubectl: ${stderr || (error as Error).message}`,
    );
  }
  const path = join(makeTempDir("pipeline-kubeconfig-"), "kubeconfig");
  writeFileSync(path, text, { mode: 0o600 });
  return { path, server: kubeconfigServer(text) };
}
