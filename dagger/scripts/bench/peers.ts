/**
 * Our registry commands against the tools people use instead, each as a whole process the way a
 * user runs it (Node's start, config read and auth included), median of RUNS on one real registry
 * (Debian's docker-registry on loopback), runs interleaved so machine noise hits every tool alike:
 * - one merge of two single-arch images: `pipeline manifest merge` against `crane index append`,
 *   `regctl index create` and `docker manifest create` + `push`; target: within 2× of crane;
 * - a release's merges (3 images × 2 platforms): one `pipeline manifest merge-all` against one
 *   call per image for each peer; target: faster than every peer;
 * - copy of a 2-platform index to a release repository on the same registry: `pipeline image copy`
 *   against `crane copy`.
 * Every run writes a fresh target tag, so no tool gets a "nothing to do" shortcut. A peer whose
 * binary is missing is skipped with a line saying how to install it.
 *
 * The floor row is Node's own start (`node -e ''`), which every run of ours pays before any of
 * our code: our rows say how far above it they are, and the floor row says whether the 2x-crane
 * goal lies below it (a Go binary starts in a few ms; then no Node CLI can meet that goal).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pushTestImage } from "../../test/support/images.js";
import { startRegistry } from "../../test/support/registry.js";
import { findTool } from "../../test/support/tools.js";
import { pipelineEntry } from "../bench-support.js";

const RUNS = 8;
const dagger = join(import.meta.dirname, "../..");
const repoRoot = join(dagger, "..");
const ARCHES = ["amd64", "arm64"];
const RELEASE_IMAGES = ["api", "migrator", "worker"];

/** How to get each peer (the versions the Go module proxy served when this bench was written). */
const INSTALL: Record<string, string> = {
  crane: "go install github.com/google/go-containerregistry/cmd/crane@v0.22.1",
  regctl: "go install github.com/regclient/regclient/cmd/regctl@v0.11.7",
  docker: "apt-get install docker.io",
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * One whole-process run of each argv in order; returns the wall time of all of them. Async on
 * purpose: the registry's log pipe is drained by this process's event loop, which spawnSync
 * would block until the registry stalls on a full pipe.
 */
async function timeRun(commands: string[][], env: NodeJS.ProcessEnv): Promise<number> {
  const started = process.hrtime.bigint();
  for (const [command, ...args] of commands) {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(command!, args, { cwd: repoRoot, env, timeout: 60_000 });
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, output }));
    });
    if (code !== 0) throw new Error(`bench: ${command} ${args.join(" ")} failed (${code}): ${output.trim()}`);
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** A contender: how to run it for run number `i` (fresh targets each time). */
interface Contender {
  name: string;
  tool?: string;
  commands: (i: number) => string[][];
}

/** Medians of every available contender, runs interleaved; missing tools map to undefined. */
async function race(
  contenders: Contender[],
  env: NodeJS.ProcessEnv,
): Promise<Map<string, number | undefined>> {
  const available = contenders.filter((c) => !c.tool || findTool(c.tool));
  const samples = new Map<string, number[]>(available.map((c) => [c.name, []]));
  // One warm-up each (page cache, the registry's first writes), not counted.
  for (const c of available) await timeRun(c.commands(-1), env);
  for (let i = 0; i < RUNS; i++)
    for (const c of available) samples.get(c.name)!.push(await timeRun(c.commands(i), env));
  return new Map(
    contenders.map((c) => [c.name, samples.has(c.name) ? median(samples.get(c.name)!) : undefined]),
  );
}

