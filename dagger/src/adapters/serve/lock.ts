/**
 * One `pipeline serve` per SQLite file. A second one would mark the first one's live runs
 * interrupted and run them again beside it, so it is refused at start. The lock is SQLite's own:
 * an exclusive transaction held open on `<file>.lock` for the life of the process. The kernel
 * drops it when the process ends however it ends (kill -9 included), so a crash never leaves a
 * stale lock behind, unlike a pid file.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { UsageError } from "../../core/errors.js";
import { safeEcho } from "../../core/validate.js";
import { loadSqlite } from "./db.js";

/** A held lock. */
export interface DatabaseLock {
  release(): void;
}

/**
 * Takes the lock of SQLite database `file`, or throws a UsageError naming the process that holds
 * it. `<file>.lock.pid` only says who holds it; the lock itself is the transaction.
 */
export async function lockSqlite(file: string): Promise<DatabaseLock> {
  const Database = await loadSqlite();
  const lockFile = `${file}.lock`;
  let db: BetterSqlite3.Database;
  try {
    mkdirSync(dirname(file), { recursive: true });
    db = new Database(lockFile);
    db.pragma("busy_timeout = 0");
  } catch (error) {
    throw new UsageError(
      `cannot create the lock ${safeEcho(lockFile, 200)} beside the database (${(error as NodeJS.ErrnoException).code ?? (error as Error).message.split("\n")[0]}): give --database a file path in a writable folder`,
      { cause: error },
    );
  }
  try {
    db.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    db.close();
    if (!/locked|busy/i.test((error as Error).message)) throw error;
    let holder = "";
    try {
      holder = readFileSync(`${lockFile}.pid`, "utf8").trim();
    } catch {
      // Who holds it is a courtesy; the refusal stands without it.
    }
    throw new UsageError(
      `another pipeline serve${/^\d{1,10}$/.test(holder) ? ` (pid ${holder})` : ""} already uses the database ${safeEcho(file, 200)}: stop it first, or give this one its own --database`,
    );
  }
  writeFileSync(`${lockFile}.pid`, `${process.pid}\n`);
  return {
    release: () => {
      if (db.inTransaction) db.exec("ROLLBACK");
      db.close();
    },
  };
}
