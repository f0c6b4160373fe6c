/**
 * git as a subprocess, for the gitops repo. A token never goes in a URL, argv, .git/config, an
 * error or a commit: git asks a credential helper written inline in `-c` (shell text that prints
 * two environment variables of the child, never the token itself), and every stored helper and
 * askpass is switched off. The helper answers only for the scheme and host:port of the command's
 * remote (core/gitops/credential-scope.ts), so a redirect elsewhere never gets the token. A remote with credentials in its URL is refused before git starts.
 *
 * Every child gets low-speed limits and an overall timeout (PIPELINE_GIT_TIMEOUT, seconds), runs
 * in its own process group registered with the process lifecycle, and is stopped (not abandoned)
 * on timeout or signal. Errors name the git subcommand and its exit code plus git's last stderr
 * line, never the command line.
 */
import { spawn } from "node:child_process";
import { FailureError, UsageError } from "../../core/errors.js";
import { type CredentialScope, credentialScope } from "../../core/gitops/credential-scope.js";
import { escapeControl, hasCredentials } from "../../core/validate.js";
import { stopChild, trackChild } from "../process-lifecycle.js";

/** How to reach the remote. */
export interface GitAuth {
  /** Token or password for HTTPS remotes (GITOPS_TOKEN, GITHUB_TOKEN, or a Dagger Secret). */
  token?: string;
  /** Username sent with the token (GitHub accepts any; default x-access-token). */
  username?: string;
}

/** Default overall limit of one git command, in seconds (a clone or push of a gitops repo is small). */
export const DEFAULT_GIT_TIMEOUT_S = 300;
/** Bytes per second below which a transfer counts as stalled... */
export const LOW_SPEED_LIMIT = 1000;
/** ...for this many seconds (or the overall timeout, when shorter). */
export const LOW_SPEED_TIME_S = 30;

/** The overall timeout of one git command: PIPELINE_GIT_TIMEOUT seconds (1-3600), default 300. */
export function gitTimeoutSeconds(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raw = env.PIPELINE_GIT_TIMEOUT;
  if (raw === undefined || raw === "") return DEFAULT_GIT_TIMEOUT_S;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > 3600) {
    throw new UsageError(
      `PIPELINE_GIT_TIMEOUT must be a whole number of seconds from 1 to 3600 (default ${DEFAULT_GIT_TIMEOUT_S}); got ${JSON.stringify(raw.slice(0, 20))}`,
    );
  }
  return Number(raw);
}

/**
 * GIT_* variables a git child may inherit: how to reach remotes (SSH command, CA bundle) and where
 * git is. Every other one is dropped: GIT_DIR or GIT_WORK_TREE (set inside a git hook) would point
 * our commits at the caller's repo, GIT_AUTHOR_* would override gitops.authorName, GIT_CONFIG_*
 * could add a credential helper, and GIT_TRACE_* could print the token.
 */
const INHERITED_GIT_VARIABLES = new Set([
  "GIT_SSH",
  "GIT_SSH_COMMAND",
  "GIT_SSH_VARIANT",
  "GIT_SSL_CAINFO",
  "GIT_SSL_CAPATH",
  "GIT_EXEC_PATH",
  "GIT_CONFIG_NOSYSTEM",
  "GIT_CONFIG_GLOBAL",
  "GIT_CONFIG_SYSTEM",
]);

/** The environment of a git child: ours minus the GIT_* variables that could redirect or expose it. */
export function gitEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith("GIT_") && !INHERITED_GIT_VARIABLES.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** Removes a secret from text that may be shown. */
export function redact(text: string, secret?: string): string {
  return secret ? text.split(secret).join("***") : text;
}

// Runs in the child's shell: git appends the action (get, store, erase); only `get` answers, and
// only for the protocol and host (with port) of the configured remote, read from what git writes on
// stdin. A redirect to another host makes git ask again for that host: it gets nothing.
const CREDENTIAL_HELPER =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
  '!f() { test "$1" = get || exit 0; p=; h=; while IFS= read -r l; do case "$l" in protocol=*) p="${l#protocol=}";; host=*) h="${l#host=}";; esac; done; test "$p" = "$PIPELINE_GIT_PROTOCOL" && test "$h" = "$PIPELINE_GIT_HOST" || exit 0; printf "username=%s\\npassword=%s\\n" "$PIPELINE_GIT_USERNAME" "$PIPELINE_GIT_TOKEN"; }; f';

/**
 * The host git asked a username for when it is not the token's (a redirect took it there), for the
 * error: git says only "could not read Username for '<url>'".
 */
function redirectedElsewhere(stderr: string, scope: CredentialScope): string | undefined {
  const asked = /could not read Username for '([^']{1,300})'/.exec(stderr)?.[1];
  const other = asked && credentialScope(asked);
  if (!other || (other.protocol === scope.protocol && other.host === scope.host)) return undefined;
  return escapeControl(`${other.protocol}://${other.host}`);
}

