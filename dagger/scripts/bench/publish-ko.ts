/**
 * Goal: publishing the sample (3 binaries × 2 platforms) with the host runner no slower than
 * `ko build` to the same local registry, cold, warm and after a one-line edit (≤ 1.0× each).
 *
 * Both run as whole processes on one copy of the sample and one docker-registry on loopback:
 * - host runner: `pipeline publish --runner host` (the bundle, as `npm run pipeline` runs it):
 *   go builds, docker builds into dockerd, one export, pushes and the multi-arch merges;
 * - ko: `ko build -B --platform=linux/amd64,linux/arm64 --sbom=none` of the three commands, on an
 *   empty base pushed to the same registry (nothing can be pulled here).
 * cold: an empty Go build cache of its own (modules already downloaded), nothing of this commit
 * in dockerd or the registry; warm: the same again at once; edit: one line added to cmd/api.
 * Each runs once per scenario (a cold run takes minutes): read the ratios, not the times. Without
 * ko the host rows are still measured and the ko rows say how to install it.
 */
import { spawn } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { MediaType } from "../../src/core/registry/oci.js";
import { docker } from "../../test/support/docker.js";
import { git } from "../../test/support/git.js";
import { startRegistry } from "../../test/support/registry.js";
import { findTool } from "../../test/support/tools.js";
import { pipelineEntry } from "../bench-support.js";

const repoRoot = join(import.meta.dirname, "../../..");
const PLATFORMS = ["linux/amd64", "linux/arm64"];
const KO_INSTALL = "go install github.com/google/ko@v0.19.1 (bash .ci/run installs it)";
const SCENARIOS = ["cold", "warm", "edit"] as const;

/** Wall time of one whole process in `cwd`; throws with its output when it fails. */
async function timed(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  const started = process.hrtime.bigint();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (c) => resolve({ code: c, output }));
  });
  if (code !== 0)
    throw new Error(`bench: ${argv.join(" ")} failed (${code}):\n${output.trim().slice(-2000)}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** A committed copy of the sample's Go source and config, in 2 platforms. */
function sampleCopy(dir: string): void {
  cpSync(join(repoRoot, "src"), join(dir, "src"), { recursive: true, filter: (p) => !/coverage/.test(p) });
  writeFileSync(
    join(dir, "pipeline.yaml"),
    `${readFileSync(join(repoRoot, "pipeline.yaml"), "utf8")}platforms: [${PLATFORMS.join(", ")}]\n`,
  );
  writeFileSync(join(dir, ".gitignore"), ".out/\n");
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "sample");
}

/** An image with no layers for each platform, as one index: ko's base (its default can't be pulled here). */
async function pushEmptyBase(host: string): Promise<string> {
  const client = new RegistryClient({ host });
  const manifests = [];
  for (const platform of PLATFORMS) {
    const [os, architecture] = platform.split("/") as [string, string];
    const config = JSON.stringify({ architecture, os, config: {}, rootfs: { type: "layers", diff_ids: [] } });
    const digest = await client.pushBlob("base", config);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest, size: Buffer.byteLength(config) },
      layers: [],
    });
    const manifestDigest = await client.putManifest(
      "base",
      `${architecture}`,
      manifest,
      MediaType.ociManifest,
    );
    manifests.push({
      mediaType: MediaType.ociManifest,
      digest: manifestDigest,
      size: Buffer.byteLength(manifest),
      platform: { os, architecture },
    });
  }
  const index = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests });
  await client.putManifest("base", "empty", index, MediaType.ociIndex);
  return `${host}/base:empty`;
}

export default async function bench() {
  const missing = ["go", "docker", "docker-registry"].filter((t) => !findTool(t));
  if (missing.length)
    return [
      {
        name: "host publish vs ko",
        value: 0,
        unit: "s",
        note: `skipped: ${missing.join(", ")} not installed`,
      },
    ];
  const work = mkdtempSync(join(tmpdir(), "pipeline-bench-publish-"));
  const repo = join(work, "repo");
  const registry = await startRegistry();
  const tag = () => `sha-${git(repo, "rev-parse", "--short=7", "HEAD")}`;
  const localImages = () =>
    docker("images", "--format", "{{.Repository}}:{{.Tag}}")
      .split("\n")
      .filter((ref) => ref.includes(`:${tag()}-`));
  try {
    mkdirSync(repo);
    sampleCopy(repo);
    const base = await pushEmptyBase(registry.host);
    const env: NodeJS.ProcessEnv = { ...process.env, GITHUB_ACTIONS: "", GITHUB_REF: "" };
    for (const name of Object.keys(env)) if (/^npm_/i.test(name) || name === "INIT_CWD") delete env[name];
    const caches = { host: join(work, "gocache-host"), ko: join(work, "gocache-ko") };
    const host = () =>
      timed(
        [
          process.execPath,
          pipelineEntry(),
          "publish",
          "--runner",
          "host",
          "--registry",
          `${registry.host}/host`,
          "--platforms",
          PLATFORMS.join(","),
        ],
        repo,
        { ...env, GOCACHE: caches.host },
      );
    const ko = findTool("ko");
    const koRun = () =>
      timed(
        [
          ko!,
          "build",
          "-B",
          `--platform=${PLATFORMS.join(",")}`,
          "--sbom=none",
          "--tags",
          tag(),
          "./cmd/api",
          "./cmd/migrator",
          "./cmd/worker",
        ],
        join(repo, "src"),
        { ...env, GOCACHE: caches.ko, KO_DOCKER_REPO: `${registry.host}/ko`, KO_DEFAULTBASEIMAGE: base },
      );
    const ours = localImages();
    if (ours.length) docker("rmi", "-f", ...ours);
    const times: Record<string, { host: number; ko?: number }> = {};
    for (const scenario of SCENARIOS) {
      process.stderr.write(`bench publish-ko: ${scenario}...\n`);
      const api = join(repo, "src/cmd/api/main.go");
      if (scenario === "edit") appendFileSync(api, '\nvar benchEdit = "one line"\n');
      times[scenario] = { host: await host(), ...(ko ? { ko: await koRun() } : {}) };
    }
    return SCENARIOS.flatMap((scenario) => {
      const t = times[scenario]!;
      const rows = [
        { name: `host runner publish, ${scenario}`, value: t.host / 1000, unit: "s" } as {
          name: string;
          value: number;
          unit: string;
          note?: string;
        },
      ];
      if (t.ko === undefined) {
        rows[0]!.note = `ko not installed: ${KO_INSTALL}`;
        return rows;
      }
      const ratio = t.host / t.ko;
      rows[0]!.note = `${ratio.toFixed(2)}× ko (goal ≤ 1.0×: ${ratio <= 1 ? "ok" : "OVER"})`;
      rows.push({ name: `ko build, ${scenario}`, value: t.ko / 1000, unit: "s" });
      return rows;
    });
  } finally {
    try {
      const ours = localImages();
      if (ours.length) docker("rmi", "-f", ...ours);
    } catch {
      // The repo may not have been made.
    }
    await registry.remove();
    rmSync(work, { recursive: true, force: true });
  }
}
