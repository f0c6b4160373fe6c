/**
 * The `images:` key of pipeline.yaml: which images a release ships, each either generated from
 * config (binaries and files at paths in the image, like ko or a GoReleaser `dockers` entry) or
 * built from the repo's own Dockerfile at a target (like a buildx bake target). Without it, each
 * binary with `image: true` gets its own image `<app>-<binary>`, as before. Its schema and
 * resolution live here; core/config/config.ts only plugs them in.
 */

import {
  DNS_LABEL,
  hasControlChars,
  isImageReference,
  isImageUser,
  isPackageSpec,
  relativePathProblem,
  safeEcho,
  safeKey,
} from "../validate.js";
import type { Schema } from "./schema.js";

/** A binary in an image: which one, and its absolute path there. */
export interface ImageBinary {
  name: string;
  path: string;
}

/** A repo file or folder copied into an image. */
export interface ImageFile {
  /** Relative to the repo root, or to the build output for `from: "build"`. */
  source: string;
  from: "repo" | "build";
  /** Absolute path in the image. */
  path: string;
}

/** What every image has. */
interface ImageCommon {
  /** The repository name under each registry (`<registry>/<name>`). */
  name: string;
  /**
   * The chart values key holding repository, tag and optional digest (e.g. `image`); null for an
   * image shipped but not wired into the chart (`values: none`: a tool image no chart value reads),
   * which promotion, previews, deploys and chart-lint's probe leave alone.
   */
  values: string | null;
  platforms: string[];
  binaries: ImageBinary[];
}

/** An image whose Dockerfile the pipeline generates. */
export interface GeneratedImageConfig extends ImageCommon {
  kind: "generated";
  /** The default image of a binary: it also gets the build output's migrations/ (migrator) and assets/, when present. */
  extras: boolean;
  /** The file name of its generated Dockerfile. */
  dockerfileName: string;
  files: ImageFile[];
  base: string;
  packages: string[];
  /** Extra Dockerfile lines, after the packages and before the COPYs. */
  lines: string[];
  env: Record<string, string>;
  workdir: string;
  user: string;
  entrypoint: string[];
  cmd: string[];
}

/** An image built from the repo's own Dockerfile. */
export interface DockerfileImageConfig extends ImageCommon {
  kind: "dockerfile";
  /** Build context, relative to the repo root. */
  context: string;
  /** The Dockerfile, relative to the repo root, inside the context. */
  dockerfile: string;
  target: string;
  buildArgs: Record<string, string>;
}

/** One resolved image. */
export type ImageConfig = GeneratedImageConfig | DockerfileImageConfig;

const ABSOLUTE_PATH = /^\/(?:[A-Za-z0-9._@+-]+\/?)*$/;
const absolutePath = (value: string): string | null =>
  ABSOLUTE_PATH.test(value) && !value.split("/").includes("..")
    ? null
    : "is not an absolute path in the image (e.g. /app/server)";
const oneLine = (value: string): string | null =>
  hasControlChars(value) ? "must be one line without control characters" : null;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** `images.<name>.values` of an image no chart value reads. */
export const NO_VALUES = "none";

/** The images a chart reads (every image but those with `values: none`), each with its values key. */
export function chartImages<T extends { values: string | null }>(
  images: readonly T[],
): (T & { values: string })[] {
  return images.filter((i): i is T & { values: string } => i.values !== null);
}

/** A chart values key: dot-separated identifiers (`image`, `api.image`). */
export const VALUES_KEY = /^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*$/;
const stringList = (doc: string, example: string, check = oneLine): Schema => ({
  kind: "array",
  doc,
  example,
  items: { kind: "string", doc: "One item.", example: "x", check },
});

