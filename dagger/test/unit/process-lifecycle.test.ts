import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  describeStopped,
  liveTempDirs,
  makeTempDir,
  onCleanup,
  removeTempDirs,
  runCleanups,
  shutdown,
  stopChildren,
  trackChild,
} from "../../src/adapters/process-lifecycle.js";

const alive = (pid: number) => {
  try {
    // A zombie has exited: only a running process counts.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

describe("process lifecycle", () => {
  it("removes every temp dir it made, and forgets them", () => {
    const a = makeTempDir("pipeline-lifecycle-test-");
    const b = makeTempDir("pipeline-lifecycle-test-");
    expect(liveTempDirs()).toEqual(expect.arrayContaining([a, b]));
    removeTempDirs();
    expect(existsSync(a) || existsSync(b)).toBe(false);
    expect(liveTempDirs()).toEqual([]);
  });

  it("stops a child and what it spawned (its process group), and waits for them", async () => {
    const child = spawn("sh", ["-c", "sleep 30 & echo $!; wait"], {
      detached: true,
      stdio: ["ignore", "pipe", "ignore"],
    });
    const exited = trackChild(child);
    const grandchild = await new Promise<number>((resolve) =>
      child.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))),
    );
    expect(alive(grandchild)).toBe(true);
    const started = Date.now();
    expect(await stopChildren()).toEqual(["sh"]);
    expect(Date.now() - started).toBeLessThan(3_000);
    await exited;
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(child.pid!)).toBe(false);
    expect(alive(grandchild)).toBe(false);
  });

  it("shutdown with nothing running is quick and leaves nothing", async () => {
    const dir = makeTempDir("pipeline-lifecycle-test-");
    await shutdown();
    expect(existsSync(dir)).toBe(false);
  });

  it("runs every registered cleanup once on shutdown, and none that was unregistered", async () => {
    const ran: string[] = [];
    onCleanup(() => ran.push("server"));
    const forget = onCleanup(() => ran.push("stopped by itself"));
    onCleanup(() => {
      throw new Error("a cleanup that fails");
    });
    onCleanup(() => ran.push("container"));
    forget();
    await shutdown();
    runCleanups();
    expect(ran).toEqual(["server", "container"]);
  });

  it.each([
    [["git"], "1 running git process, so nothing more will be pushed (re-running is safe)"],
    [["go"], "1 running go process"],
    [["helm", "go", "go"], "3 running go/helm processes"],
    [["go", "git"], "2 running git/go processes, so nothing more will be pushed (re-running is safe)"],
  ])("says what it stopped: %j -> %s", (names, text) => {
    expect(describeStopped(names)).toBe(text);
  });
});
