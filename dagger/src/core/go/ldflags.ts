/**
 * The `go.ldflags` template: GoReleaser's field names with its meanings
 * (https://goreleaser.com/customization/templates/), filled in per build from the plan, the
 * platform and `go.env`. Only `{{.Field}}` and `{{.Env.NAME}}` are templates: no functions or
 * pipes. Dates are the run's source date (core/release/source-date.ts: SOURCE_DATE_EPOCH, else the
 * commit's time), so the same commit links the same bytes. `{{.Env.NAME}}` reads `go.env` only:
 * `dagger call` hands the module none of the caller's environment, so anything else would differ
 * between the two shells, and a secret in a binary is readable by anyone who has it.
 */
import { hasControlChars, safeEcho } from "../validate.js";

/** What a build stamps into its binaries; all but version and commit may be unknown (empty). */
export interface BuildStamp {
  /** The version without `v` (`1.2.3`, `1.2.4-main.5`). */
  version: string;
  /** The full commit sha. */
  commit: string;
  /** The source date, RFC 3339 (`{{.Date}}`, `{{.CommitDate}}`); empty when unknown. */
  date?: string;
  /** The branch built, empty for tags and pull requests. */
  branch?: string;
  /** The git tag built (`v1.2.3`), empty for branch and pull-request builds. */
  tag?: string;
  /** pipeline.yaml's `app`. */
  projectName?: string;
}

/**
 * The parts of a release plan (core/release/plan.ts) a stamp reads, spelled out rather than
 * imported: config validates ldflags with this file, and the plan is built from config.
 */
export interface StampedPlan {
  app: string;
  version: string;
  annotations: Readonly<Record<string, string>>;
  event: { sha: string; branch?: string | null; tag?: string | null };
}

/** The stamp of a run's builds, from its plan: both runners and render use it. */
export function planStamp(plan: StampedPlan): BuildStamp {
  return {
    version: plan.version,
    commit: plan.event.sha,
    date: plan.annotations["org.opencontainers.image.created"] ?? "",
    branch: plan.event.branch ?? "",
    tag: plan.event.tag ?? "",
    projectName: plan.app,
  };
}

/** Every `{{.Name}}` a template may use, with what it holds. */
export const LDFLAGS_FIELDS = {
  ProjectName: "pipeline.yaml's app",
  Version: "the version without v (1.2.3, 1.2.4-main.5)",
  RawVersion: "major.minor.patch of the version (1.2.4)",
  Major: "the version's major",
  Minor: "the version's minor",
  Patch: "the version's patch",
  Prerelease: "the version's prerelease (rc.1, main.5), empty for a release",
  Tag: "the git tag built (v1.2.3), empty for branches and pull requests",
  Branch: "the branch built, empty for tags and pull requests",
  Commit: "the full commit sha",
  FullCommit: "the full commit sha",
  ShortCommit: "the commit's first 7 hex digits",
  Date: "the source date, RFC 3339",
  CommitDate: "the source date, RFC 3339 (the commit's time unless SOURCE_DATE_EPOCH says otherwise)",
  Timestamp: "the source date, Unix seconds",
  CommitTimestamp: "the source date, Unix seconds",
  Os: "GOOS of the build",
  Arch: "GOARCH of the build",
  Arm: "GOARM of the build, empty but for arm",
} as const;

/** A template field name. */
export type LdflagsField = keyof typeof LDFLAGS_FIELDS;

const TEMPLATE = /\{\{\s*([^}]*?)\s*\}\}/g;
const ENV_FIELD = /^\.Env\.([A-Za-z_][A-Za-z0-9_]*)$/;

/** The problem with an ldflags template, or null: one line, and only the known fields and `.Env.NAME`. */
export function ldflagsProblem(value: string): string | null {
  if (hasControlChars(value)) return "must be one line without control characters";
  if (value.length > 2000) return "is longer than 2000 characters";
  for (const match of value.matchAll(TEMPLATE)) {
    const expression = match[1]!;
    if (ENV_FIELD.test(expression)) continue;
    if (!expression.startsWith(".") || !Object.hasOwn(LDFLAGS_FIELDS, expression.slice(1)))
      return `uses ${safeEcho(match[0], 40)}; the template knows ${Object.keys(LDFLAGS_FIELDS)
        .map((f) => `{{.${f}}}`)
        .join(", ")} and {{.Env.NAME}} for a NAME of go.env`;
  }
  return null;
}

/** The `{{.Env.NAME}}` names a template reads. */
export function ldflagsEnvNames(template: string): string[] {
  return [...template.matchAll(TEMPLATE)].flatMap((m) => {
    const env = ENV_FIELD.exec(m[1]!);
    return env ? [env[1]!] : [];
  });
}

/** The values of every field for one build: the stamp, the platform (`linux/arm/v7`) and `go.env`. */
export function ldflagsValues(stamp: BuildStamp, platform: string): Record<LdflagsField, string> {
  const [os = "linux", arch = "amd64", variant = ""] = platform.split("/");
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([^+]*))?/.exec(stamp.version);
  const epoch = stamp.date ? Date.parse(stamp.date) : Number.NaN;
  const seconds = Number.isFinite(epoch) ? String(Math.floor(epoch / 1000)) : "";
  return {
    ProjectName: stamp.projectName ?? "",
    Version: stamp.version,
    RawVersion: m ? `${m[1]}.${m[2]}.${m[3]}` : stamp.version,
    Major: m?.[1] ?? "",
    Minor: m?.[2] ?? "",
    Patch: m?.[3] ?? "",
    Prerelease: m?.[4] ?? "",
    Tag: stamp.tag ?? "",
    Branch: stamp.branch ?? "",
    Commit: stamp.commit,
    FullCommit: stamp.commit,
    ShortCommit: stamp.commit.slice(0, 7),
    Date: stamp.date ?? "",
    CommitDate: stamp.date ?? "",
    Timestamp: seconds,
    CommitTimestamp: seconds,
    Os: os,
    Arch: arch,
    Arm: arch === "arm" ? variant.replace(/^v/, "") || "7" : "",
  };
}

/**
 * Fills an `-ldflags` template for one build. A field left unknown stays as written (config
 * validation refuses those); `{{.Env.NAME}}` takes `env`'s value (go.env), empty when absent.
 */
export function renderLdflags(
  template: string,
  stamp: BuildStamp,
  platform = "linux/amd64",
  env: Readonly<Record<string, string>> = {},
): string {
  const values: Record<string, string> = ldflagsValues(stamp, platform);
  return template.replace(TEMPLATE, (whole, expression: string) => {
    const name = ENV_FIELD.exec(expression)?.[1];
    if (name !== undefined) return Object.hasOwn(env, name) ? env[name]! : "";
    return expression.startsWith(".") && Object.hasOwn(values, expression.slice(1))
      ? values[expression.slice(1)]!
      : whole;
  });
}
