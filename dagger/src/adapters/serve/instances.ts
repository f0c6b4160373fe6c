/**
 * Which serve processes sharing a PostgreSQL database are alive, from the database itself: each
 * holds a session advisory lock named by its instance id for its whole life, and PostgreSQL drops
 * it the moment that process's connection closes, however the process ended. A lock another
 * process can take belongs to a process that is gone, so its runs are retried and its leftovers
 * stopped at once, without waiting for its heartbeat to go stale. On SQLite the file's lock
 * (lock.ts) already says that every other serve is gone.
 */
import type { Db } from "./db.js";

/** The advisory lock class of serve instances (the key is the instance id's hashtext). */
const INSTANCE_LOCK = 7013021;

/** Holds this instance's lock until `release` (a no-op on SQLite). */
export async function holdInstance(db: Db, instance: string): Promise<{ release(): void }> {
  if (db.dialect !== "postgres") return { release: () => undefined };
  const session = await db.session();
  await session.all("SELECT pg_advisory_lock(?, hashtext(?))", [INSTANCE_LOCK, instance]);
  return { release: () => session.release() };
}

/** The instances of `candidates` (other than `self`) whose process is gone: nobody holds their lock. */
export async function goneInstances(db: Db, candidates: readonly string[], self: string): Promise<string[]> {
  if (db.dialect !== "postgres") return candidates.filter((c) => c !== self);
  const gone: string[] = [];
  const session = await db.session();
  try {
    for (const instance of new Set(candidates)) {
      if (instance === self || instance === "") continue;
      const rows = await session.all("SELECT pg_try_advisory_lock(?, hashtext(?)) AS got", [
        INSTANCE_LOCK,
        instance,
      ]);
      if (rows[0]?.got !== true) continue;
      gone.push(instance);
      await session.all("SELECT pg_advisory_unlock(?, hashtext(?))", [INSTANCE_LOCK, instance]);
    }
  } finally {
    session.release();
  }
  return gone;
}
