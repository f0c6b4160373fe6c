/**
 * Same commit, same bytes, on the host runner for real: the sample (3 binaries × 2 platforms,
 * FROM scratch) published twice to a docker-registry, the second time from nothing (no build
 * output, no images in dockerd, a cold Go build cache, every source file re-dated as a fresh
 * checkout would be, hours later on the wall clock as far as any file says). The binaries are
 * byte-identical, every index and per-arch image has the same digest, and the second publish
 * uploads nothing and says so.
 */
import { createHash } from "node:crypto";
import { cpSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliAsync } from "../support/cli.js";
import { docker } from "../support/docker.js";
import { git } from "../support/git.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool, skipWithout, skipWithoutDocker } from "../support/tools.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
const PLATFORMS = "linux/amd64,linux/arm64";

/** A committed copy of the sample's Go source and config. */
function sampleCopy(): string {
  const dir = tempDir("pipeline-repro-");
  cpSync(join(repoRoot, "src"), join(dir, "src"), {
    recursive: true,
    filter: (path) => !/coverage/.test(path),
  });
  writeFileSync(join(dir, "pipeline.yaml"), readFileSync(join(repoRoot, "pipeline.yaml")));
  writeFileSync(join(dir, ".gitignore"), ".out/\n");
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "sample");
  return dir;
}

/** sha256 of every file under `dir`, by path. */
function hashes(dir: string, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(out, hashes(path, `${prefix}${entry.name}/`));
    else out[`${prefix}${entry.name}`] = createHash("sha256").update(readFileSync(path)).digest("hex");
  }
  return out;
}

/** Re-dates every file under `dir` (as a later checkout would), leaving .git alone. */
function redate(dir: string, when: Date): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === ".git") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) redate(path, when);
    utimesSync(path, when, when);
  }
}

/** The `<ref>@sha256:...` lines a publish printed, sorted. */
const pushedRefs = (stdout: string) =>
  stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /@sha256:[a-f0-9]{64}$/.test(line))
    .sort();

const skip = skipWithout("go", "docker-registry") || skipWithoutDocker();

describe.skipIf(skip)("publishing one commit twice from the host runner", () => {
  let repo: string;
  let registry: TestRegistry;
  let env: Record<string, string>;
  let first: Awaited<ReturnType<typeof runCliAsync>>;
  let second: Awaited<ReturnType<typeof runCliAsync>>;
  let firstBinaries: Record<string, string>;
  let secondRequests: string[];
  let tag: string;

  const publish = () =>
    runCliAsync(
      ["publish", "--runner", "host", "--registry", `${registry.host}/acme`, "--platforms", PLATFORMS],
      {
        cwd: repo,
        env,
      },
    );
  const localTags = () =>
    docker("images", "--format", "{{.Repository}}:{{.Tag}}")
      .split("\n")
      .filter((ref) => ref.includes(`:${tag}-`));

  beforeAll(async () => {
    repo = sampleCopy();
    tag = `sha-${git(repo, "rev-parse", "--short=7", "HEAD")}`;
    registry = await startRegistry();
    env = {
      PATH: [
        ...new Set([
          ...["go", "docker"].map((t) => dirname(findTool(t)!)),
          ...(process.env.PATH ?? "").split(":"),
        ]),
      ].join(":"),
      GOCACHE: tempDir("pipeline-gocache-"),
      GITHUB_ACTIONS: "",
      GITHUB_REF: "",
    };
    first = await publish();
    firstBinaries = hashes(join(repo, ".out"));
    // From nothing: no build output, no images (nor their build cache) in dockerd, a cold Go
    // cache, and sources dated as if checked out a day later.
    rmSync(join(repo, ".out"), { recursive: true, force: true });
    const ours = localTags();
    if (ours.length) docker("rmi", "-f", ...ours);
    env.GOCACHE = tempDir("pipeline-gocache-");
    redate(repo, new Date(Date.now() + 24 * 60 * 60 * 1000));
    const before = registry.requests().length;
    second = await publish();
    secondRequests = registry.requests().slice(before);
  }, 1_200_000);

  afterAll(async () => {
    const ours = localTags();
    if (ours.length) docker("rmi", "-f", ...ours);
    await registry?.remove();
    removeTempDirs();
  });

  it("publishes every binary for both platforms the first time", () => {
    expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
    expect(first.stdout).toMatch(
      /3 multi-arch tags and 6 per-arch images pushed to 127\.0\.0\.1:\d+\/acme$/m,
    );
    expect(pushedRefs(first.stdout)).toHaveLength(9);
  });

  it("builds byte-identical binaries from a cold cache and a re-dated checkout", () => {
    expect(second.code, `${second.stdout}\n${second.stderr}`).toBe(0);
    const binaries = Object.keys(firstBinaries).filter((p) => /^linux-(amd64|arm64)\//.test(p));
    expect(binaries).toHaveLength(6);
    expect(hashes(join(repo, ".out"))).toEqual(firstBinaries);
    expect(statSync(join(repo, ".out/linux-arm64/api")).size).toBeGreaterThan(0);
  });

  it("gives every index and every per-arch image the same digest", () => {
    expect(pushedRefs(second.stdout)).toEqual(pushedRefs(first.stdout));
  });

  it("uploads nothing the second time, and says so", () => {
    expect(second.stdout).toMatch(
      /nothing new pushed to 127\.0\.0\.1:\d+\/acme: 3 multi-arch tags and 6 per-arch images already there, same digests$/m,
    );
    const writes = secondRequests.filter((r) => /^(PUT|POST|PATCH|DELETE) /.test(r));
    expect(writes).toEqual([]);
  });
});
