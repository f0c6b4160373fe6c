/**
 * A real PostgreSQL for tests: initdb in a temp dir, started on a random loopback port, stopped
 * and removed afterwards. As root, initdb refuses to run, so the server runs as the `postgres` user.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.js";
import { findTool } from "./tools.js";

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

/** Starts a throwaway PostgreSQL server; requires initdb and pg_ctl (Debian's postgresql package). */
export async function startPostgres(): Promise<PostgresServer> {
  const initdb = findTool("initdb");
  const pgCtl = findTool("pg_ctl");
  if (!initdb || !pgCtl)
    throw new Error("initdb/pg_ctl not found: apt-get install postgresql (bash .ci/run does)");
  const dir = mkdtempSync(join(tmpdir(), "pipeline-pg-"));
  chmodSync(dir, 0o755);
  if (userInfo().uid === 0) {
    const pwd = execFileSync("id", ["-u", "postgres"]).toString().trim();
    const gid = execFileSync("id", ["-g", "postgres"]).toString().trim();
    chownSync(dir, Number(pwd), Number(gid));
  }
  const data = join(dir, "data");
  const port = await freePort();
  const run = (argv: string[]) => {
    const [cmd, ...args] = asPostgres(argv);
    const result = spawnSync(cmd!, args, { encoding: "utf8" });
    if (result.status !== 0)
      throw new Error(`${argv.slice(0, 2).join(" ")} failed: ${result.stderr || result.stdout}`);
  };
  run([initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  run([
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
      const [cmd, ...args] = asPostgres([pgCtl, "-D", data, "-m", "immediate", "stop"]);
      spawnSync(cmd!, args);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
