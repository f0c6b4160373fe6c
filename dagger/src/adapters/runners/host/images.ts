/**
 * images on the host: the images plan of core/images/commands.ts (the module's Dockerfiles and
 * contexts) built with `docker build --platform` into the local daemon, per image and platform,
 * as many at once as there are cores, each checked to say the platform it was built for (a base
 * image without that platform silently yields the daemon's own). Every file of a build context is
 * dated by the source date, so what the builder copies does not depend on when it was checked
 * out or built, and one commit's builds hit Docker's layer cache.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, realpathSync, utimesSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { PipelineConfig } from "../../../core/config/config.js";
import { FailureError, MissingToolError, UsageError } from "../../../core/errors.js";
import { BUILD_EXTRA_DIRS } from "../../../core/go/commands.js";
import {
  type ContextEntry,
  dockerBuildArgv,
  dockerfilesFor,
  type ImageBuild,
  imageBuilds,
} from "../../../core/images/commands.js";
import { epochOf } from "../../../core/release/source-date.js";
import { isInside } from "../../../core/validate.js";
import { makeTempDir, removeTempDir } from "../../process-lifecycle.js";
import { limiter } from "../../registry/parallel.js";
import { runTool } from "./exec.js";
import { INSTALL, pathWith, requireTools } from "./tools.js";

/** Resolves docker and checks that a daemon answers; both missing cases skip the stage (exit 3). */
export async function requireDocker(stage: string): Promise<Record<string, string>> {
  const found = requireTools(stage, ["docker"]);
  try {
    await runTool(["docker", "info", "--format", "{{.ServerVersion}}"], {
      cwd: tmpdir(),
      env: { PATH: pathWith(found) },
    });
  } catch {
    throw new MissingToolError(
      `${stage} needs a Docker Engine that answers: start dockerd (${INSTALL.docker})`,
      [{ tool: "dockerd", install: INSTALL.docker! }],
    );
  }
  return found;
}

/** The platform an image in the daemon says it is for: `os/arch[/variant]`. */
async function platformInDaemon(ref: string, env: Record<string, string>): Promise<string> {
  const out = await runTool(
    [
      "docker",
      "image",
      "inspect",
      "--format",
      "{{.Os}}/{{.Architecture}}{{if .Variant}}/{{.Variant}}{{end}}",
      ref,
    ],
    { cwd: tmpdir(), env },
  );
  return out.stdout.trim();
}

/**
 * Checks that the base image is in the daemon or can be pulled, so a machine without access to
 * its registry gets one clear line instead of a build log.
 */
async function ensureBase(base: string, env: Record<string, string>): Promise<void> {
  if (base === "scratch") return;
  const present = await runTool(["docker", "image", "inspect", base], { cwd: tmpdir(), env }).then(
    () => true,
    () => false,
  );
  if (present) return;
  await runTool(["docker", "pull", "--quiet", base], { cwd: tmpdir(), env }).catch((error: Error) => {
    const reason = error.message.split("\n").filter(Boolean).pop()?.trim() ?? "";
    throw new FailureError(
      `images: the base image ${base} is not in the local daemon and cannot be pulled (${reason}); pull it where its registry is reachable, or set image.base in pipeline.yaml to an image this daemon has\n${error.message}`,
    );
  });
}

/** Folders never copied into a Dockerfile image's context: git's, dependencies, the build output. */
const SKIPPED = new Set([".git", "node_modules", ".out"]);

/** Copies one context entry, refusing a repo source that is missing or leaves the repo through a link. */
function placeEntry(root: string, outDir: string, context: string, entry: ContextEntry): void {
  const source = entry.from === "build" ? join(outDir, entry.source) : join(root, entry.source);
  if (!existsSync(source)) {
    throw entry.from === "build"
      ? new FailureError(`images: ${source} is missing (run the build stage first)`)
      : new UsageError(`images: ${entry.source} does not exist in the repository (fix images.<name>.files)`);
  }
  if (entry.from === "repo" && !isInside(realpathSync(root), realpathSync(source))) {
    throw new UsageError(`images: ${entry.source} leaves the repository through a symlink; refused`);
  }
  const target = join(context, entry.path);
  mkdirSync(dirname(target), { recursive: true });
  cpSync(source, target, { recursive: true, dereference: true });
}

/** Dates `dir` and everything under it `epoch` (seconds), deepest first (a file's utime leaves its folder's alone). */
function dateTree(dir: string, epoch: number): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) dateTree(path, epoch);
    else if (entry.isFile()) utimesSync(path, epoch, epoch);
  }
  utimesSync(dir, epoch, epoch);
}

/**
 * Builds every image of `tag` from the build output in `outDir` and the repo at `root`, and
 * returns what it built. The images are tagged `<image.registry>/<name>:<tag>-<arch>` in the
 * local daemon. `labels` are the plan's annotations: their `created` (the source date) dates the
 * build contexts.
 */
export async function hostImages(
  root: string,
  config: PipelineConfig,
  outDir: string,
  platforms: readonly string[],
  tag: string,
  labels: Record<string, string>,
): Promise<ImageBuild[]> {
  const found = await requireDocker("images");
  const env = { PATH: pathWith(found) };
  const extras = BUILD_EXTRA_DIRS.filter((d) => existsSync(join(outDir, d)));
  const dockerfiles = dockerfilesFor(config, labels, extras);
  const builds = imageBuilds(config, platforms, tag, config.image.registry, extras);
  for (const base of new Set(config.images.flatMap((i) => (i.kind === "generated" ? [i.base] : []))))
    await ensureBase(base, env);
  const epoch = epochOf(labels["org.opencontainers.image.created"] ?? "");
  const work = makeTempDir("pipeline-images-");
  // The daemon builds several images at once; more than the cores only queue inside it.
  const limit = limiter(Math.max(1, availableParallelism()));
  const buildOne = async (build: ImageBuild) => {
    // The context holds just what the Dockerfile copies, as the module's images() lays it out.
    const context = join(work, `${build.image}-${build.platform.replaceAll("/", "-")}`);
    mkdirSync(context, { recursive: true });
    if (build.baseContext !== null) {
      cpSync(join(root, build.baseContext), context, {
        recursive: true,
        filter: (path) => !SKIPPED.has(basename(path)),
      });
    }
    for (const entry of build.context) placeEntry(root, outDir, context, entry);
    const generated = dockerfiles.find((d) => d.image === build.image);
    if (generated) writeFileSync(join(context, build.dockerfile), generated.text);
    if (epoch !== null) dateTree(context, epoch);
    const docker = dockerBuildArgv(build, context);
    await runTool(docker.argv, {
      cwd: context,
      env: { ...docker.env, ...env },
      what: `images (${build.image} for ${build.platform})`,
    });
    const actual = await platformInDaemon(build.localTag, env);
    if (actual !== build.platform) {
      throw new FailureError(
        `images: ${build.localTag} was built for ${actual}, not ${build.platform}: its base image has no ${build.platform} variant in the local daemon (pull that platform or use a multi-platform base)`,
      );
    }
  };
  try {
    // Every build settles before the first failure (in build order) is reported.
    const settled = await Promise.allSettled(builds.map((build) => limit(() => buildOne(build))));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw failed.reason;
    return builds;
  } finally {
    removeTempDir(work);
  }
}