/** The remote a git command talks to: `remote` when given, else the first URL in its argv. */
function remoteOf(args: readonly string[], remote?: string): string | undefined {
  return remote ?? args.find((a) => /^[a-z][a-z0-9+.-]*:\/\//i.test(a));
}

/** The git subcommand of an argv (skipping leading `-c key=value` pairs), for messages. */
export function subcommandOf(args: readonly string[]): string {
  let i = 0;
  while (i < args.length && args[i] === "-c") i += 2;
  const sub = args[i] ?? "";
  return /^[a-z-]{1,30}$/.test(sub) ? sub : "command";
}

/** git's last stderr line, secret removed, control characters escaped, cut short: safe to print. */
function lastLine(stderr: string, secret?: string): string {
  const line =
    redact(stderr, secret)
      .split(/\r?\n|\r/)
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(-1)[0] ?? "";
  const printable = escapeControl(line);
  return printable.length > 200 ? `${printable.slice(0, 200)}…` : printable;
}

/** Keeps the last `max` characters of a growing text (stderr can be long; only its end is shown). */
const keepTail = (text: string, max: number) => (text.length > max ? text.slice(-max) : text);

/**
 * Runs git in `cwd`, resolving to its output. A non-zero exit rejects with a FailureError (unless
 * `allowFail`), a timeout with one that names PIPELINE_GIT_TIMEOUT; the child has exited before
 * either happens.
 */
export function git(
  args: readonly string[],
  options: {
    cwd?: string;
    auth?: GitAuth;
    /** The remote's URL when argv names it only as `origin` (a push from a clone). */
    remote?: string;
    allowFail?: boolean;
    timeoutSeconds?: number;
  } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  if (args.some((a) => a.includes("@") && hasCredentials(a))) {
    return Promise.reject(
      new UsageError(
        "the gitops repo URL carries credentials (user info): refused; remove them from the URL and put the token in GITOPS_TOKEN",
      ),
    );
  }
  let timeoutS: number;
  try {
    timeoutS = options.timeoutSeconds ?? gitTimeoutSeconds();
  } catch (error) {
    return Promise.reject(error);
  }
  const token = options.auth?.token;
  const remote = remoteOf(args, options.remote);
  // No HTTP(S) remote to tie it to: no helper, so the token goes nowhere.
  const scope = token && remote ? credentialScope(remote) : undefined;
  const env: NodeJS.ProcessEnv = {
    ...gitEnvironment(process.env),
    GIT_TERMINAL_PROMPT: "0",
    GIT_TRACE_REDACT: "1",
    // Empty (not unset): git then asks no askpass program at all, not even SSH_ASKPASS.
    GIT_ASKPASS: "",
    PIPELINE_GIT_USERNAME: options.auth?.username ?? "x-access-token",
    PIPELINE_GIT_TOKEN: scope ? (token ?? "") : "",
    PIPELINE_GIT_PROTOCOL: scope?.protocol ?? "",
    PIPELINE_GIT_HOST: scope?.host ?? "",
  };
  const argv = [
    "-c",
    "credential.helper=",
    ...(scope ? ["-c", `credential.helper=${CREDENTIAL_HELPER}`] : []),
    "-c",
    "core.askPass=",
    // git 2.39's default, pinned against a user's `true`: only the first request of a command may
    // be redirected, and curl never resends credentials to another host (the helper above refuses).
    "-c",
    "http.followRedirects=initial",
    "-c",
    `http.lowSpeedLimit=${LOW_SPEED_LIMIT}`,
    "-c",
    `http.lowSpeedTime=${Math.min(LOW_SPEED_TIME_S, timeoutS)}`,
    // No background gc/maintenance: nothing of ours may outlive the command or its temp dir.
    "-c",
    "gc.auto=0",
    "-c",
    "maintenance.auto=false",
    ...args,
  ];
  const sub = subcommandOf(args);
  return new Promise((resolve, reject) => {
    const child = spawn("git", argv, {
      cwd: options.cwd,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = trackChild(child);
    let stdout = "";
    let stderr = "";
    let spawnError: Error | undefined;
    let timedOut = false;
    child.stdout?.on("data", (d: Buffer) => {
      stdout = keepTail(stdout + d.toString(), 64 * 1024 * 1024);
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr = keepTail(stderr + d.toString(), 64 * 1024);
    });
    child.on("error", (error) => {
      spawnError = error;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      void stopChild(child);
    }, timeoutS * 1000);
    void exited.then((exit) => {
      clearTimeout(timer);
      if (spawnError) {
        reject(
          new FailureError(
            `git ${sub} could not start (${(spawnError as NodeJS.ErrnoException).code ?? "error"}); install git and put it on PATH`,
          ),
        );
        return;
      }
      if (timedOut) {
        reject(
          new FailureError(
            `git ${sub} timed out after ${timeoutS} s: the remote did not answer in time (raise PIPELINE_GIT_TIMEOUT if it is just slow)`,
          ),
        );
        return;
      }
      const code = exit ?? 1;
      if (code !== 0 && !options.allowFail) {
        const detail =
          exit === null ? `stopped by ${child.signalCode ?? "a signal"}` : lastLine(stderr, token);
        const elsewhere = scope && redirectedElsewhere(stderr, scope);
        const hint = elsewhere
          ? ` (the remote sent git to ${elsewhere}; the token is only ever sent to ${scope.protocol}://${scope.host}: set the gitops repo URL to where the repository really is)`
          : "";
        reject(
          new FailureError(`git ${sub} failed (exit ${exit ?? "none"})${detail ? `: ${detail}` : ""}${hint}`),
        );
        return;
      }
      resolve({ code, stdout, stderr: redact(stderr, token) });
    });
  });
}

/** True when git's push output says the remote moved on (someone pushed first). */
export function isNonFastForward(stderr: string): boolean {
  return /non-fast-forward|fetch first|\[rejected\]|failed to update ref|cannot lock ref|incorrect old value/i.test(
    stderr,
  );
}
