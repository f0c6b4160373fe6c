/**
 * A generated image as an ordered list of steps: the one decision both shells build from. The host
 * runner renders the steps' Dockerfile text and builds it with `docker build --platform`; the
 * module replays the same steps on `dag.container({ platform })` (from, withExec, withFile,
 * withLabel, ...), so the image's platform is the container's and never depends on how a
 * Dockerfile frontend picks one (a dockerBuild of `FROM scratch` for linux/arm64 came back
 * linux/amd64 on an engine without emulation). A step the container path cannot replay exactly
 * (an extra line such as ARG or ADD, a `$` Docker would expand) is `dockerfile`: the module then
 * builds that image's Dockerfile with dockerBuild and publish's platform check guards it.
 */
import { UsageError } from "../errors.js";
import { hasControlChars, isImageReference, isImageUser, isPackageSpec, safeEcho } from "../validate.js";

/** Everything a generated image depends on. */
export interface ImageDockerfileInput {
  /** Shown in the header comment. */
  name: string;
  base: string;
  packages: readonly string[];
  lines: readonly string[];
  env: Readonly<Record<string, string>>;
  /** `COPY <from> <to>`, in order; `from` is a path in the build context. */
  copies: readonly { from: string; to: string }[];
  labels: Readonly<Record<string, string>>;
  workdir: string;
  user: string;
  entrypoint: readonly string[];
  cmd: readonly string[];
}

/** One step of an image: its Dockerfile text, and what the container API does for it. */
export type ImageStep = { text: string } & (
  | { op: "from"; image: string }
  | { op: "run"; argv: string[] }
  | { op: "env"; vars: [string, string][] }
  | { op: "copy"; from: string; to: string }
  | { op: "label"; labels: [string, string][] }
  | { op: "workdir"; path: string }
  | { op: "user"; user: string }
  | { op: "entrypoint"; args: string[] }
  | { op: "cmd"; args: string[] }
  | { op: "expose"; ports: { port: number; protocol: "TCP" | "UDP" }[] }
  /** Only a Dockerfile build does this one exactly. */
  | { op: "dockerfile" }
);

/** A generated image: its header comment and steps. */
export interface ImagePlan {
  name: string;
  header: string;
  steps: ImageStep[];
}

/** The base image that is no image: the container starts empty. */
export const SCRATCH = "scratch";

/**
 * The package manager of a base image, guessed from its name and tag; null when it has none.
 * Alpine and Wolfi anywhere in the reference (`golang:1.23-alpine3.20`) mean apk; Debian and Ubuntu
 * names or release code names, `-slim`, and the official language images without a suffix
 * (`golang:1.23`, Debian-based) mean apt-get.
 */
export function packageManagerOf(base: string): "apk" | "apt-get" | null {
  const name = base.toLowerCase().split("@")[0]!;
  if (/alpine|wolfi|chainguard\/(wolfi|.*-dev)/.test(name)) return "apk";
  if (/distroless|(^|\/)(scratch|busybox)(:|$)/.test(name)) return null;
  if (
    /(^|\/)(debian|ubuntu)(:|$)|-slim|buildpack-deps|bookworm|bullseye|buster|trixie|jammy|noble|focal/.test(
      name,
    )
  )
    return "apt-get";
  if (/(^|\/)(golang|node|python|ruby|rust|openjdk|eclipse-temurin|perl|php)(:|$)/.test(name))
    return "apt-get";
  return null;
}

const quote = (value: string): string => JSON.stringify(value);
/** `/bin/sh -c <command>`: what a Dockerfile's shell-form RUN, ENTRYPOINT and CMD run. */
const shell = (command: string): string[] => ["/bin/sh", "-c", command];
/** Whether Docker would expand or unescape something in a value (then only a Dockerfile build is exact). */
const dockerRewrites = (value: string): boolean => /[$\\]/.test(value);

const PATH_IN_IMAGE = /^\/?[A-Za-z0-9._@+-]+(?:\/[A-Za-z0-9._@+-]+)*\/?$|^\/$/;
const CONTEXT_PATH = /^[A-Za-z0-9._@+-]+(?:\/[A-Za-z0-9._@+-]+)*$/;

