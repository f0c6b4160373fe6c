/**
 * The host runner's `--container <image>`: a command that runs the repository's code (its tests
 * and test.before commands, go vet, go build) as `docker run` of an image, with only the checkout
 * and the stage's temp dir mounted, no environment but the step's own, and the caller's user, so
 * the code sees neither the host's files nor the process that started it. Pure: the argv.
 */

/** What one containerised command needs. */
export interface ContainerCommand {
  image: string;
  /** The command, as the host would run it (its program is looked up on the image's PATH). */
  argv: readonly string[];
  cwd: string;
  /** Host folders mounted at the same path, read-write (the checkout, the temp dir). */
  mounts: readonly string[];
  /** Variables passed by name (`-e NAME`): docker reads each value from its own environment, never argv. */
  env: readonly string[];
  /** The container's name, so a cancel can remove it. */
  name: string;
  /** `uid:gid` the command runs as (files it writes stay the caller's). */
  user?: string;
}

/** Variables the host runner sets on the host that mean nothing (or harm) in the image. */
const HOST_ONLY = new Set(["PATH", "TMPDIR", "PWD", "SHELL", "GOROOT"]);

/** The `docker run` argv of a containerised command. */
export function containerArgv(c: ContainerCommand): string[] {
  const names = [...new Set(c.env)].filter((n) => !HOST_ONLY.has(n) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
  return [
    "docker",
    "run",
    "--rm",
    "--init",
    "--name",
    c.name,
    // Services the test stage starts listen on the host's loopback.
    "--network",
    "host",
    ...(c.user ? ["--user", c.user] : []),
    ...[...new Set(c.mounts)].flatMap((m) => ["-v", `${m}:${m}`]),
    "-w",
    c.cwd,
    ...names.flatMap((n) => ["-e", n]),
    c.image,
    ...c.argv,
  ];
}
