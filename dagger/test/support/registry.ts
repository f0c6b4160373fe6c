/**
 * A real OCI Distribution registry for tests: Debian's `docker-registry` on a random loopback port
 * with temp storage, optionally behind htpasswd basic auth. Its stderr (one line per request) is
 * kept so tests can count requests.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "./ports.js";
import { findTool } from "./tools.js";

/** A running registry. */
export interface TestRegistry {
  /** `127.0.0.1:<port>`, as used in image refs. */
  host: string;
  port: number;
  /** Everything the registry logged so far (one line per request, among others). */
  log(): string;
  /** The requests logged so far, as "METHOD URI". */
  requests(): string[];
  /** Stops the server (storage is kept until {@link TestRegistry.remove}). */
  stop(): Promise<void>;
  /** Starts it again on the same port and storage (for "killed mid-operation" tests). */
  restart(): Promise<void>;
  /** Stops it and deletes its storage. */
  remove(): Promise<void>;
}

/** Options for {@link startRegistry}. */
export interface RegistryOptions {
  /** Require basic auth with this user and password (htpasswd, bcrypt). */
  auth?: { username: string; password: string };
}

/** Starts a throwaway registry; requires `docker-registry` (and `htpasswd` for auth). */
export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const binary = findTool("docker-registry");
  if (!binary)
    throw new Error("docker-registry not found: apt-get install docker-registry (bash .ci/run does)");
  const dir = mkdtempSync(join(tmpdir(), "pipeline-registry-"));
  const port = await freePort();
  let auth = "";
  if (options.auth) {
    const htpasswd = findTool("htpasswd");
    if (!htpasswd) throw new Error("htpasswd not found: apt-get install apache2-utils (bash .ci/run does)");
    const line = execFileSync(htpasswd, ["-Bbn", options.auth.username, options.auth.password])
      .toString()
      .trim();
    writeFileSync(join(dir, "htpasswd"), `${line}\n`);
    auth = `auth:\n  htpasswd:\n    realm: test-registry\n    path: ${join(dir, "htpasswd")}\n`;
  }
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`,
  );
  let output = "";
  let child: ChildProcess | undefined;
  const logged = () => output.split("\n").filter((line) => line.includes("response completed")).length;
  const start = async () => {
    const before = logged();
    child = spawn(binary, ["serve", config], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    await waitFor(`registry on 127.0.0.1:${port}`, async () => {
      const response = await fetch(`http://127.0.0.1:${port}/v2/`);
      return response.status === 200 || response.status === 401;
    });
    // The probe's log line comes through a pipe, possibly after its answer: wait for it, so that
    // a test counting requests from here never sees it arrive late. (A 401 is not logged as a
    // completed response, so with auth there is nothing to wait for.)
    if (!options.auth)
      await waitFor("the registry's log of its readiness probe", async () => logged() > before);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once("exit", () => resolve());
      running.kill("SIGKILL");
    });
  };
  await start();
  return {
    host: `127.0.0.1:${port}`,
    port,
    log: () => output,
    // One "response completed" line per request; the URI is quoted only when it has to be.
    requests: () =>
      output
        .split("\n")
        .filter((line) => line.includes("response completed"))
        .map((line) => {
          const method = /http\.request\.method=(\w+)/.exec(line)?.[1];
          const uri = /http\.request\.uri=(?:"([^"]+)"|(\S+))/.exec(line);
          return `${method} ${uri?.[1] ?? uri?.[2]}`;
        }),
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    remove: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