/** The package install step for `base`, or throws when it has no package manager. */
function packagesStep(base: string, packages: readonly string[]): ImageStep {
  const manager = packageManagerOf(base);
  const list = [...packages].sort().join(" ");
  const command =
    manager === "apk"
      ? `apk add --no-cache ${list}`
      : manager === "apt-get"
        ? `apt-get update && apt-get install -y --no-install-recommends ${list} && rm -rf /var/lib/apt/lists/*`
        : undefined;
  if (!command)
    throw new UsageError(
      `pipeline.yaml: image.packages needs a base with apk or apt-get, and ${safeEcho(base)} has neither (use e.g. alpine:3.20 or debian:12-slim, or remove image.packages)`,
    );
  return { text: `RUN ${command}`, op: "run", argv: shell(command) };
}

/** `["a", "b"]` as a list of strings, or undefined when `text` is not one (a shell-form command). */
function jsonArgs(text: string): string[] | undefined {
  if (!text.startsWith("[")) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
  } catch {
    return undefined;
  }
}

/** `k=v k2="v 2"` pairs (ENV, LABEL), or undefined when they hold anything Docker would rewrite. */
function pairs(text: string): [string, string][] | undefined {
  const out: [string, string][] = [];
  const pair = /\s*([A-Za-z0-9_.\-/]+)=(?:"([^"\\$]*)"|([^\s"'\\$]*))(?=\s|$)/y;
  while (pair.lastIndex < text.length) {
    const m = pair.exec(text);
    if (!m) return undefined;
    out.push([m[1]!, m[2] ?? m[3] ?? ""]);
  }
  return out.length ? out : undefined;
}

