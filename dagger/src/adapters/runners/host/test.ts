/**
 * The test stage on the host: the plan of core/go/test-plan.ts with each configured service started
 * on 127.0.0.1 (PostgreSQL from the host's binaries, any other image with `docker run` on a free
 * loopback port), the tools put on PATH, the before commands, `go test -json` (a failure shows
 * each failed package's and test's own output) and the coverage gate. Nothing starts when no
 * service is configured.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, realpathSync, statSync, symlinkSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PipelineConfig } from "../../../core/config/config.js";
import type { TestServiceConfig } from "../../../core/config/test-section.js";
import { FailureError, UsageError } from "../../../core/errors.js";
import { goEnv } from "../../../core/go/commands.js";
import { checkCoverage } from "../../../core/go/coverage.js";
import {
  postgresCredentials,
  type ServiceEndpoint,
  serviceContainerEnv,
  testEnv,
  testPlan,
} from "../../../core/go/test-plan.js";
import { failureHeadline, failureText, parseTestJson } from "../../../core/go/test-report.js";
import type { ToolStep } from "../../../core/go/test-tools.js";
import { isInside } from "../../../core/validate.js";
import { makeTempDir, onCleanup, removeTempDir } from "../../process-lifecycle.js";
import { runTool } from "./exec.js";
import { freeLoopbackPort } from "./ports.js";
import { startPostgres } from "./postgres.js";
import { pathWith, requireTools } from "./tools.js";

/** A started service: where it answers, and how to stop it. */
interface RunningService {
  endpoint: ServiceEndpoint;
  note: string;
  stop(): unknown;
}

/** Resolves once 127.0.0.1:`port` accepts a connection, or rejects after `timeoutMs`. */
async function waitForPort(port: number, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new FailureError(`test: ${what} did not open 127.0.0.1:${port} within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** PostgreSQL from the host's binaries, with the service's user and database created when they are not the defaults. */
async function hostPostgres(service: TestServiceConfig): Promise<RunningService> {
  const server = await startPostgres();
  try {
    const { user, database } = postgresCredentials(service);
    // Trust authentication on loopback: the password is accepted whatever it is.
    const connection = ["-h", "127.0.0.1", "-p", String(server.port), "-U", "postgres"];
    const what = (tool: string) => ({ cwd: tmpdir(), what: `test (${service.name}: ${tool})` });
    if (user !== "postgres") {
      const { createuser } = requireTools("test", ["createuser"]);
      await runTool([createuser!, ...connection, "--superuser", user], what("createuser"));
    }
    if (database !== "postgres") {
      const { createdb } = requireTools("test", ["createdb"]);
      await runTool([createdb!, ...connection, "-O", user, database], what("createdb"));
    }
    return {
      endpoint: { host: "127.0.0.1", port: server.port },
      note: `PostgreSQL started from the host's binaries as ${service.name}`,
      stop: () => server.stop(),
    };
  } catch (error) {
    server.stop();
    throw error;
  }
}

/** Any image, with `docker run` publishing its first port on a free loopback port. */
async function dockerService(service: TestServiceConfig): Promise<RunningService> {
  const { docker } = requireTools("test", ["docker"]) as { docker: string };
  const port = await freeLoopbackPort();
  const env = serviceContainerEnv(service);
  // `-e NAME` without a value: docker reads it from its own environment, so no value is in argv.
  const argv = [
    docker,
    "run",
    "-d",
    "--rm",
    "-p",
    `127.0.0.1:${port}:${service.ports[0]}`,
    ...Object.keys(env).flatMap((name) => ["-e", name]),
    service.image,
  ];
  const { stdout } = await runTool(argv, { cwd: tmpdir(), env, what: `test (${service.name}: docker run)` });
  const id = stdout.trim();
  // dockerd runs the container, not us: a cleanup removes it if the CLI ends or is interrupted first.
  const remove = () => void spawnSync(docker, ["rm", "-f", id], { stdio: "ignore" });
  const forget = onCleanup(remove);
  const stop = () => {
    forget();
    remove();
  };
  try {
    await waitForPort(port, `${service.name} (${service.image})`);
  } catch (error) {
    stop();
    throw error;
  }
  return { endpoint: { host: "127.0.0.1", port }, note: `${service.name}: ${service.image} in docker`, stop };
}

