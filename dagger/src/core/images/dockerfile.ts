/**
 * Generated Dockerfiles. {@link renderImageDockerfile} writes one image's Dockerfile from its plan
 * (image-plan.ts: base, packages, extra lines, env, COPYs, labels, workdir, user, entrypoint, cmd);
 * {@link renderDockerfile} is the default image of one binary: the binary at /app/<binary>,
 * migrations for the migrator, assets when the source has them. Deterministic: the same input
 * gives the same bytes.
 */
import { UsageError } from "../errors.js";
import { safeEcho } from "../validate.js";
import { type ImageDockerfileInput, imagePlan, renderPlan } from "./image-plan.js";

/** Everything the default Dockerfile of one binary depends on. */
export interface DockerfileInput {
  binary: string;
  base: string;
  packages: readonly string[];
  /** `uid:gid` or a name; empty when the base has no non-root user. */
  user: string;
  hasAssets: boolean;
  labels: Readonly<Record<string, string>>;
}

export type { ImageDockerfileInput } from "./image-plan.js";
export { packageManagerOf } from "./image-plan.js";

/**
 * Renders one image's Dockerfile from its plan (core/images/image-plan.ts, which the module builds
 * containers from); throws a UsageError for a value that does not belong in one.
 */
export function renderImageDockerfile(input: ImageDockerfileInput): string {
  return renderPlan(imagePlan(input));
}

/** Renders the default `Dockerfile.<binary>`; throws when packages are asked of a base without a package manager. */
export function renderDockerfile(input: DockerfileInput): string {
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(input.binary)) {
    throw new UsageError(`binary ${safeEcho(input.binary)} is not a valid binary name (e.g. server)`);
  }
  const copies = [{ from: input.binary, to: `/app/${input.binary}` }];
  if (input.binary === "migrator") copies.push({ from: "migrations", to: "/app/migrations" });
  if (input.hasAssets) copies.push({ from: "assets", to: "/app/assets" });
  return renderImageDockerfile({
    name: input.binary,
    base: input.base,
    packages: input.packages,
    lines: [],
    env: {},
    copies,
    labels: input.labels,
    workdir: "/app",
    user: input.user,
    entrypoint: [`/app/${input.binary}`],
    cmd: [],
  });
}
