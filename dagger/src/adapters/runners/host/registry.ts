/**
 * The local loop's registry: Debian's `docker-registry` on a free loopback port with temp storage,
 * started for the run and removed after it (Kind's registry container needs a pulled image, which
 * a machine without Dagger may not have).
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FailureError } from "../../../core/errors.js";
import { makeTempDir, removeTempDir, trackChild } from "../../process-lifecycle.js";
import { freeLoopbackPort } from "./ports.js";
import { requireTools } from "./tools.js";

/** A running registry. */
export interface LocalRegistry {
  /** `127.0.0.1:<port>`. */
  host: string;
  /** Stops it and deletes its storage. */
  stop(): Promise<void>;
}

/** Starts a throwaway registry; throws MissingToolError without `docker-registry`. */
export async function startLocalRegistry(): Promise<LocalRegistry> {
  const binary = requireTools("publish", ["docker-registry"])["docker-registry"]!;
  const dir = makeTempDir("pipeline-registry-");
  const port = await freeLoopbackPort();
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  // Tracked: a signal to the CLI stops it with the run's other children, and its storage goes.
  const child = spawn(binary, ["serve", config], { stdio: "ignore", detached: true });
  const exited = trackChild(child);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    removeTempDir(dir);
  };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const up = await fetch(`http://127.0.0.1:${port}/v2/`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (up) return { host: `127.0.0.1:${port}`, stop };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new FailureError(`the local registry (${binary}) did not answer on 127.0.0.1:${port} within 15 s`);
}