export default async function bench() {
  const registry = await startRegistry();
  const home = mkdtempSync(join(tmpdir(), "pipeline-bench-peers-"));
  // Peers read and write their config under HOME (regctl) or DOCKER_CONFIG: keep both empty.
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, DOCKER_CONFIG: join(home, ".docker") };
  delete env.INIT_CWD;
  const rows: { name: string; value: number; unit: string; note?: string }[] = [];
  try {
    const host = registry.host;
    for (const image of ["app", ...RELEASE_IMAGES])
      for (const architecture of ARCHES)
        await pushTestImage(host, {
          repository: image,
          tag: `1.0.0-${architecture}`,
          architecture,
          format: "oci",
        });
    const entry = pipelineEntry();
    const crane = findTool("crane") ?? "crane";
    const regctl = findTool("regctl") ?? "regctl";
    const docker = findTool("docker") ?? "docker";
    const sources = (image: string) => ARCHES.map((a) => `${host}/${image}:1.0.0-${a}`);
    const target = (image: string, tool: string, i: number) => `${host}/${image}:${tool}-${i + 1}`;
    const perImage = {
      crane: (image: string, i: number) => [
        crane,
        "index",
        "append",
        "--insecure",
        "-t",
        target(image, "crane", i),
        ...sources(image).flatMap((s) => ["-m", s]),
      ],
      regctl: (image: string, i: number) => [
        regctl,
        "--host",
        `reg=${host},tls=disabled`,
        "index",
        "create",
        target(image, "regctl", i),
        ...sources(image).flatMap((s) => ["--ref", s]),
      ],
      docker: (image: string, i: number) => [
        [docker, "manifest", "create", "--insecure", target(image, "docker", i), ...sources(image)],
        [docker, "manifest", "push", "--insecure", target(image, "docker", i)],
      ],
    };

    const single = await race(
      [
        {
          name: "pipeline",
          commands: (i) => [
            [process.execPath, entry, "manifest", "merge", target("app", "ours", i), ...sources("app")],
          ],
        },
        { name: "crane", tool: "crane", commands: (i) => [perImage.crane("app", i)] },
        { name: "regctl", tool: "regctl", commands: (i) => [perImage.regctl("app", i)] },
        { name: "docker", tool: "docker", commands: (i) => perImage.docker("app", i) },
      ],
      env,
    );
    const ours = single.get("pipeline")!;
    const floor = (await race([{ name: "node", commands: () => [[process.execPath, "-e", ""]] }], env)).get(
      "node",
    )!;
    const craneMerge = single.get("crane");
    rows.push({
      name: "floor: node -e '' (Node's own start, no pipeline code)",
      value: floor,
      unit: "ms",
      note:
        craneMerge === undefined
          ? `median of ${RUNS}`
          : `median of ${RUNS}; the 2x-crane goal is ${(2 * craneMerge).toFixed(1)} ms, ${
              2 * craneMerge < floor
                ? "BELOW this floor: no Node process meets it, whatever it does"
                : "above this floor"
            }`,
    });
    rows.push({
      name: "merge 2 platforms: pipeline manifest merge",
      value: ours,
      unit: "ms",
      note: `median of ${RUNS}; ${(ours - floor).toFixed(1)} ms above Node's own start`,
    });
    for (const peer of ["crane", "regctl", "docker"]) {
      const theirs = single.get(peer);
      const label =
        peer === "crane"
          ? "crane index append"
          : peer === "regctl"
            ? "regctl index create"
            : "docker manifest create+push";
      if (theirs === undefined) {
        rows.push({
          name: `merge 2 platforms: ${label}`,
          value: 0,
          unit: "ms",
          note: `SKIPPED: ${peer} not found (${INSTALL[peer]})`,
        });
        continue;
      }
      const target =
        peer === "crane"
          ? `; target <= 2x: ${ours <= 2 * theirs ? "ok" : "OVER"}${2 * theirs < floor ? " (2x crane is below Node's floor row)" : ""}`
          : "";
      rows.push({
        name: `merge 2 platforms: ${label}`,
        value: theirs,
        unit: "ms",
        note: `ours / ${peer} = ${(ours / theirs).toFixed(2)}x${target}`,
      });
    }

    const release = await race(
      [
        {
          name: "pipeline",
          commands: (i) => [
            [
              process.execPath,
              entry,
              "manifest",
              "merge-all",
              ...RELEASE_IMAGES.map((image) => `${target(image, "ours", i)}=${sources(image).join(",")}`),
            ],
          ],
        },
        {
          name: "crane",
          tool: "crane",
          commands: (i) => RELEASE_IMAGES.map((image) => perImage.crane(image, i)),
        },
        {
          name: "regctl",
          tool: "regctl",
          commands: (i) => RELEASE_IMAGES.map((image) => perImage.regctl(image, i)),
        },
        {
          name: "docker",
          tool: "docker",
          commands: (i) => RELEASE_IMAGES.flatMap((image) => perImage.docker(image, i)),
        },
      ],
      env,
    );
    const oursRelease = release.get("pipeline")!;
    rows.push({
      name: "release merges (3 images x 2 platforms): pipeline manifest merge-all, 1 call",
      value: oursRelease,
      unit: "ms",
      note: `median of ${RUNS}; ${(oursRelease - floor).toFixed(1)} ms above Node's own start`,
    });
    for (const peer of ["crane", "regctl", "docker"]) {
      const theirs = release.get(peer);
      if (theirs === undefined) {
        rows.push({
          name: `release merges: ${peer}, 3 calls`,
          value: 0,
          unit: "ms",
          note: `SKIPPED: ${peer} not found (${INSTALL[peer]})`,
        });
        continue;
      }
      rows.push({
        name: `release merges: ${peer}, 3 calls`,
        value: theirs,
        unit: "ms",
        note: `ours / ${peer} = ${(oursRelease / theirs).toFixed(2)}x; target < 1x: ${oursRelease < theirs ? "ok" : "OVER"}`,
      });
    }

    // A fresh release repository per run, so every run mounts its blobs instead of finding them there.
    const copySource = `${host}/app:ours-1`;
    const copyTarget = (tool: string, i: number) => `${host}/release-${tool}-${i + 1}/app:1.0.0`;
    const copy = await race(
      [
        {
          name: "pipeline",
          commands: (i) => [[process.execPath, entry, "image", "copy", copySource, copyTarget("ours", i)]],
        },
        {
          name: "crane",
          tool: "crane",
          commands: (i) => [[crane, "copy", "--insecure", copySource, copyTarget("crane", i)]],
        },
      ],
      env,
    );
    const oursCopy = copy.get("pipeline")!;
    rows.push({
      name: "copy to the release registry (2-platform index, same host): pipeline image copy",
      value: oursCopy,
      unit: "ms",
      note: `median of ${RUNS}; ${(oursCopy - floor).toFixed(1)} ms above Node's own start`,
    });
    const craneCopy = copy.get("crane");
    rows.push(
      craneCopy === undefined
        ? {
            name: "copy to the release registry: crane copy",
            value: 0,
            unit: "ms",
            note: `SKIPPED: crane not found (${INSTALL.crane})`,
          }
        : {
            name: "copy to the release registry: crane copy",
            value: craneCopy,
            unit: "ms",
            note: `ours / crane = ${(oursCopy / craneCopy).toFixed(2)}x`,
          },
    );
  } finally {
    await registry.remove();
    rmSync(home, { recursive: true, force: true });
  }
  return rows;
}
