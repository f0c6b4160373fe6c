/**
 * images on the host: the generated Dockerfiles (core/image-commands.ts, the module's bytes) built
 * with `docker build --platform` into the local daemon, one image per binary and platform, each
 * checked to say the platform it was built for (a base image without that platform silently
 * yields the daemon's own).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PipelineConfig } from "../../core/config.js";
import { FailureError, MissingToolError } from "../../core/errors.js";
import { dockerBuildArgv, dockerfilesFor, type ImageBuild, imageBuilds } from "../../core/image-commands.js";
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

/**
 * Builds every image of `tag` from the build output in `outDir` and returns what it built. The
 * images are tagged `<image.registry>/<app>-<binary>:<tag>-<arch>` in the local daemon.
 */
export async function hostImages(
  config: PipelineConfig,
  outDir: string,
  platforms: readonly string[],
  tag: string,
  labels: Record<string, string>,
): Promise<ImageBuild[]> {
  const found = await requireDocker("images");
  const env = { PATH: pathWith(found) };
  const hasAssets = existsSync(join(outDir, "assets"));
  const dockerfiles = dockerfilesFor(config, labels, hasAssets);
  const builds = imageBuilds(config, platforms, tag);
  await ensureBase(config.image.base, env);
  const work = mkdtempSync(join(tmpdir(), "pipeline-images-"));
  try {
    for (const build of builds) {
      // The context holds just what the Dockerfile copies, as the module's images() lays it out.
      const context = join(work, `${build.binary}-${build.platform.replaceAll("/", "-")}`);
      mkdirSync(context, { recursive: true });
      const binary = join(outDir, build.binaryPath);
      if (!existsSync(binary))
        throw new FailureError(`images: ${binary} is missing (run the build stage first)`);
      cpSync(binary, join(context, build.binary));
      for (const dir of ["migrations", "assets"]) {
        if (existsSync(join(outDir, dir))) cpSync(join(outDir, dir), join(context, dir), { recursive: true });
        else mkdirSync(join(context, dir));
      }
      writeFileSync(
        join(context, build.dockerfile),
        dockerfiles.find((d) => d.binary === build.binary)!.text,
      );
      const docker = dockerBuildArgv(build, context);
      await runTool(docker.argv, {
        cwd: context,
        env: { ...docker.env, ...env },
        what: `images (${build.binary} for ${build.platform})`,
      });
      const actual = await platformInDaemon(build.localTag, env);
      if (actual !== build.platform) {
        throw new FailureError(
          `images: ${build.localTag} was built for ${actual}, not ${build.platform}: the base image ${config.image.base} has no ${build.platform} variant in the local daemon (pull that platform or use a multi-platform base)`,
        );
      }
    }
    return builds;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
