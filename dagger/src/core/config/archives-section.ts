/**
 * The `archives:` key of pipeline.yaml: which binaries go into the release's archives, for which
 * platforms (darwin and windows too, for CLIs), as tar.gz or zip per OS, with which extra files.
 * Its schema and its resolution live here; core/config/config.ts only plugs them in.
 */

import { DNS_LABEL, relativePathProblem, safeEcho, safeKey } from "../validate.js";
import type { Schema } from "./schema.js";
import { PLATFORMS } from "./vocabulary.js";

/** Platforms archives can be cross-compiled for: every Linux one images take, and the usual others. */
export const ARCHIVE_PLATFORMS = [
  ...PLATFORMS,
  "darwin/amd64",
  "darwin/arm64",
  "windows/amd64",
  "windows/arm64",
] as const;

/** Archive formats. */
export const ARCHIVE_FORMATS = ["tar.gz", "zip"] as const;
/** An archive format. */
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number];

/** Operating systems a format override may name. */
const ARCHIVE_OS = ["linux", "darwin", "windows"] as const;

/** One resolved `archives:` entry. */
export interface ArchiveConfig {
  /** Archive name prefix: `<name>_<version>_<os>_<arch>.<ext>`. */
  name: string;
  binaries: string[];
  platforms: string[];
  format: ArchiveFormat;
  /** Format per OS; windows is zip unless overridden. */
  formatOverrides: Record<string, ArchiveFormat>;
  /** Extra files, relative to the repo root; null: LICENSE*, README* and CHANGELOG* when present. */
  files: string[] | null;
}

/** The schema of `archives:` (docs/config.md is rendered from it). */
export const ARCHIVES_SCHEMA: Schema = {
  kind: "array",
  doc: "Binary archives for the GitHub release (`pipeline github-release`), with a SHA256SUMS file. Default: one set with every binary for `platforms`.",
  example:
    "[{ name: sample-cli, binaries: [api], platforms: [linux/amd64, darwin/arm64, windows/amd64], files: [LICENSE, README.md] }]",
  items: {
    kind: "object",
    doc: "One set of archives: the same binaries and files, one archive per platform.",
    fields: {
      name: {
        kind: "string",
        doc: "Name prefix of each archive, `<name>_<version>_<os>_<arch>.<ext>` (default: `app`).",
        example: "sample-cli",
        pattern: DNS_LABEL,
        patternHint: "a lowercase DNS label",
      },
      binaries: {
        kind: "array",
        doc: "Binaries in each archive (default: every binary).",
        example: "[api]",
        items: { kind: "string", doc: "A binary under `<go.source>/cmd`.", example: "api" },
      },
      platforms: {
        kind: "array",
        doc: "Platforms to cross-compile for (default: `platforms`).",
        example: "[linux/amd64, darwin/arm64, windows/amd64]",
        items: { kind: "enum", doc: "A platform.", values: ARCHIVE_PLATFORMS },
      },
      format: {
        kind: "enum",
        doc: "Archive format.",
        values: ARCHIVE_FORMATS,
        default: "tar.gz",
      },
      formatOverrides: {
        kind: "map",
        doc: "Format per OS (`linux`, `darwin`, `windows`); windows gets zip unless set here.",
        example: "{ darwin: zip }",
        values: { kind: "enum", doc: "An archive format.", values: ARCHIVE_FORMATS },
      },
      files: {
        kind: "array",
        doc: "Extra files from the repo root in each archive (default: LICENSE*, README* and CHANGELOG* found there).",
        example: "[LICENSE, README.md]",
        items: {
          kind: "string",
          doc: "A file, relative to the repo root.",
          example: "LICENSE",
          check: (value) => relativePathProblem(value),
        },
      },
    },
  },
};

/** Raw `archives:` entry after schema validation. */
interface RawArchive {
  name?: string;
  binaries?: string[];
  platforms?: string[];
  format?: ArchiveFormat;
  formatOverrides?: Record<string, ArchiveFormat>;
  files?: string[];
}

/**
 * Resolves validated `archives:` entries, filling defaults and checking what the schema cannot:
 * binaries that exist, OS names in overrides, and names that are unique (they name the assets).
 * Each problem (`key: what is wrong`) is added to `problems`, so the caller reports them all at once.
 */
export function resolveArchives(
  raw: readonly RawArchive[] | undefined,
  context: { app: string; binaries: readonly string[]; platforms: readonly string[] },
  problems: string[],
): ArchiveConfig[] {
  // The default archive holds every binary; a repo with none (a Dockerfile-only build) gets none.
  const entries = raw ?? (context.binaries.length > 0 ? [{}] : []);
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    const key = `archives[${i}]`;
    const name = entry.name ?? context.app;
    if (seen.has(name))
      problems.push(
        `${key}.name: ${safeEcho(name)} is used by an earlier archive; archive names must differ (example: ${context.app}-cli)`,
      );
    seen.add(name);
    const binaries = entry.binaries ?? [...context.binaries];
    binaries.forEach((binary, j) => {
      if (!context.binaries.includes(binary))
        problems.push(
          `${key}.binaries[${j}]: no such binary ${safeEcho(binary)} (found: ${context.binaries.join(", ") || "none"}) (example: ${context.binaries[0] ?? "server"})`,
        );
    });
    if (binaries.length === 0)
      problems.push(
        `${key}.binaries: an archive needs at least one binary (example: [${context.binaries[0] ?? "server"}])`,
      );
    const overrides: Record<string, ArchiveFormat> = { windows: "zip" };
    for (const [os, format] of Object.entries(entry.formatOverrides ?? {})) {
      if (!(ARCHIVE_OS as readonly string[]).includes(os)) {
        problems.push(
          `${key}.formatOverrides.${safeKey(os)}: not an OS archives are built for (${ARCHIVE_OS.join(", ")}) (example: windows)`,
        );
        continue;
      }
      overrides[os] = format;
    }
    return {
      name,
      binaries: [...new Set(binaries)],
      platforms: [...new Set(entry.platforms ?? context.platforms)],
      format: entry.format ?? "tar.gz",
      formatOverrides: overrides,
      files: entry.files ? [...new Set(entry.files)] : null,
    };
  });
}
