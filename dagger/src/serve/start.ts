/**
 * Starts `pipeline serve`: takes the SQLite file's lock (one serve per file), opens and migrates
 * the database, stops and removes what a crashed serve left behind (its process groups, then its
 * work and temp dirs), marks runs a crash left running as interrupted (each retried once), starts
 * the HTTP server and the workers, and stops all of it on SIGTERM or SIGINT. Runs left running
 * by a stop are handled by the next start.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import type { GitAuth } from "../adapters/gitops/git.js";
import { type Db, openPostgres, openSqlite } from "../adapters/serve/db.js";
import { goneInstances, holdInstance } from "../adapters/serve/instances.js";
import { type DatabaseLock, lockSqlite } from "../adapters/serve/lock.js";
import { migrate } from "../adapters/serve/migrations.js";
import { SERVE_MARKER } from "../adapters/serve/processes.js";
import { Store } from "../adapters/serve/store.js";
import type { PipelineConfig } from "../core/config/config.js";
import { FailureError } from "../core/errors.js";
import type { Role } from "../core/serve/roles.js";
import { stageEnvironment } from "../core/serve/stage-env.js";
import type { HttpLimits } from "./http-util.js";
import { removeGoneDirs, stopLeftovers } from "./leftovers.js";
import { recordRunProcesses } from "./process-records.js";
import { createServeServer } from "./server.js";
import { startWorkers, type Workers } from "./workers.js";

/** Everything serve runs with. */
export interface ServeOptions {
  root: string;
  config: PipelineConfig;
  host: string;
  port: number;
  /** postgres://… or a SQLite file (default <root>/.pipeline/state.db). */
  database?: string;
  workers: number;
  runner: "host" | "dagger";
  /** An image the host runner runs repository code in (`--container`). */
  container?: string;
  repoUrl?: string;
  timeoutMs: number;
  /** Request timeouts and the connection cap of the HTTP server (server.ts). */
  limits?: Partial<HttpLimits>;
  /** How often, at most, GET /api/environments fetches the gitops repo (ms). */
  gitopsRefreshMs?: number;
  tokens: readonly { role: Role; token: string }[];
  secrets: { github?: string; gitlab?: string };
  repoAuth?: GitAuth;
  gitopsAuth?: GitAuth;
  cliEntry: string;
  /** The environment serve started with: stage processes get its allow-listed part only. */
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/**
 * A PostgreSQL run whose heartbeat is this old is taken back even while its process holds its
 * lock (a process alive but stuck).
 */
const STALE_MS = 30_000;
/** How often a serve on PostgreSQL looks for gone or stuck processes' runs. */
const SWEEP_MS = 5_000;

/** Starts serve; resolves once it listens, with its URL and a stop function. */
export async function startServe(options: ServeOptions): Promise<{ url: string; stop: () => Promise<void> }> {
  const postgres =
    options.database?.startsWith("postgres://") || options.database?.startsWith("postgresql://");
  const file = resolve(options.database ?? join(options.root, ".pipeline", "state.db"));
  const lock: DatabaseLock | undefined = postgres ? undefined : await lockSqlite(file);
  const db: Db = postgres ? await openPostgres(options.database!) : await openSqlite(file);
  const applied = await migrate(db);
  if (applied.length) options.log(`serve: database migrated to version ${applied[applied.length - 1]}`);
  const store = new Store(db);
  const installation = await store.installation();
  const instance = randomBytes(6).toString("hex");
  const marker = `${installation}/${instance}`;
  // Every child of serve inherits the marker; serve's own temp files go where a restart finds them.
  const workRoot = join(options.root, ".pipeline", "work");
  const tmpRoot = join(options.root, ".pipeline", "tmp");
  process.env[SERVE_MARKER] = marker;
  process.env.TMPDIR = join(tmpRoot, String(process.pid));
  mkdirSync(process.env.TMPDIR, { recursive: true });
  // Held for this process's life: another serve sharing PostgreSQL knows it is alive while it holds it.
  const held = await holdInstance(db, instance);
  /** PostgreSQL: instances whose process is gone (their lock is free), and those gone stale. */
  const goneElsewhere = async () => {
    const gone = await goneInstances(db, await store.runningInstances(), instance);
    const stale = await store.staleInstances(STALE_MS);
    return { gone, all: [...new Set([...gone, ...stale])].filter((i) => i !== instance) };
  };
  // What a crashed serve left running goes first, then its folders, then its runs are retried.
  // SQLite: the lock says every other serve of this file is gone. PostgreSQL: those gone as above.
  const elsewhere = postgres ? await goneElsewhere() : undefined;
  const stopped = await stopLeftovers(store, {
    installation,
    self: instance,
    ...(elsewhere ? { instances: elsewhere.all } : {}),
  });
  if (stopped) options.log(`serve: stopped ${stopped} process(es) a stopped serve had left running`);
  removeGoneDirs(workRoot, !postgres);
  removeGoneDirs(tmpRoot, !postgres);
  const interrupted = await store.recover(postgres ? STALE_MS : 0, elsewhere?.gone);
  if (interrupted.length)
    options.log(`serve: runs ${interrupted.join(", ")} were interrupted by a stop; each is retried once`);
  const records = recordRunProcesses(store, instance);
  let workers: Workers | undefined;
  const server = createServeServer({
    store,
    config: options.config,
    repoUrl: options.repoUrl,
    repoAuth: options.repoAuth,
    gitopsAuth: options.gitopsAuth,
    secrets: options.secrets,
    tokens: options.tokens,
    workers: { count: options.workers, busy: () => workers?.busy() ?? 0 },
    log: options.log,
    limits: options.limits,
    gitopsRefreshMs: options.gitopsRefreshMs,
  });
  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          new FailureError(
            `serve could not listen on ${options.host}:${options.port} (${error.code ?? error.message})`,
          ),
        ),
      );
      server.listen(options.port, options.host, resolveListen);
    });
  } catch (error) {
    records.stop();
    held.release();
    await db.close();
    lock?.release();
    throw error;
  }
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  workers = startWorkers(
    {
      store,
      config: options.config,
      repoUrl: options.repoUrl,
      repoAuth: options.repoAuth,
      gitopsAuth: options.gitopsAuth,
      workRoot: join(workRoot, String(process.pid)),
      runner: options.runner,
      container: options.container,
      cliEntry: options.cliEntry,
      stageEnv: (tmpDir) => stageEnvironment(options.env, { TMPDIR: tmpDir, [SERVE_MARKER]: marker }),
      baseUrl: () => url,
      installation,
    },
    {
      count: options.workers,
      name: `${hostname()}:${process.pid}`,
      instance,
      timeoutMs: options.timeoutMs,
    },
  );
  // Another process sharing PostgreSQL may die mid-run: its processes here are stopped, its runs taken back.
  const sweep = postgres
    ? setInterval(() => {
        void (async () => {
          const { gone, all } = await goneElsewhere();
          if (all.length) await stopLeftovers(store, { installation, self: instance, instances: all });
          await store.recover(STALE_MS, gone);
        })().catch(() => undefined);
      }, SWEEP_MS)
    : undefined;
  options.log(
    `serve: listening on ${url} with ${options.workers} ${options.runner} worker(s)${options.container ? ` (repository code in ${options.container})` : ""}, state in ${postgres ? "PostgreSQL" : "SQLite"}`,
  );
  return {
    url,
    stop: async () => {
      if (sweep) clearInterval(sweep);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await workers?.stop();
      records.stop();
      held.release();
      await db.close();
      lock?.release();
    },
  };
}
