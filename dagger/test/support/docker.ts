/**
 * Docker Engine helpers: nothing can be pulled on our machines, so tests build FROM a local base
 * image made with `docker import` of a busybox-static rootfs (Debian's busybox-static package).
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The local base image's name. */
export const LOCAL_BASE = "local/pipeline-base:1";

/** Runs docker and returns stdout. */
export function docker(...args: string[]): string {
  return execFileSync("docker", args, {
    encoding: "utf8",
    env: { ...process.env, DOCKER_BUILDKIT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  }).trim();
}

/** Imports the base image once: busybox (static) with a shell and wget, nothing else. */
export function ensureLocalBase(): string {
  try {
    docker("image", "inspect", LOCAL_BASE);
    return LOCAL_BASE;
  } catch {
    // Not there yet: build it.
  }
  const root = mkdtempSync(join(tmpdir(), "pipeline-rootfs-"));
  try {
    mkdirSync(join(root, "bin"), { recursive: true });
    mkdirSync(join(root, "tmp"), { recursive: true });
    chmodSync(join(root, "tmp"), 0o1777);
    copyFileSync("/bin/busybox", join(root, "bin", "busybox"));
    chmodSync(join(root, "bin", "busybox"), 0o755);
    for (const tool of ["sh", "wget", "ls", "cat"]) symlinkSync("busybox", join(root, "bin", tool));
    execFileSync("sh", ["-c", `tar -C "${root}" -c . | docker import - ${LOCAL_BASE}`], { stdio: "pipe" });
    return LOCAL_BASE;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
