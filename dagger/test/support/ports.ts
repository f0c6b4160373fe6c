/** Random free loopback ports for real servers started by tests. */
/** Asks the kernel for a free TCP port on 127.0.0.1 (the host runner's own function). */
export { freeLoopbackPort as freePort } from "../../src/adapters/runners/host/ports.js";

/** Polls `check` until it resolves true or `timeoutMs` passes; throws naming `what`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
