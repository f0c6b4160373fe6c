/**
 * What helm's answers mean: the release `helm status -o json` and `helm upgrade -o json` report,
 * whether an upgrade would change anything, why a rollout failed (from `--debug`'s wait lines) and
 * why a helm test failed. Pure text in, decisions and messages out.
 */
import { FailureError } from "../errors.js";

/** What a command did: its exit code and output (the module reads them from the engine, the host runner from the process). */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A release as helm reports it: revision, status and what it applied. */
export interface ReleaseState {
  revision: number;
  /** deployed, failed, superseded, pending-install, pending-upgrade, ... */
  status: string;
  /** The rendered manifest of the chart's resources (hooks apart). */
  manifest: string;
  /** The rendered hooks by name (a migration Job, a helm test pod). */
  hooks: Record<string, string>;
}

/** True when helm said the release does not exist (`helm status` of a first deploy). */
export function releaseNotFound(result: CommandResult): boolean {
  return result.exitCode !== 0 && /release: not found/.test(result.stderr);
}

/** Parses the release JSON of `helm status/upgrade -o json`; `what` names the command in the error. */
export function parseRelease(json: string, what: string): ReleaseState {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    // Not echoed: a release's JSON carries its values, which may hold credentials.
    throw new FailureError(`${what}: helm printed no release JSON (${json.length} bytes of something else)`);
  }
  const release = value as {
    version?: unknown;
    info?: { status?: unknown };
    manifest?: unknown;
    hooks?: { name?: unknown; manifest?: unknown }[];
  };
  if (typeof release?.version !== "number" || typeof release.info?.status !== "string")
    throw new FailureError(`${what}: helm's release JSON has no version or status`);
  const hooks: Record<string, string> = {};
  for (const hook of release.hooks ?? []) hooks[String(hook.name)] = String(hook.manifest ?? "");
  return {
    revision: release.version,
    status: release.info.status,
    manifest: typeof release.manifest === "string" ? release.manifest : "",
    hooks,
  };
}

/**
 * True when upgrading `current` to `planned` (the dry run's release) would change nothing: the
 * current revision is deployed and renders the same resources and hooks. helm itself would make a
 * new revision anyway and run the chart's pre-upgrade hooks (the migration Job) again.
 */
export function unchangedRelease(current: ReleaseState, planned: ReleaseState): boolean {
  if (current.status !== "deployed" || current.manifest !== planned.manifest) return false;
  const names = Object.keys(current.hooks).sort();
  const plannedNames = Object.keys(planned.hooks).sort();
  return (
    names.length === plannedNames.length &&
    names.every((name, i) => name === plannedNames[i] && current.hooks[name] === planned.hooks[name])
  );
}

/** A `--debug` line: `upgrade.go:447: 2026-... [debug] message`. */
const DEBUG_LINE = /^[\w-]+\.go:\d+: /;

/**
 * helm's own error (`Error: ...` without the prefix, and the lines that continue it, such as a
 * schema's findings), up to `--debug`'s trace; else the output's last line.
 */
export function helmError(result: CommandResult): string {
  const lines = `${result.stdout}\n${result.stderr}`.split("\n");
  const start = lines.findLastIndex((l) => l.startsWith("Error: "));
  if (start >= 0) {
    const end = lines.findIndex((l, i) => i > start && DEBUG_LINE.test(l));
    return lines
      .slice(start, end < 0 ? undefined : end)
      .join("\n")
      .slice("Error: ".length)
      .trim();
  }
  return lines.findLast((l) => l.trim() && !DEBUG_LINE.test(l))?.trim() ?? `exited ${result.exitCode}`;
}

/**
 * What `helm upgrade --wait --debug` was waiting for when it gave up: the last message for each
 * resource that was not ready (`Deployment is not ready: ns/name. 0 out of 1 expected pods are
 * ready` becomes `Deployment ns/name: 0 out of 1 expected pods are ready`).
 */
export function notReady(stderr: string): string[] {
  const last = new Map<string, string>();
  const lines = stderr.split("\n");
  // Only the rollout's own wait: the rollback --atomic starts then waits again (and logs again).
  const gaveUp = lines.findIndex((l) =>
    /\[debug\] (wait for resources failed|\w+ failed and atomic is set)/.test(l),
  );
  for (const line of gaveUp < 0 ? lines : lines.slice(0, gaveUp)) {
    const match = /\[debug\] (\S+) is not ready: (\S+?)\.? (.*)$/.exec(line);
    if (match) last.set(`${match[1]} ${match[2]}`, match[3]!.trim());
  }
  return [...last].map(([resource, why]) => `${resource}: ${why}`);
}

/** The message of a failed deploy: what helm did about it (rolled back, removed) and why. */
export function deployFailure(where: string, result: CommandResult, timeout: string): string {
  const error = helmError(result);
  const waiting = notReady(result.stderr);
  const target = /\[debug\] rolling back \S+ \(current: v\d+, target: v(\d+)\)/.exec(result.stderr)?.[1];
  const done = /has been rolled back due to atomic/.test(error)
    ? `helm rolled it back to revision ${target ?? "the previous one"}`
    : /has been uninstalled due to atomic/.test(error)
      ? "helm removed the release it had installed"
      : "";
  const why = /context deadline exceeded|timed out waiting/.test(error)
    ? waiting.length
      ? `not ready within ${timeout}: ${waiting.join("; ")}`
      : `not ready within ${timeout}`
    : error;
  const first = `deploy ${where} failed${done ? ` and ${done}` : ""}: ${why}`;
  return why === error ? first : `${first}\nhelm: ${error}`;
}

/** The test pods `helm test` reported, with their phase (`TEST SUITE: <pod>` ... `Phase: <phase>`). */
export function testSuites(stdout: string): { pod: string; phase: string }[] {
  const suites: { pod: string; phase: string }[] = [];
  for (const line of stdout.split("\n")) {
    const suite = /^TEST SUITE:\s+(\S+)/.exec(line);
    if (suite) suites.push({ pod: suite[1]!, phase: "" });
    const phase = /^Phase:\s+(\S+)/.exec(line);
    if (phase && suites.length) suites[suites.length - 1]!.phase = phase[1]!;
  }
  return suites;
}

/**
 * The outcome of `helm test`: one line naming each test pod and its phase; throws a FailureError
 * naming the pods that failed and how to read their logs (helm cannot, see commands.ts).
 */
export function helmTestOutcome(where: string, namespace: string, result: CommandResult): string {
  const suites = testSuites(result.stdout);
  if (result.exitCode === 0) {
    if (!suites.length) return `helm test ${where}: the chart has no test hooks`;
    return `helm test ${where} passed: ${suites.map((s) => `${s.pod} ${s.phase || "Succeeded"}`).join(", ")}`;
  }
  const failed = suites.filter((s) => s.phase === "Failed").map((s) => s.pod);
  const pods = failed.length
    ? failed
    : [...helmError(result).matchAll(/pod (\S+) failed/g)].map((m) => m[1]!);
  if (!pods.length) throw new FailureError(`helm test ${where} failed: ${helmError(result)}`);
  throw new FailureError(
    [
      `helm test ${where} failed: test pod ${pods.join(", ")} failed`,
      ...pods.map((pod) => `  its logs: kubectl logs --namespace ${namespace} ${pod}`),
      `helm: ${helmError(result)}`,
    ].join("\n"),
  );
}
