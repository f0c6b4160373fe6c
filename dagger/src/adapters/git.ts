/**
 * git as a subprocess, for the gitops repo. A token never goes in a URL, argv, .git/config, an
 * error or a commit: git asks for it through GIT_ASKPASS, a script that reads it from this
 * process's environment, and stored credential helpers are switched off.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FailureError } from "../core/errors.js";

/** How to reach the remote. */
export interface GitAuth {
  /** Token or password for HTTPS remotes (GITOPS_TOKEN, GITHUB_TOKEN, or a Dagger Secret). */
  token?: string;
  /** Username sent with the token (GitHub accepts any; default x-access-token). */
  username?: string;
}

let askpass: string | undefined;

/** The askpass script: it prints what git asks for from the environment, never from its own text. */
function askpassScript(): string {
  if (!askpass) {
    const dir = mkdtempSync(join(tmpdir(), "pipeline-askpass-"));
    askpass = join(dir, "askpass.sh");
    writeFileSync(
      askpass,
      '#!/bin/sh\ncase "$1" in\n  Username*) printf "%s\\n" "$PIPELINE_GIT_USERNAME" ;;\n  *) printf "%s\\n" "$PIPELINE_GIT_TOKEN" ;;\nesac\n',
    );
    chmodSync(askpass, 0o700);
  }
  return askpass;
}

/** Removes a secret from text that may be shown. */
export function redact(text: string, secret?: string): string {
  return secret ? text.split(secret).join("***") : text;
}

/** Runs git in `cwd`, resolving to stdout; failures become FailureErrors with git's message, token removed. */
export function git(
  args: readonly string[],
  options: { cwd?: string; auth?: GitAuth; allowFail?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: askpassScript(),
    PIPELINE_GIT_USERNAME: options.auth?.username ?? "x-access-token",
    PIPELINE_GIT_TOKEN: options.auth?.token ?? "",
  };
  const argv = ["-c", "credential.helper=", ...args];
  return new Promise((resolve, reject) => {
    execFile("git", argv, { cwd: options.cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      if (code !== 0 && !options.allowFail) {
        const message = redact(
          stderr.trim().split("\n").filter(Boolean).slice(-1)[0] ?? String(error),
          options.auth?.token,
        );
        reject(
          new FailureError(`git ${args[0]} failed${options.cwd ? ` in ${options.cwd}` : ""}: ${message}`),
        );
        return;
      }
      resolve({ code, stdout, stderr: redact(stderr, options.auth?.token) });
    });
  });
}

/** True when git's push output says the remote moved on (someone pushed first). */
export function isNonFastForward(stderr: string): boolean {
  return /non-fast-forward|fetch first|\[rejected\]|failed to update ref|cannot lock ref|incorrect old value/i.test(
    stderr,
  );
}
