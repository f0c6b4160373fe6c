/**
 * `--container <image>` for the host runner: a command marked as running the repository's code
 * (`runTool(..., { repoCode: true })`) becomes `docker run` of the image (core/runners/container.ts)
 * with only the checkout and the stage's temp dir mounted, Go's caches in that temp dir, and no
 * variable but the step's own and Go's network settings.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { containerArgv } from "../../../core/runners/container.js";
import { onCleanup } from "../../process-lifecycle.js";

/** Where repository code runs: on the host (unset), or in an image with only these folders mounted. */
let repoContainer: { image: string; mounts: readonly string[]; cache: string } | undefined;

/**
 * Runs every later `repoCode` command in `image` with only `mounts` (the checkout and the temp
 * dir) mounted; Go's caches go under `cache`, inside one of them.
 */
export function runRepoCodeIn(image: string, mounts: readonly string[], cache: string): void {
  repoContainer = { image, mounts, cache };
}

/** Network settings Go needs in a container too (names only; never a credential). */
const GO_NETWORK = ["GOPROXY", "GOSUMDB", "GONOSUMDB", "GONOPROXY", "GOPRIVATE", "GOFLAGS", "GOTOOLCHAIN"];

/** Variables docker itself needs, and serve's marker (a restart finds the container's processes by it). */
const DOCKER_CLIENT = ["DOCKER_HOST", "PIPELINE_SERVE_INSTANCE"];

/** The named variables of `env` that are set. */
function pick(env: NodeJS.ProcessEnv, names: readonly string[]): NodeJS.ProcessEnv {
  return Object.fromEntries(names.filter((n) => env[n] !== undefined).map((n) => [n, env[n]]));
}

/**
 * The `docker run` that runs `argv` in the image, its environment (docker reads the values it
 * passes by name from it), and a `done` that forgets the container's cleanup; undefined when no
 * image is set (the command runs on the host).
 */
export function containedCommand(
  argv: readonly string[],
  cwd: string,
  stepEnv: Readonly<Record<string, string>> = {},
): { argv: string[]; env: NodeJS.ProcessEnv; done: () => void } | undefined {
  if (!repoContainer) return undefined;
  const { cache, image, mounts } = repoContainer;
  const goEnv = { HOME: join(cache, "home"), GOCACHE: join(cache, "go-build"), GOPATH: join(cache, "go") };
  for (const dir of Object.values(goEnv)) mkdirSync(dir, { recursive: true });
  const passed = { ...stepEnv, ...goEnv, XDG_CACHE_HOME: goEnv.HOME };
  const name = `pipeline-${randomBytes(6).toString("hex")}`;
  const command = containerArgv({
    image,
    argv,
    cwd,
    mounts,
    env: [
      ...Object.keys(passed),
      ...GO_NETWORK.filter((n) => process.env[n] !== undefined),
      "PIPELINE_SERVE_INSTANCE",
    ],
    name,
    user: process.getuid && process.getgid ? `${process.getuid()}:${process.getgid()}` : undefined,
  });
  // dockerd runs the container, not us: removed if the command is stopped or the CLI ends first.
  const done = onCleanup(() => void spawnSync("docker", ["rm", "-f", name], { stdio: "ignore" }));
  return {
    argv: command,
    env: { PATH: process.env.PATH, ...passed, ...pick(process.env, [...GO_NETWORK, ...DOCKER_CLIENT]) },
    done,
  };
}
