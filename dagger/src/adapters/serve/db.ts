/**
 * The two SQL databases behind serve's store, reduced to what the store needs: run a statement,
 * read rows, and run a function in a write transaction. The store writes SQL once with `?`
 * placeholders; PostgreSQL gets them numbered. better-sqlite3 and pg are loaded on demand: the
 * Dagger runtime imports every file under src/, and its container installs neither.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import type { Pool, PoolClient } from "pg";
import { FailureError, MissingToolError } from "../../core/errors.js";

/** A value a statement takes. */
export type SqlValue = string | number | null;
/** A row as read. */
export type Row = Record<string, unknown>;

/** One connection (or one transaction's client). */
export interface Sql {
  /** Runs `sql` and returns its rows (none for a statement without RETURNING). */
  all(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
}

/** A database. */
export interface Db extends Sql {
  dialect: "sqlite" | "postgres";
  /** Runs `work` in a transaction that holds the write lock from its start (SQLite: BEGIN IMMEDIATE). */
  tx<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  /**
   * A connection of its own until `release` (PostgreSQL: one client of the pool, for session
   * state such as advisory locks; SQLite: the one connection).
   */
  session(): Promise<Sql & { release(): void }>;
  close(): Promise<void>;
}

/**
 * better-sqlite3, loaded when serve first needs it (a native module the other commands never
 * load), or a missing-tool error saying how to install it.
 */
export async function loadSqlite(): Promise<typeof BetterSqlite3> {
  try {
    return (await import("better-sqlite3")).default;
  } catch (error) {
    throw new MissingToolError(
      "pipeline serve needs better-sqlite3 for its state; install it: cd dagger && npm install better-sqlite3@12",
      [{ tool: "better-sqlite3", install: "npm install better-sqlite3@12" }],
      { cause: error },
    );
  }
}

/** Opens the SQLite database at `file` (created with its folder), in WAL mode. */
export async function openSqlite(file: string): Promise<Db> {
  const Database = await loadSqlite();
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  // A 202 promises the run is stored: FULL syncs each commit (measured: no change to accept latency).
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  const cache = new Map<string, BetterSqlite3.Statement>();
  const all = (sql: string, params: readonly SqlValue[] = []): Row[] => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    if (statement.reader) return statement.all(...params) as Row[];
    statement.run(...params);
    return [];
  };
  // better-sqlite3 is synchronous, but a transaction's work awaits: chain transactions so an
  // HTTP request's statement never lands inside another request's open transaction.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = chain.then(work, work);
    chain = next.catch(() => undefined);
    return next;
  };
  return {
    dialect: "sqlite",
    all: (sql, params) => serial(async () => all(sql, params)),
    tx: (work) =>
      serial(async () => {
        db.exec("BEGIN IMMEDIATE");
        try {
          const result = await work({ all: async (sql, params) => all(sql, params) });
          db.exec("COMMIT");
          return result;
        } catch (error) {
          if (db.inTransaction) db.exec("ROLLBACK");
          throw error;
        }
      }),
    session: async () => ({
      all: (sql, params) => serial(async () => all(sql, params)),
      release: () => undefined,
    }),
    close: async () => {
      await chain;
      db.close();
    },
  };
}

/** `?` placeholders numbered for PostgreSQL (our SQL has no `?` inside strings). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Opens a PostgreSQL pool for `url` (postgres://…); its password is never shown. */
export async function openPostgres(url: string): Promise<Db> {
  let pg: typeof import("pg");
  try {
    pg = (await import("pg")).default as unknown as typeof import("pg");
  } catch (error) {
    throw new MissingToolError(
      "--database postgres:// needs the pg package; install it: cd dagger && npm install pg@8",
      [{ tool: "pg", install: "npm install pg@8" }],
      { cause: error },
    );
  }
  // BIGINT (20) holds our millisecond times and ids: read it as a number, not a string.
  pg.types.setTypeParser(20, (v: string) => Number(v));
  const pool: Pool = new pg.Pool({ connectionString: url, max: 8 });
  pool.on("error", () => undefined);
  const on = (client: Pool | PoolClient): Sql => ({
    all: async (sql, params = []) => (await client.query(numbered(sql), [...params])).rows as Row[],
  });
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new FailureError(
      `PostgreSQL at --database did not answer (${(error as Error).message.split("\n")[0]}); check the URL and that the server runs`,
      { cause: error },
    );
  }
  return {
    dialect: "postgres",
    all: on(pool).all,
    tx: async (work) => {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await work(on(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    session: async () => {
      const client = await pool.connect();
      return { ...on(client), release: () => client.release() };
    },
    close: () => pool.end(),
  };
}
