/**
 * N workers in this process: each claims the oldest runnable run, runs it with a heartbeat that
 * also carries cancel requests (from any process sharing the database), and stops it at its
 * timeout. `--workers 0` runs none: the server only accepts and queues.
 */
import { executeRun } from "./executor.js";
import { runScope } from "./process-records.js";
import type { ExecutorContext } from "./run-context.js";

/** Options of {@link startWorkers}. */
export interface WorkerOptions {
  count: number;
  /** Worker names start with this (host and pid, so two processes' workers differ). */
  name: string;
  /** This serve process's instance id, stored with each run it claims. */
  instance: string;
  timeoutMs: number;
  /** How often an idle worker looks for work, and a busy one heartbeats. */
  pollMs?: number;
}

/** Running workers; `stop` waits until each has finished or abandoned its run. */
export interface Workers {
  stop(): Promise<void>;
  /** Runs being worked on now. */
  busy(): number;
}

/** Starts the workers. */
export function startWorkers(ctx: ExecutorContext, options: WorkerOptions): Workers {
  const poll = options.pollMs ?? 250;
  let stopping = false;
  let busy = 0;
  const controllers = new Set<AbortController>();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const loop = async (name: string) => {
    while (!stopping) {
      let run: Awaited<ReturnType<typeof ctx.store.claim>>;
      try {
        run = await ctx.store.claim(name, options.instance);
      } catch {
        await sleep(poll * 4);
        continue;
      }
      if (!run) {
        await sleep(poll);
        continue;
      }
      busy++;
      const controller = new AbortController();
      controllers.add(controller);
      const timeout = setTimeout(() => controller.abort("timeout"), options.timeoutMs);
      const beat = setInterval(() => {
        ctx.store
          .heartbeat(run!.id)
          .then((cancel) => {
            if (cancel && !controller.signal.aborted) controller.abort("cancelled by request");
          })
          .catch(() => undefined);
      }, poll);
      try {
        // Every child the run starts (stage processes, git) is recorded under its id (process-records.ts).
        const result = await runScope.run(run.id, () => executeRun(run!, ctx, controller.signal));
        // A shutdown leaves the run `running`: the next start marks it interrupted and retries it.
        if (controller.signal.reason !== "shutdown")
          await ctx.store.finish(run.id, result.status, result.error, result.version);
      } finally {
        clearTimeout(timeout);
        clearInterval(beat);
        controllers.delete(controller);
        busy--;
      }
    }
  };
  const loops = Array.from({ length: options.count }, (_, i) => loop(`${options.name}/${i + 1}`));
  return {
    busy: () => busy,
    stop: async () => {
      stopping = true;
      for (const c of controllers) c.abort("shutdown");
      await Promise.all(loops);
    },
  };
}