/** The schema of `images:` (docs/config.md is rendered from it). */
export const IMAGES_SCHEMA: Schema = {
  kind: "map",
  doc: "Images to ship, by repository name (`<registry>/<name>`). Default: one image `<app>-<binary>` per binary with `image: true`.",
  example:
    "{ web: { binaries: { server: /app/server, ctl: /usr/local/bin/ctl }, files: { ui: /app/ui }, values: image } }",
  values: {
    kind: "object",
    doc: "One image: generated from `binaries` and `files`, or built from `dockerfile`.",
    fields: {
      binaries: {
        kind: "map",
        doc: "Binaries in the image and their absolute paths there; with `dockerfile`, their paths in the build context.",
        example: "{ server: /app/server, ctl: /usr/local/bin/ctl }",
        values: {
          kind: "string",
          doc: "Path in the image or context.",
          example: "/app/server",
          check: oneLine,
        },
      },
      files: {
        kind: "map",
        doc: "Repo files or folders (relative to the repo root) copied to absolute paths in the image.",
        example: "{ ui: /app/ui }",
        values: { kind: "string", doc: "Path in the image.", example: "/app/ui", check: absolutePath },
      },
      workdir: {
        kind: "string",
        doc: "Working directory (default: `/app`).",
        example: "/app",
        check: absolutePath,
      },
      entrypoint: stringList(
        "Entrypoint (default: the first binary's path).",
        "[/app/server, --listen, ':8080']",
      ),
      cmd: stringList("Default arguments (CMD).", "[serve]"),
      base: {
        kind: "string",
        doc: "Base image (default: `image.base`).",
        example: "alpine:3.20",
        check: (v) => (isImageReference(v) ? null : "is not an image reference (name[:tag][@sha256:digest])"),
      },
      packages: stringList("OS packages to install (default: `image.packages`).", "[ca-certificates]", (v) =>
        isPackageSpec(v) ? null : "is not a package name",
      ),
      lines: stringList(
        "Extra Dockerfile lines, after the packages and before the binaries are copied.",
        "['RUN mkdir -p /data']",
      ),
      env: {
        kind: "map",
        doc: "Environment variables of the image.",
        example: "{ UI_DIR: /app/ui }",
        values: { kind: "string", doc: "A value.", example: "/app/ui", check: oneLine },
      },
      user: {
        kind: "string",
        doc: "User it runs as (default: `image.user`; empty: the base's).",
        example: "65532:65532",
        check: (v) => (v === "" || isImageUser(v) ? null : "is not a user (uid:gid or a name)"),
      },
      platforms: {
        kind: "array",
        doc: "Platforms (default: those all its binaries ship on, else `platforms`).",
        example: "[linux/amd64]",
        items: { kind: "string", doc: "A platform.", example: "linux/amd64" },
      },
      values: {
        kind: "string",
        doc: "Chart values key holding `repository`, `tag` and optional `digest` (default: `images.<name>`); `none` for an image that ships (built, published, signed, `latest`) but that no chart value reads, such as a tool image: promotion, previews, deploys and chart-lint's image probe leave it out.",
        example: "image",
        pattern: VALUES_KEY,
        patternHint: "a dotted values key, or none",
      },
      dockerfile: {
        kind: "string",
        doc: "Build from this Dockerfile of the repo instead (relative to the repo root, inside `context`).",
        example: "Dockerfile",
        check: (v) => relativePathProblem(v),
      },
      context: {
        kind: "string",
        doc: "Build context of `dockerfile`, relative to the repo root.",
        example: ".",
        check: (v) => (v === "." ? null : relativePathProblem(v)),
      },
      target: {
        kind: "string",
        doc: "Stage of `dockerfile` to build.",
        example: "server",
        pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
        patternHint: "a stage name",
      },
      buildArgs: {
        kind: "map",
        doc: "Build arguments of `dockerfile`.",
        example: "{ VERSION: 1.2.3 }",
        values: { kind: "string", doc: "A value.", example: "1.2.3", check: oneLine },
      },
    },
  },
};

/** What resolution needs besides `images:` itself. */
export interface ImagesContext {
  app: string;
  binaries: readonly { name: string; image: boolean; platforms: readonly string[] }[];
  platforms: readonly string[];
  image: { base: string; packages: string[]; user: string };
}

// biome-ignore lint/suspicious/noExplicitAny: the schema has just checked every key and type
type Raw = Record<string, any>;

const GENERATED_ONLY = ["files", "workdir", "entrypoint", "cmd", "base", "packages", "lines", "env", "user"];
const DOCKERFILE_ONLY = ["context", "target", "buildArgs"];

/**
 * The images of a config: `images:` resolved, or one image per binary with `image: true`. Each
 * problem (`key: what is wrong`) is added to `problems`, so the caller reports them all at once.
 */
