/**
 * Starts `pipeline serve`: opens and migrates the database, marks runs a crash left running as
 * interrupted (each retried once), starts the workers and the HTTP server, and stops all of it
 * on SIGTERM or SIGINT. Runs left running by a stop are handled by the next start.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { GitAuth } from "../adapters/gitops/git.js";
import { type Db, openPostgres, openSqlite } from "../adapters/serve/db.js";
import { migrate } from "../adapters/serve/migrations.js";
import { Store } from "../adapters/serve/store.js";
import type { PipelineConfig } from "../core/config/config.js";
import { FailureError } from "../core/errors.js";
import type { Role } from "../core/serve/roles.js";
import type { HttpLimits } from "./http-util.js";
import { createServeServer } from "./server.js";
import { startWorkers } from "./workers.js";

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
  childEnv: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/** Removes the work dirs of serve processes that are gone (a crash leaves its checkouts behind). */
function removeDeadWorkDirs(root: string): void {
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      process.kill(Number(name), 0);
    } catch {
      rmSync(join(root, name), { recursive: true, force: true });
    }
  }
}

/** A PostgreSQL run whose heartbeat is this old belongs to a process that died. */
const STALE_MS = 30_000;

/** Starts serve; resolves once it listens, with its URL and a stop function. */
export async function startServe(options: ServeOptions): Promise<{ url: string; stop: () => Promise<void> }> {
  const postgres =
    options.database?.startsWith("postgres://") || options.database?.startsWith("postgresql://");
  const db: Db = postgres
    ? await openPostgres(options.database!)
    : await openSqlite(options.database ?? join(options.root, ".pipeline", "state.db"));
  const applied = await migrate(db);
  if (applied.length) options.log(`serve: database migrated to version ${applied[applied.length - 1]}`);
  const store = new Store(db);
  const interrupted = await store.recover(postgres ? STALE_MS : 0);
  if (interrupted.length)
    options.log(`serve: runs ${interrupted.join(", ")} were interrupted by a stop; each is retried once`);
  removeDeadWorkDirs(join(options.root, ".pipeline", "work"));
  const ctx = {
    store,
    config: options.config,
    repoUrl: options.repoUrl,
    repoAuth: options.repoAuth,
    gitopsAuth: options.gitopsAuth,
  };
  const workers = startWorkers(
    {
      ...ctx,
      workRoot: join(options.root, ".pipeline", "work", String(process.pid)),
      runner: options.runner,
      cliEntry: options.cliEntry,
      childEnv: options.childEnv,
    },
    { count: options.workers, name: `${hostname()}:${process.pid}`, timeoutMs: options.timeoutMs },
  );
  // Another process sharing PostgreSQL may die mid-run: its runs are taken back once stale.
  const sweep = postgres
    ? setInterval(() => {
        store.recover(STALE_MS).catch(() => undefined);
      }, STALE_MS / 2)
    : undefined;
  const server = createServeServer({
    ...ctx,
    secrets: options.secrets,
    tokens: options.tokens,
    workers: { count: options.workers, busy: workers.busy },
    log: options.log,
    limits: options.limits,
    gitopsRefreshMs: options.gitopsRefreshMs,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new FailureError(
          `serve could not listen on ${options.host}:${options.port} (${error.code ?? error.message})`,
        ),
      ),
    );
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  options.log(
    `serve: listening on ${url} with ${options.workers} ${options.runner} worker(s), state in ${postgres ? "PostgreSQL" : "SQLite"}`,
  );
  return {
    url,
    stop: async () => {
      if (sweep) clearInterval(sweep);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await workers.stop();
      await db.close();
    },
  };
}
