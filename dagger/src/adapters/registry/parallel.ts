/**
 * Running a registry operation's independent requests at once: a bound on how many are in flight,
 * and a wait that lets every started request finish before the first failure (in the order the
 * work was listed, not the order it failed) is reported, so errors stay the same from run to run
 * and nothing is still talking to the registry when the CLI exits.
 */

/** How many requests one operation keeps in flight at most. */
export const REQUESTS_IN_FLIGHT = 8;

/** A gate letting at most `n` tasks run at once; tasks run through it must not wait on each other. */
export function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    // A finished task hands its slot straight to the next waiting one, so `running` never passes n.
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/** Waits for all of `work`; then returns the values in order, or throws the first failure in order. */
export async function allInOrder<T>(work: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