/** One of `images.<name>.lines` as a step; anything the container path cannot replay exactly is `dockerfile`. */
export function extraLineStep(line: string): ImageStep {
  const text = line;
  const [, word = "", rest = ""] = /^\s*(\S+)\s*(.*?)\s*$/.exec(line) ?? [];
  const only: ImageStep = { text, op: "dockerfile" };
  switch (word.toUpperCase()) {
    case "RUN":
      // Flags (--mount, --network) and heredocs are BuildKit's alone.
      if (rest.startsWith("--") || rest.includes("<<")) return only;
      return { text, op: "run", argv: jsonArgs(rest) ?? shell(rest) };
    case "ENTRYPOINT":
    case "CMD": {
      const args = jsonArgs(rest) ?? shell(rest);
      return word.toUpperCase() === "CMD" ? { text, op: "cmd", args } : { text, op: "entrypoint", args };
    }
    case "ENV": {
      const vars = pairs(rest);
      if (vars) return { text, op: "env", vars };
      const legacy = /^([A-Za-z_][A-Za-z0-9_]*)\s+([^"'\\$]+)$/.exec(rest);
      return legacy ? { text, op: "env", vars: [[legacy[1]!, legacy[2]!]] } : only;
    }
    case "LABEL": {
      const labels = pairs(rest);
      return labels ? { text, op: "label", labels } : only;
    }
    case "WORKDIR":
      return rest.startsWith("/") && !dockerRewrites(rest) && !/\s/.test(rest)
        ? { text, op: "workdir", path: rest }
        : only;
    case "USER":
      return isImageUser(rest) ? { text, op: "user", user: rest } : only;
    case "EXPOSE": {
      const ports = rest.split(/\s+/).map((p) => /^(\d{1,5})(?:\/(tcp|udp))?$/i.exec(p));
      if (!rest || ports.some((p) => !p || Number(p[1]) < 1 || Number(p[1]) > 65535)) return only;
      return {
        text,
        op: "expose",
        ports: ports.map((p) => ({
          port: Number(p![1]),
          protocol: p![2]?.toLowerCase() === "udp" ? ("UDP" as const) : ("TCP" as const),
        })),
      };
    }
    default:
      return only;
  }
}

/** Refuses a value that does not belong in an image (a file a shell partly runs), naming the key. */
function validate(input: ImageDockerfileInput): void {
  // Config validation checks these already; checked again here because every value below is
  // pasted into a file that a shell partly runs (RUN), whichever shell called us.
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(input.name)) {
    throw new UsageError(`image ${safeEcho(input.name)} is not a valid image name (e.g. web)`);
  }
  if (!isImageReference(input.base)) {
    throw new UsageError(`pipeline.yaml: image.base ${safeEcho(input.base)} is not an image reference`);
  }
  for (const p of input.packages) {
    if (!isPackageSpec(p))
      throw new UsageError(`pipeline.yaml: image.packages: ${safeEcho(p)} is not a package name`);
  }
  if (input.user && !isImageUser(input.user)) {
    throw new UsageError(
      `pipeline.yaml: image.user ${safeEcho(input.user)} is not a user (uid:gid or a name)`,
    );
  }
  for (const line of input.lines) {
    if (hasControlChars(line))
      throw new UsageError(`pipeline.yaml: images.${input.name}.lines: ${safeEcho(line)} must be one line`);
  }
  for (const copy of input.copies) {
    if (
      !CONTEXT_PATH.test(copy.from) ||
      copy.from.split("/").includes("..") ||
      !PATH_IN_IMAGE.test(copy.to)
    ) {
      throw new UsageError(`image ${input.name}: cannot copy ${safeEcho(copy.from)} to ${safeEcho(copy.to)}`);
    }
  }
  for (const [key, value] of Object.entries(input.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || hasControlChars(value))
      throw new UsageError(`pipeline.yaml: images.${input.name}.env.${safeEcho(key)} is not a variable`);
  }
}

/** The steps of one generated image; throws a UsageError for a value that does not belong in one. */
export function imagePlan(input: ImageDockerfileInput): ImagePlan {
  validate(input);
  const steps: ImageStep[] = [{ text: `FROM ${input.base}`, op: "from", image: input.base }];
  if (input.packages.length > 0) steps.push(packagesStep(input.base, input.packages));
  steps.push(...input.lines.map(extraLineStep));
  const env = Object.keys(input.env)
    .sort()
    .map((key): [string, string] => [key, input.env[key]!]);
  if (env.length > 0) {
    const text = `ENV ${env.map(([k, v]) => `${k}=${quote(v)}`).join(" \\\n    ")}`;
    steps.push(
      env.some(([, v]) => dockerRewrites(v)) ? { text, op: "dockerfile" } : { text, op: "env", vars: env },
    );
  }
  for (const copy of input.copies) steps.push({ text: `COPY ${copy.from} ${copy.to}`, op: "copy", ...copy });
  const labels = Object.keys(input.labels)
    .sort()
    .map((key): [string, string] => [key, input.labels[key]!]);
  if (labels.length > 0) {
    const text = `LABEL ${labels.map(([k, v]) => `${k}=${quote(v)}`).join(" \\\n      ")}`;
    steps.push(
      labels.some(([, v]) => dockerRewrites(v)) ? { text, op: "dockerfile" } : { text, op: "label", labels },
    );
  }
  steps.push({ text: `WORKDIR ${input.workdir}`, op: "workdir", path: input.workdir });
  if (input.user) steps.push({ text: `USER ${input.user}`, op: "user", user: input.user });
  if (input.entrypoint.length > 0)
    steps.push({
      text: `ENTRYPOINT [${input.entrypoint.map(quote).join(", ")}]`,
      op: "entrypoint",
      args: [...input.entrypoint],
    });
  if (input.cmd.length > 0)
    steps.push({ text: `CMD [${input.cmd.map(quote).join(", ")}]`, op: "cmd", args: [...input.cmd] });
  return {
    name: input.name,
    header: `# Generated by the release pipeline for ${input.name}; do not edit (change pipeline.yaml).`,
    steps,
  };
}

/** The Dockerfile of a plan: its header and each step's text. */
export function renderPlan(plan: ImagePlan): string {
  return `${[plan.header, ...plan.steps.map((s) => s.text)].join("\n")}\n`;
}

/** Whether the module can build the plan on a container of its platform (no step only a Dockerfile does exactly). */
export function containerBuildable(plan: ImagePlan): boolean {
  return plan.steps.every((s) => s.op !== "dockerfile");
}

/**
 * Where a COPY puts its source, as Docker does: a folder's contents at `to`; a file at `to`, or
 * inside it when `to` ends with `/`.
 */
export function copyDestination(copy: { from: string; to: string }, folder: boolean): string {
  return !folder && copy.to.endsWith("/") ? `${copy.to}${copy.from.split("/").at(-1)}` : copy.to;
}