/**
 * Puts every `test.tools` program in `folder`: a repository file linked there under its name (it
 * must be an executable file inside the repository), a Go package installed there with go install.
 */
async function placeTools(
  root: string,
  cwd: string,
  steps: readonly ToolStep[],
  folder: string,
  env: Record<string, string>,
): Promise<void> {
  if (steps.length === 0) return;
  mkdirSync(folder, { recursive: true });
  const realRoot = realpathSync(root);
  for (const step of steps) {
    if (step.kind === "exec") {
      await runTool(step.argv, {
        cwd,
        env: { ...env, ...step.env },
        what: `test (tool ${step.name})`,
        repoCode: true,
      });
      continue;
    }
    let real: string;
    try {
      real = realpathSync(join(root, step.from));
    } catch {
      throw new UsageError(
        `test.tools.${step.name}: ${step.from} is not in the repository (commit it, or use go: <package>@<version>)`,
      );
    }
    if (!isInside(realRoot, real))
      throw new UsageError(
        `test.tools.${step.name}: ${step.from} leaves the repository through a symlink; refused`,
      );
    const stat = statSync(real);
    if (!stat.isFile() || (stat.mode & 0o111) === 0)
      throw new UsageError(`test.tools.${step.name}: ${step.from} is not an executable file (chmod +x it)`);
    symlinkSync(real, join(folder, step.name));
  }
}

/**
 * Runs the test stage from the repo root. `databaseUrl` (DATABASE_URL from the environment), when
 * set and exactly one PostgreSQL service is configured, is used instead of starting one.
 */
export async function hostTest(root: string, config: PipelineConfig, databaseUrl?: string): Promise<string> {
  const work = makeTempDir("pipeline-test-");
  const toolsBin = join(work, "tools");
  const plan = testPlan(config.test, join(work, "coverage.out"), toolsBin);
  const found = requireTools("test", plan.hostTools);
  const postgres = plan.services.filter((s) => s.kind === "postgres");
  const external = databaseUrl && postgres.length === 1 ? postgres[0]!.name : undefined;
  const running: RunningService[] = [];
  try {
    const endpoints: Record<string, ServiceEndpoint> = {};
    const notes: string[] = [];
    for (const service of plan.services) {
      if (service.name === external) {
        notes.push(`${service.name}: DATABASE_URL`);
        continue;
      }
      const started =
        service.kind === "postgres" ? await hostPostgres(service) : await dockerService(service);
      running.push(started);
      endpoints[service.name] = started.endpoint;
      notes.push(started.note);
    }
    const cwd = join(root, config.go.source);
    const env = {
      ...goEnv(config.go),
      ...plan.env,
      ...testEnv(config.test, endpoints, toolsBin),
      ...(external ? { DATABASE_URL: databaseUrl! } : {}),
      // The tools first: a test calling `etcd` gets the configured one, not whatever PATH has.
      PATH: plan.tools.length ? `${toolsBin}:${pathWith(found)}` : pathWith(found),
    };
    await placeTools(root, cwd, plan.tools, toolsBin, env);
    for (const step of plan.before)
      await runTool(step.argv, { cwd, env, what: `test (${step.name})`, repoCode: true });
    const run = await runTool(plan.test, {
      cwd,
      env,
      what: "test (go test)",
      allowFail: true,
      repoCode: true,
    });
    if (run.code !== 0) {
      const report = parseTestJson(run.stdout, run.stderr);
      throw new FailureError(`test: ${failureHeadline(report)} (in ${cwd})\n${failureText(report)}`);
    }
    const report = (await runTool(plan.cover, { cwd, env, what: "test (coverage)", repoCode: true })).stdout;
    const verdict = checkCoverage(report, config.coverage.minimum);
    if (!verdict.pass) throw new FailureError(`test: ${verdict.message}`);
    const tools = plan.tools.length
      ? `; ${[...new Set(plan.tools.map((t) => t.name))].join(", ")} on PATH`
      : "";
    return `${verdict.message}${notes.length ? ` (${notes.join("; ")}${tools})` : ` (no services${tools})`}`;
  } finally {
    for (const service of running.reverse()) await service.stop();
    removeTempDir(work);
  }
}
