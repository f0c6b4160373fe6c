/**
 * Runs the real CLI (the compiled entry, as `npm run pipeline` does) in a child process, so tests
 * see real exit codes, stdout and stderr.
 */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Absolute path of the compiled CLI entry (built by `npm run build`; the test runner builds first). */
export const CLI_ENTRY = fileURLToPath(new URL("../../dist/bin/pipeline.js", import.meta.url));

/** What a CLI run printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `pipeline <args>` in `cwd` with extra `env`, waiting for it to exit. */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; input?: string } = {},
): CliResult {
  // INIT_CWD is npm's record of the caller's directory; the CLI prefers it to cwd, so drop ours.
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.INIT_CWD;
  Object.assign(env, options.env);
  const result = spawnSync(process.execPath, [CLI_ENTRY, ...args], {
    cwd: options.cwd,
    env,
    input: options.input,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** Like {@link runCli} but without blocking, so several CLI processes can run at once. */
export function runCliAsync(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.INIT_CWD;
  Object.assign(env, options.env);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], { cwd: options.cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
