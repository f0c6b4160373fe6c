/**
 * A throwaway PostgreSQL from the host's binaries: initdb in a temp dir, started on a free
 * loopback port, stopped and removed afterwards. As root, initdb refuses to run, so the server
 * runs as the `postgres` user. The host runner's test stage and the tests use it. pg_ctl runs the
 * server in a session of its own, so it is not our child: a registered cleanup stops it when the CLI
 * ends or is interrupted, and its data dir is a tracked temp dir.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { makeTempDir, onCleanup, removeTempDir } from "../../process-lifecycle.js";
import { runTool } from "./exec.js";
import { freeLoopbackPort } from "./ports.js";
import { requireTools } from "./tools.js";

/** A running PostgreSQL server. */
export interface PostgresServer {
  /** Superuser URL of the `postgres` database. */
  url: string;
  port: number;
  /** Stops the server and deletes its data. */
  stop(): void;
}

function asPostgres(argv: string[]): string[] {
  return userInfo().uid === 0 ? ["runuser", "-u", "postgres", "--", ...argv] : argv;
}

/** Starts a throwaway server; throws MissingToolError without initdb/pg_ctl (Debian's postgresql). */
export async function startPostgres(): Promise<PostgresServer> {
  const { initdb, pg_ctl: pgCtl } = requireTools("test", ["initdb", "pg_ctl"]) as {
    initdb: string;
    pg_ctl: string;
  };
  const dir = makeTempDir("pipeline-pg-");
  chmodSync(dir, 0o755);
  if (userInfo().uid === 0) {
    const uid = execFileSync("id", ["-u", "postgres"]).toString().trim();
    const gid = execFileSync("id", ["-g", "postgres"]).toString().trim();
    chownSync(dir, Number(uid), Number(gid));
  }
  const data = join(dir, "data");
  const port = await freeLoopbackPort();
  // Synchronous, so it also runs from the CLI's exit hook; -m immediate takes well under a second.
  const stopServer = () => {
    const [cmd, ...args] = asPostgres([pgCtl, "-D", data, "-m", "immediate", "stop"]);
    spawnSync(cmd!, args, { stdio: "ignore" });
    removeTempDir(dir);
  };
  const run = async (argv: string[]) => {
    try {
      await runTool(asPostgres(argv), { cwd: dir, what: "PostgreSQL" });
    } catch (error) {
      forget();
      stopServer();
      throw error;
    }
  };
  // Registered before pg_ctl starts it: a signal during start-up must stop it too.
  const forget = onCleanup(stopServer);
  await run([initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  await run([
    pgCtl,
    "-D",
    data,
    "-w",
    "-l",
    join(dir, "server.log"),
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`,
    "start",
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    port,
    stop() {
      forget();
      stopServer();
    },
  };
}
