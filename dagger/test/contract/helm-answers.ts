/**
 * What the helm image answers to deploy's and helm-test's execs, for contract tests that run the
 * module's deploy or helm-test without a cluster: a first deploy (no release yet, then an install
 * that reaches revision 1) and a passing test pod. The module reads each exec's exit code, stdout
 * and stderr (`expect: ANY`), so a neutral engine answer (exit code null) is no answer.
 */
import type { Answer, Step } from "./engine.js";

/** The helm argv of a chain's last exec: the exec itself, or what the kube-api wrapper script runs (`sh -c <script> sh helm ...`). */
export function helmArgv(chain: readonly Step[]): string[] | undefined {
  const args = chain.findLast((s) => s.field === "withExec")?.args.args as string[] | undefined;
  if (!args) return undefined;
  const argv = args[0] === "sh" && args[1] === "-c" ? args.slice(4) : args;
  return argv[0] === "helm" ? argv : undefined;
}

/** The exec results of a first deploy and a passing helm test, by helm subcommand. */
export const helmAnswers: Answer = (chain) => {
  const leaf = chain.at(-1)?.field;
  if (leaf !== "exitCode" && leaf !== "stdout" && leaf !== "stderr") return undefined;
  const argv = helmArgv(chain);
  const result =
    argv?.[1] === "status"
      ? { exitCode: 1, stdout: "", stderr: "Error: release: not found\n" }
      : argv?.[1] === "upgrade" && !argv.includes("--dry-run=server")
        ? { exitCode: 0, stdout: JSON.stringify({ version: 1, info: { status: "deployed" } }), stderr: "" }
        : argv?.[1] === "test"
          ? {
              exitCode: 0,
              stdout: "TEST SUITE:     sample-app-test-readyz\nPhase:          Succeeded\n",
              stderr: "",
            }
          : undefined;
  return result?.[leaf];
};