export function resolveImages(
  raw: Record<string, Raw> | undefined,
  ctx: ImagesContext,
  problems: string[],
): ImageConfig[] {
  if (!raw || Object.keys(raw).length === 0) return defaultImages(ctx);
  const known = ctx.binaries.map((b) => b.name);
  const out: ImageConfig[] = [];
  const valuesKeys = new Map<string, string>();
  for (const [name, entry] of Object.entries(raw)) {
    const key = `images.${safeKey(name)}`;
    if (!DNS_LABEL.test(name))
      problems.push(`${key}: image names must be lowercase DNS labels (example: web)`);
    const binaries: ImageBinary[] = [];
    for (const [binary, path] of Object.entries((entry.binaries ?? {}) as Record<string, string>)) {
      if (!known.includes(binary)) {
        problems.push(
          `${key}.binaries.${safeKey(binary)}: no such binary (known: ${known.join(", ") || "none"}; declare one with go.binaries.<name>.main)`,
        );
        continue;
      }
      binaries.push({ name: binary, path });
    }
    const platforms = imagePlatforms(entry, binaries, ctx, key, problems);
    const given = (entry.values as string | undefined) ?? `images.${name}`;
    const values = given === NO_VALUES ? null : given;
    const clash = values === null ? undefined : valuesKeys.get(values);
    if (clash) problems.push(`${key}.values: ${safeEcho(values)} is already the values key of ${clash}`);
    else if (values !== null) valuesKeys.set(values, name);
    if (entry.dockerfile !== undefined) {
      for (const stray of GENERATED_ONLY.filter((k) => entry[k] !== undefined))
        problems.push(`${key}.${stray}: not used with dockerfile (the Dockerfile says it); remove it`);
      for (const { path } of binaries) {
        const problem = relativePathProblem(path);
        if (problem)
          problems.push(`${key}.binaries: ${safeEcho(path)} ${problem} (a path in the build context)`);
      }
      const context = (entry.context as string | undefined) ?? ".";
      const dockerfile = entry.dockerfile as string;
      if (context !== "." && !dockerfile.startsWith(`${context.replace(/\/+$/, "")}/`)) {
        problems.push(
          `${key}.dockerfile: ${safeEcho(dockerfile)} must be inside the context ${safeEcho(context)}`,
        );
      }
      out.push({
        kind: "dockerfile",
        name,
        values,
        platforms,
        binaries,
        context,
        dockerfile,
        target: (entry.target as string | undefined) ?? "",
        buildArgs: { ...(entry.buildArgs ?? {}) },
      });
      continue;
    }
    for (const stray of DOCKERFILE_ONLY.filter((k) => entry[k] !== undefined))
      problems.push(`${key}.${stray}: only used with dockerfile; remove it or add dockerfile`);
    for (const { path } of binaries) {
      const problem = absolutePath(path);
      if (problem) problems.push(`${key}.binaries: ${safeEcho(path)} ${problem}`);
    }
    const files: ImageFile[] = [];
    for (const [source, path] of Object.entries((entry.files ?? {}) as Record<string, string>)) {
      const problem = relativePathProblem(source);
      if (problem) {
        problems.push(
          `${key}.files.${safeKey(source)}: ${problem}; files are copied from inside the repo (example: ui)`,
        );
        continue;
      }
      files.push({ source, from: "repo", path });
    }
    // Only when nothing was given: a binary refused above has its own problem already.
    if (Object.keys(entry.binaries ?? {}).length === 0 && Object.keys(entry.files ?? {}).length === 0) {
      problems.push(
        `${key}: has neither binaries, files nor dockerfile (example: binaries: { server: /app/server })`,
      );
    }
    for (const [envName] of Object.entries(entry.env ?? {})) {
      if (!ENV_NAME.test(envName)) problems.push(`${key}.env.${safeKey(envName)}: not a variable name`);
    }
    const entrypoint = (entry.entrypoint as string[] | undefined) ?? (binaries[0] ? [binaries[0].path] : []);
    out.push({
      kind: "generated",
      extras: false,
      name,
      values,
      platforms,
      binaries,
      dockerfileName: `Dockerfile.${name}`,
      files,
      base: (entry.base as string | undefined) ?? ctx.image.base,
      packages: (entry.packages as string[] | undefined) ?? ctx.image.packages,
      lines: (entry.lines as string[] | undefined) ?? [],
      env: { ...(entry.env ?? {}) },
      workdir: (entry.workdir as string | undefined) ?? "/app",
      user: (entry.user as string | undefined) ?? ctx.image.user,
      entrypoint,
      cmd: (entry.cmd as string[] | undefined) ?? [],
    });
  }
  return out;
}

/** An image's platforms: as configured (each must be one its binaries ship on), else those all its binaries share. */
function imagePlatforms(
  entry: Raw,
  binaries: readonly ImageBinary[],
  ctx: ImagesContext,
  key: string,
  problems: string[],
): string[] {
  const shipped = (name: string) => ctx.binaries.find((b) => b.name === name)!.platforms;
  if (entry.platforms) {
    for (const platform of entry.platforms as string[]) {
      if (!ctx.platforms.includes(platform)) {
        problems.push(
          `${key}.platforms: ${safeEcho(platform)} is not in platforms (${ctx.platforms.join(", ")})`,
        );
        continue;
      }
      const missing = binaries.find((b) => !shipped(b.name).includes(platform));
      if (missing) problems.push(`${key}.platforms: ${platform} is not a platform of binary ${missing.name}`);
    }
    return [...(entry.platforms as string[])];
  }
  return ctx.platforms.filter((p) => binaries.every((b) => shipped(b.name).includes(p)));
}

/** One image `<app>-<binary>` per binary with `image: true`: the binary at /app/<binary>, its entrypoint. */
function defaultImages(ctx: ImagesContext): ImageConfig[] {
  return ctx.binaries
    .filter((b) => b.image)
    .map((b) => ({
      kind: "generated" as const,
      extras: true,
      name: `${ctx.app}-${b.name}`,
      values: `images.${b.name}`,
      platforms: [...b.platforms],
      binaries: [{ name: b.name, path: `/app/${b.name}` }],
      dockerfileName: `Dockerfile.${b.name}`,
      // migrations/ and assets/ of the build output are added by the images plan, when present.
      files: [],
      base: ctx.image.base,
      packages: ctx.image.packages,
      lines: [],
      env: {},
      workdir: "/app",
      user: ctx.image.user,
      entrypoint: [`/app/${b.name}`],
      cmd: [],
    }));
}
