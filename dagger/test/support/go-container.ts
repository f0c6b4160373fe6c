/**
 * A Go toolchain image for tests of `--container`: nothing can be pulled here, so it is imported
 * from a busybox-static rootfs plus the host's own Go tree (statically linked), once per Go version.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { docker } from "./docker.js";
import { findTool } from "./tools.js";

/** Imports (once) and returns `local/pipeline-go:<go version>`: sh, busybox and Go at /usr/local/go. */
export function ensureGoImage(): string {
  const go = findTool("go") ?? "go";
  const goroot = execFileSync(go, ["env", "GOROOT"], { encoding: "utf8" }).trim();
  const version = execFileSync(go, ["env", "GOVERSION"], { encoding: "utf8" }).trim().replace(/^go/, "");
  const image = `local/pipeline-go:${version}`;
  try {
    docker("image", "inspect", image);
    return image;
  } catch {
    // Not imported yet.
  }
  const root = mkdtempSync(join(tmpdir(), "pipeline-go-rootfs-"));
  try {
    for (const dir of ["bin", "tmp", "usr/local", "etc"]) mkdirSync(join(root, dir), { recursive: true });
    chmodSync(join(root, "tmp"), 0o1777);
    copyFileSync("/bin/busybox", join(root, "bin", "busybox"));
    chmodSync(join(root, "bin", "busybox"), 0o755);
    for (const tool of [
      "sh",
      "ls",
      "cat",
      "env",
      "tr",
      "grep",
      "sed",
      "sort",
      "echo",
      "sleep",
      "mkdir",
      "rm",
      "wc",
    ])
      symlinkSync("busybox", join(root, "bin", tool));
    const parent = dirname(goroot);
    execFileSync(
      "sh",
      [
        "-c",
        `tar -c -C "${root}" . -C "${parent}" --transform 's,^go,usr/local/go,' go | docker import --change 'ENV PATH=/usr/local/go/bin:/bin' - ${image}`,
      ],
      { stdio: "pipe", maxBuffer: 64 * 1024 * 1024 },
    );
    return image;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
