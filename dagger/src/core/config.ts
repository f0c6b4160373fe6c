/**
 * pipeline.yaml: the schema (types, defaults, docs) and the pure resolution of a parsed file into a
 * typed {@link PipelineConfig}. Reading the file and listing `cmd/*` are the adapter's job
 * (adapters/config-file.ts); this module only decides.
 */

import { ARCHIVES_SCHEMA, type ArchiveConfig, resolveArchives } from "./archives-config.js";
import { UsageError } from "./errors.js";
import {
  BINARY_MAIN_SCHEMA,
  defaultMain,
  GO_BUILD_FIELDS,
  type GoBuildConfig,
  resolveGoBuild,
} from "./go-config.js";
import { IMAGES_SCHEMA, type ImageConfig, resolveImages } from "./images-config.js";
import { describeIssues, type Schema, SchemaError, validateAll } from "./schema.js";
import { resolveTest, TEST_SCHEMA, type TestConfig } from "./test-config.js";
import {
  DNS_LABEL,
  hasControlChars,
  hasCredentials,
  isAuthorName,
  isEmail,
  isGitBranchName,
  isImageReference,
  isImageUser,
  isOciRegistryUrl,
  isPackageSpec,
  isRegistry,
  isRegistryHost,
  isSemver,
  redactUrl,
  relativePathProblem,
  safeEcho,
  safeKey,
} from "./validate.js";

/** Every stage a run can contain, in the order a full release runs them. */
export const STAGES = [
  "lint",
  "test",
  "chart-lint",
  "build",
  "images",
  "publish",
  "manifests",
  "helm-push",
  "latest",
  "release-notes",
  "preview",
  "promote",
] as const;
/** A stage name. */
export type Stage = (typeof STAGES)[number];

/** The kinds of run context the event classifier knows. */
export const EVENT_KINDS = [
  "branch",
  "pull-request",
  "release-tag",
  "rc-tag",
  "prerelease-tag",
  "promotion",
] as const;
/** An event kind. */
export type EventKind = (typeof EVENT_KINDS)[number];

/** Platforms the Go toolchain can cross-compile to and images can be built for. */
export const PLATFORMS = ["linux/amd64", "linux/arm64", "linux/arm/v7"] as const;
/** A supported platform. */
export type Platform = (typeof PLATFORMS)[number];

/** One branch rule: when it matches, which stages run, and which environment is promoted. */
export interface BranchRule {
  name: string;
  /** Event kinds this rule applies to (empty: any). */
  events: EventKind[];
  /** Branch globs (`feat/*`); only for branch events; empty: any branch. */
  branches: string[];
  stages: Stage[];
  /** Environment the run promotes to, when the rule has a promote stage. */
  promote?: string;
}

/** Per-environment promotion settings. */
export interface EnvironmentConfig {
  namespace: string;
  /** `auto`: CI promotes on its event; `manual`: only `pipeline promote` by a person or an approved workflow. */
  promotion: "auto" | "manual";
  /** Refuse to promote unless every image and the chart exist in the registries (`pipeline verify`). */
  verify: boolean;
  /** Open a pull request on the gitops repo instead of pushing to its branch. */
  pullRequest: boolean;
  /** Pin images by digest rather than tag in the environment's values. */
  pinDigest: boolean;
}

/** Per-binary overrides. */
export interface BinaryConfig {
  name: string;
  /** Build an image for this binary. */
  image: boolean;
  platforms: Platform[];
  /** The package to build, relative to go.source (default `./cmd/<name>`). */
  main: string;
}

/** The resolved configuration every stage reads. */
export interface PipelineConfig {
  /** The file it was read from, for messages. */
  file: string;
  app: string;
  /** The Dagger module stage commands call (`dagger call -m`); empty: the module this CLI ships in. */
  module: string;
  go: { source: string; version: string; ldflagsPackage: string } & GoBuildConfig;
  binaries: BinaryConfig[];
  platforms: Platform[];
  image: {
    registry: string;
    /** Every registry publish pushes the same digests to (default: `[registry]`). */
    registries: string[];
    base: string;
    packages: string[];
    user: string;
    perArchTags: boolean;
    extraTags: string[];
    insecureRegistries: string[];
  };
  chart: { path: string; registry: string; kubernetesVersion: string };
  environments: Record<string, EnvironmentConfig>;
  preview: { namespace: string; valuesFile: string; host: string; hostKey: string };
  rules: BranchRule[];
  latest: { strategy: "auto" | "force" | "skip"; majorMinor: boolean };
  coverage: { minimum: number };
  /** The test stage: services, commands before, race, packages (core/test-config.ts). */
  test: TestConfig;
  /** The branch releases are cut from: the default rule's branch, `sha-<7>` tags and chart versions. */
  defaultBranch: string;
  gitops: { repo: string; branch: string; path: string; authorName: string; authorEmail: string };
  versioning: { initial: string };
  source: { url: string };
  /** The images a release ships (core/images-config.ts): configured, or one per binary. */
  images: ImageConfig[];
  /** Binary archives for the GitHub release (core/archives-config.ts). */
  archives: ArchiveConfig[];
}

const NAME = DNS_LABEL;
/** Binary names become image names (`<app>-<binary>`): one lowercase path component. */
const BINARY_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+){0,31}$/;
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

// Checks for string keys: each returns the problem in words, or null. They keep values that reach
// paths, argv, Dockerfiles, commits and namespaces to a grammar with nothing to interpret.
const relativePath = (value: string): string | null => relativePathProblem(value);
const optionalRelativePath = (value: string): string | null => relativePathProblem(value, true);
const expect =
  (test: (value: string) => boolean, what: string) =>
  (value: string): string | null =>
    test(value) ? null : `is not ${what}`;
const oneLine = (max: number) => (value: string) =>
  hasControlChars(value)
    ? "must be one line without control characters"
    : value.length > max
      ? `is longer than ${max} characters`
      : null;

/**
 * gitops.repo: a clone URL or a local path, without credentials (they come from GITOPS_TOKEN via
 * askpass), without a leading `-` (git would read an option) and without git's `ext::`/`fd::`
 * transports, which run commands.
 */
function gitopsRepoProblem(value: string): string | null {
  if (value === "") return null;
  if (hasControlChars(value) || /\s/.test(value)) return "must not contain spaces or control characters";
  if (value.startsWith("-")) return "must not start with -";
  if (/^(ext|fd)::/i.test(value)) return "uses a git transport that runs commands; use https:// or ssh://";
  if (value.length > 1000) return "is longer than 1000 characters";
  return null;
}

/** source.url: an http(s) URL on one line, without credentials. */
function sourceUrlProblem(value: string): string | null {
  if (value === "") return null;
  if (hasControlChars(value) || /\s/.test(value)) return "must not contain spaces or control characters";
  if (!/^https?:\/\/[^/?#]+/i.test(value)) return "is not an http(s) URL";
  if (hasCredentials(value)) return "must not carry credentials";
  return value.length > 500 ? "is longer than 500 characters" : null;
}

/** module: a git ref or path handed to `dagger -m` as one argument: no spaces, no leading `-`. */
function moduleRefProblem(value: string): string | null {
  if (value === "") return null;
  if (hasControlChars(value) || /\s/.test(value)) return "must not contain spaces or control characters";
  if (value.startsWith("-")) return "must not start with -";
  if (hasCredentials(value)) return "must not carry credentials";
  return value.length > 500 ? "is longer than 500 characters" : null;
}

/** preview.namespace: with `{pr}` filled in, a DNS label for any pull request number. */
function previewTemplateProblem(value: string): string | null {
  const longest = value.replaceAll("{pr}", "9007199254740991");
  return DNS_LABEL.test(value.replaceAll("{pr}", "1")) && longest.length <= 63
    ? null
    : "does not give a DNS label (lowercase letters, digits and -, at most 63 with a 16-digit number)";
}

/** preview.host: empty, or with `{pr}` filled in, a DNS name for any pull request number. */
function previewHostProblem(value: string): string | null {
  if (value === "") return null;
  const longest = value.replaceAll("{pr}", "9007199254740991");
  return longest.length <= 253 &&
    value
      .replaceAll("{pr}", "1")
      .split(".")
      .every((l) => DNS_LABEL.test(l))
    ? null
    : "does not give a host name (lowercase DNS labels joined by dots, e.g. pr-{pr}.preview.example.com)";
}

const stageSchema: Schema = { kind: "enum", doc: "A stage name.", values: STAGES };

/**
 * The default branch rules for a default branch other than `main`: the `main` rule matches it
 * and is named after it.
 */
export function defaultRules(defaultBranch: string): BranchRule[] {
  return structuredClone(DEFAULT_RULES).map((rule) =>
    rule.name === "main" ? { ...rule, name: defaultBranch, branches: [defaultBranch] } : rule,
  );
}

/** The default branch rules (issue #3): feature branches, pull requests, main, rc tags, releases, prod. */
export const DEFAULT_RULES: BranchRule[] = [
  {
    name: "pull-request",
    events: ["pull-request"],
    branches: [],
    stages: ["lint", "test", "chart-lint", "build", "images", "publish", "helm-push", "preview"],
  },
  {
    name: "main",
    events: ["branch"],
    branches: ["main"],
    stages: ["lint", "test", "chart-lint", "build", "images", "publish", "helm-push", "promote"],
    promote: "staging",
  },
  {
    name: "feature",
    events: ["branch"],
    branches: ["fix/*", "feat/*", "test/*", "chore/*"],
    stages: ["lint", "test"],
  },
  {
    name: "release-candidate",
    events: ["rc-tag"],
    branches: [],
    stages: ["lint", "test", "chart-lint", "build", "images", "publish", "helm-push", "promote"],
    promote: "uat",
  },
  {
    name: "release",
    events: ["release-tag"],
    branches: [],
    stages: [
      "lint",
      "test",
      "chart-lint",
      "build",
      "images",
      "publish",
      "helm-push",
      "latest",
      "release-notes",
    ],
  },
  {
    name: "prerelease",
    events: ["prerelease-tag"],
    branches: [],
    stages: ["lint", "test", "chart-lint", "build", "images", "publish", "helm-push"],
  },
  { name: "prod", events: ["promotion"], branches: [], stages: ["promote"], promote: "prod" },
];

const environmentSchema: Schema = {
  kind: "object",
  doc: "One environment.",
  fields: {
    namespace: {
      kind: "string",
      doc: "Kubernetes namespace (default: `<app>-<environment>`).",
      example: "sample-app-staging",
      pattern: NAME,
      patternHint: "a DNS label",
    },
    promotion: {
      kind: "enum",
      doc: "`auto`: CI promotes on its event; `manual`: only an explicit `pipeline promote`.",
      values: ["auto", "manual"],
      default: "auto",
    },
    verify: {
      kind: "boolean",
      doc: "Refuse to promote unless every image and the chart exist (`pipeline verify`).",
      example: "true",
      default: false,
    },
    pullRequest: {
      kind: "boolean",
      doc: "Open a pull request on the gitops repo instead of pushing.",
      example: "true",
      default: false,
    },
    pinDigest: {
      kind: "boolean",
      doc: "Pin images by digest in the environment's values.",
      example: "true",
      default: false,
    },
  },
};

/** The schema of pipeline.yaml; docs/config.md is rendered from it. */
export const CONFIG_SCHEMA: Schema = {
  kind: "object",
  doc: "pipeline.yaml",
  required: ["app"],
  fields: {
    app: {
      kind: "string",
      doc: "Application name (a DNS label of at most 53 characters): images are `<registry>/<app>-<binary>`, the Helm release and gitops files use it.",
      example: "sample-app",
      pattern: NAME,
      patternHint: "a lowercase DNS label",
      maxLength: 53,
    },
    module: {
      kind: "string",
      doc: "The Dagger module the CLI's stage commands call with `dagger call -m` (a git ref such as `github.com/acme/pipeline@v1.4.0`, or a local path); empty: the module this CLI ships in.",
      example: "github.com/acme/pipeline@v1.4.0",
      default: "",
      check: moduleRefProblem,
    },
    go: {
      kind: "object",
      doc: "The Go module to build.",
      fields: {
        source: {
          kind: "string",
          doc: "Directory of the Go module (holds go.mod and cmd/*), relative to the repo root, without `..`.",
          example: "src",
          default: "src",
          check: relativePath,
        },
        version: {
          kind: "string",
          doc: "Go toolchain version (the golang image tag).",
          example: "1.26",
          default: "1.26",
          pattern: /^\d+\.\d+(\.\d+)?$/,
          patternHint: "a Go version",
        },
        ldflagsPackage: {
          kind: "string",
          doc: "Package whose `version` and `commit` variables receive `-X` at link time.",
          example: "main",
          default: "main",
          pattern: /^[A-Za-z0-9_~-]+(?:[./][A-Za-z0-9_~-]+)*$/,
          patternHint: "a Go package path",
          maxLength: 200,
        },
        binaries: {
          kind: "map",
          doc: "Per-binary overrides; binaries are discovered from `<source>/cmd/*`, and one elsewhere is declared here with its `main`.",
          example: "{ worker: { platforms: [linux/amd64] } }",
          values: {
            kind: "object",
            doc: "Overrides for one binary.",
            fields: {
              image: { kind: "boolean", doc: "Build an image for this binary.", example: "false" },
              main: BINARY_MAIN_SCHEMA,
              platforms: {
                kind: "array",
                doc: "Platforms for this binary (default: `platforms`).",
                example: "[linux/amd64]",
                items: { kind: "enum", doc: "A platform.", values: PLATFORMS },
              },
            },
          },
        },
        ...GO_BUILD_FIELDS,
      },
    },
    platforms: {
      kind: "array",
      doc: "Target platforms; add `linux/arm/v7` on request.",
      example: "[linux/amd64, linux/arm64]",
      items: { kind: "enum", doc: "A platform.", values: PLATFORMS },
      default: ["linux/amd64", "linux/arm64"],
    },
    image: {
      kind: "object",
      doc: "Container images.",
      fields: {
        registry: {
          kind: "string",
          doc: "Registry and namespace images are pushed to (lowercase `host[:port][/namespace]`, no scheme).",
          example: "ghcr.io/acme",
          default: "localhost:5001",
          check: expect(isRegistry, "a registry (lowercase host[:port][/namespace], no scheme, no spaces)"),
        },
        registries: {
          kind: "array",
          doc: "Registries publish pushes the same digests to, in order (default: `[registry]`); `--registry` picks one.",
          example: "[ghcr.io/acme, registry.acme.dev/team]",
          items: {
            kind: "string",
            doc: "A registry.",
            example: "ghcr.io/acme",
            check: expect(isRegistry, "a registry (lowercase host[:port][/namespace], no scheme, no spaces)"),
          },
          default: [],
        },
        base: {
          kind: "string",
          doc: "Base image of every generated Dockerfile (an image reference: no spaces or shell characters).",
          example: "gcr.io/distroless/static-debian12:nonroot",
          default: "gcr.io/distroless/static-debian12:nonroot",
          check: expect(isImageReference, "an image reference (name[:tag][@sha256:digest], no spaces)"),
        },
        packages: {
          kind: "array",
          doc: "Extra OS packages to install (the base must have apk or apt-get).",
          example: "[ca-certificates, tzdata]",
          items: {
            kind: "string",
            doc: "A package.",
            example: "tzdata",
            check: expect(isPackageSpec, "a package name (letters, digits and + . _ : = ~ -)"),
          },
          default: [],
        },
        user: {
          kind: "string",
          doc: "User the image runs as; empty when the base has no non-root user.",
          example: "65532:65532",
          default: "65532:65532",
          check: (value) => (value === "" || isImageUser(value) ? null : "is not a user (uid:gid or a name)"),
        },
        perArchTags: {
          kind: "boolean",
          doc: "Also push `<tag>-<arch>` per platform.",
          example: "true",
          default: true,
        },
        extraTags: {
          kind: "array",
          doc: "Extra tags on every build: `sha` adds `sha-<7 hex>`.",
          example: "[sha]",
          items: { kind: "enum", doc: "An extra tag kind.", values: ["sha"] },
          default: ["sha"],
        },
        insecureRegistries: {
          kind: "array",
          doc: "Registries reached over plain HTTP besides localhost and 127.0.0.1.",
          example: "[registry.lan:5000]",
          items: {
            kind: "string",
            doc: "host:port",
            example: "registry.lan:5000",
            check: expect(isRegistryHost, "a registry host (lowercase host[:port])"),
          },
          default: [],
        },
      },
    },
    chart: {
      kind: "object",
      doc: "The Helm chart.",
      fields: {
        path: {
          kind: "string",
          doc: "Chart directory, relative to the repo root, without `..`.",
          example: "helm/sample-app",
          default: "helm/sample-app",
          check: relativePath,
        },
        registry: {
          kind: "string",
          doc: "OCI registry the chart is pushed to.",
          example: "oci://ghcr.io/acme/charts",
          default: "oci://localhost:5001/charts",
          check: expect(isOciRegistryUrl, "an oci:// URL (oci://lowercase-host[:port]/path)"),
        },
        kubernetesVersion: {
          kind: "string",
          doc: "Kubernetes version manifests are validated against (kubeconform).",
          example: "1.31.0",
          default: "1.31.0",
          pattern: /^\d+\.\d+\.\d+$/,
          patternHint: "a Kubernetes version",
        },
      },
    },
    environments: {
      kind: "map",
      doc: "Environments promotion can target (preview is separate).",
      example: "{ staging: {}, prod: { promotion: manual, verify: true } }",
      values: environmentSchema,
      default: { staging: {}, uat: {}, prod: { promotion: "manual", verify: true } },
    },
    preview: {
      kind: "object",
      doc: "Preview environments, one per pull request.",
      fields: {
        namespace: {
          kind: "string",
          doc: "Namespace template; `{pr}` is the pull request number.",
          example: "preview-{pr}",
          default: "preview-{pr}",
          pattern: /\{pr\}/,
          patternHint: "a template containing {pr}",
          check: previewTemplateProblem,
        },
        valuesFile: {
          kind: "string",
          doc: "Values shared by every preview, in the gitops repo (a relative path without `..`).",
          example: "environments/preview.yaml",
          default: "environments/preview.yaml",
          check: relativePath,
        },
        host: {
          kind: "string",
          doc: "Host template of a preview's URL; `{pr}` is the pull request number. Written into the preview's values (`hostKey`) and the plan, which the PR comment shows. Empty: no URL.",
          example: "pr-{pr}.preview.example.com",
          default: "",
          check: previewHostProblem,
        },
        hostKey: {
          kind: "string",
          doc: "Chart values key the preview host is written to (helm --set syntax, e.g. `ingress.hosts[0].host`).",
          example: "ingress.host",
          default: "ingress.host",
          pattern: /^[A-Za-z_][A-Za-z0-9_-]*(?:\[\d{1,3}\])?(?:\.[A-Za-z_][A-Za-z0-9_-]*(?:\[\d{1,3}\])?)*$/,
          patternHint: "a dotted values key",
        },
      },
    },
    rules: {
      kind: "array",
      doc: "Ordered branch rules; the first that matches decides the stages. Default: the rules in docs/config.md.",
      example: "[{ name: staging, branches: [staging], stages: [lint, test, build, manifests] }]",
      items: {
        kind: "object",
        doc: "One rule.",
        required: ["name", "stages"],
        fields: {
          name: {
            kind: "string",
            doc: "Rule name, shown in plans.",
            example: "main",
            check: oneLine(63),
          },
          events: {
            kind: "array",
            doc: "Event kinds it matches (empty: all).",
            example: "[branch]",
            items: { kind: "enum", doc: "An event kind.", values: EVENT_KINDS },
            default: [],
          },
          branches: {
            kind: "array",
            doc: "Branch globs it matches, for branch events.",
            example: "[main, release/*]",
            items: { kind: "string", doc: "A glob.", example: "feat/*", check: oneLine(255) },
            default: [],
          },
          stages: { kind: "array", doc: "Stages to run.", example: "[lint, test]", items: stageSchema },
          promote: {
            kind: "string",
            doc: "Environment the promote stage targets.",
            example: "staging",
            pattern: NAME,
            patternHint: "an environment name",
          },
        },
      },
    },
    latest: {
      kind: "object",
      doc: "The `latest` tag policy.",
      fields: {
        strategy: {
          kind: "enum",
          doc: "`auto`: move only for an annotated release newer than `latest`; `force`: always; `skip`: never.",
          values: ["auto", "force", "skip"],
          default: "auto",
        },
        majorMinor: {
          kind: "boolean",
          doc: "Also move `X` and `X.Y` the same way.",
          example: "true",
          default: false,
        },
      },
    },
    defaultBranch: {
      kind: "string",
      doc: "The branch releases are cut from; the default rules promote it to staging (default: origin/HEAD of the checkout, else `main`).",
      example: "master",
      check: expect(isGitBranchName, "a git branch name"),
    },
    test: TEST_SCHEMA,
    coverage: {
      kind: "object",
      doc: "Test coverage gate.",
      fields: {
        minimum: {
          kind: "number",
          doc: "Minimum total statement coverage, in percent.",
          example: "70",
          default: 60,
          min: 0,
          max: 100,
        },
      },
    },
    gitops: {
      kind: "object",
      doc: "The gitops-config repository promotions commit to.",
      fields: {
        repo: {
          kind: "string",
          doc: "Clone URL or local path of the gitops repository; no credentials in the URL (the token comes from GITOPS_TOKEN).",
          example: "https://github.com/acme/gitops-config.git",
          default: "",
          check: gitopsRepoProblem,
        },
        branch: {
          kind: "string",
          doc: "Branch Argo CD syncs from.",
          example: "main",
          default: "main",
          check: expect(isGitBranchName, "a git branch name"),
        },
        path: {
          kind: "string",
          doc: "Folder of this app in the gitops repo, relative, without `..` (empty: the repo root; set it when apps share a repo).",
          example: "sample-app",
          default: "",
          pattern: /^$|^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/,
          patternHint: "a relative folder path",
          check: optionalRelativePath,
        },
        authorName: {
          kind: "string",
          doc: "Commit author name.",
          example: "release-bot",
          default: "pipeline-bot",
          check: expect(isAuthorName, "an author name (one line, no < or >, at most 100)"),
        },
        authorEmail: {
          kind: "string",
          doc: "Commit author email.",
          example: "release-bot@acme.dev",
          default: "pipeline-bot@users.noreply.github.com",
          check: expect(isEmail, "an email address on one line"),
        },
      },
    },
    versioning: {
      kind: "object",
      doc: "Versions computed from git.",
      fields: {
        initial: {
          kind: "string",
          doc: "Version when no release tag exists yet.",
          example: "0.1.0",
          default: "0.1.0",
          pattern: SEMVER,
          patternHint: "a semantic version",
          check: expect(isSemver, "a semantic version"),
        },
      },
    },
    images: IMAGES_SCHEMA,
    archives: ARCHIVES_SCHEMA,
    source: {
      kind: "object",
      doc: "Where the source lives, for OCI annotations and links.",
      fields: {
        url: {
          kind: "string",
          doc: "Source repository URL (org.opencontainers.image.source).",
          example: "https://github.com/acme/sample-app",
          default: "",
          check: sourceUrlProblem,
        },
      },
    },
  },
};

// biome-ignore lint/suspicious/noExplicitAny: the schema has just checked every key and type
type Validated = Record<string, any>;

interface RawBinary {
  image?: boolean;
  main?: string;
  platforms?: Platform[];
}

/** gitops.repo as written, before validation, when it is a string. */
function rawGitopsRepo(raw: unknown): string | undefined {
  if (!raw || typeof raw !== "object" || !Object.hasOwn(raw, "gitops")) return undefined;
  const gitops = (raw as { gitops: unknown }).gitops;
  if (!gitops || typeof gitops !== "object" || !Object.hasOwn(gitops, "repo")) return undefined;
  const repo = (gitops as { repo: unknown }).repo;
  return typeof repo === "string" ? repo : undefined;
}

/**
 * Resolves a parsed pipeline.yaml into a typed config with every default filled in.
 * `discoveredBinaries` are the directory names under `<go.source>/cmd`.
 * Throws {@link UsageError} naming the file, the key path, the problem and an example.
 */
export function resolveConfig(
  raw: unknown,
  file: string,
  discoveredBinaries: readonly string[],
  detected: { defaultBranch?: string } = {},
): PipelineConfig {
  let v: Validated;
  const repo = rawGitopsRepo(raw);
  if (repo !== undefined && hasCredentials(repo)) {
    // Before anything else, so no later message can repeat the URL with its credentials.
    throw new UsageError(
      `${file}: gitops.repo: ${safeEcho(redactUrl(repo))} must not carry credentials (remove "user:password@"; the token comes from GITOPS_TOKEN)`,
    );
  }
  const checked = validateAll(CONFIG_SCHEMA, raw ?? {});
  if (checked.issues.length > 0) {
    // Every problem at once, so a user fixes the file in one pass.
    throw new UsageError(`${file}: ${describeIssues(checked.issues)}`, {
      cause: new SchemaError(checked.issues[0]!),
    });
  }
  v = checked.value as Validated;
  for (const name of discoveredBinaries) {
    if (!BINARY_NAME.test(name)) {
      throw new UsageError(
        `${file}: ${v.go.source}/cmd/${safeKey(name)}: binary folder names become image names and must be lowercase letters, digits and . _ - (rename it, e.g. cmd/server)`,
      );
    }
  }
  const platforms = v.platforms as Platform[];
  const overrides = (v.go.binaries ?? Object.create(null)) as Record<string, RawBinary>;
  for (const name of Object.keys(overrides)) {
    if (overrides[name]!.main !== undefined) {
      if (!BINARY_NAME.test(name)) {
        throw new UsageError(
          `${file}: go.binaries.${safeKey(name)}: binary names become file and image names and must be lowercase letters, digits and . _ - (example: server)`,
        );
      }
    } else if (!discoveredBinaries.includes(name)) {
      throw new UsageError(
        `${file}: go.binaries.${safeKey(name)}: no such binary under ${v.go.source}/cmd (found: ${discoveredBinaries.join(", ") || "none"}); a binary elsewhere needs its main, e.g. main: ./tools/${safeKey(name)}`,
      );
    }
  }
  const binaryNames = [...new Set([...discoveredBinaries, ...Object.keys(overrides)])].sort();
  // Null prototype: `--env constructor` must find nothing, not Object.prototype.constructor.
  const environments: Record<string, EnvironmentConfig> = Object.create(null);
  for (const [name, env] of Object.entries(v.environments as Record<string, Partial<EnvironmentConfig>>)) {
    if (!NAME.test(name)) {
      throw new UsageError(
        `${file}: environments.${safeKey(name)}: environment names must be lowercase DNS labels (example: staging)`,
      );
    }
    const namespace = env.namespace ?? `${v.app}-${name}`;
    if (!NAME.test(namespace)) {
      throw new UsageError(
        `${file}: environments.${name}.namespace: the default ${safeEcho(namespace)} is longer than a DNS label's 63 characters (set a shorter namespace, example: ${name})`,
      );
    }
    environments[name] = {
      namespace,
      promotion: env.promotion ?? "auto",
      verify: env.verify ?? false,
      pullRequest: env.pullRequest ?? false,
      pinDigest: env.pinDigest ?? false,
    };
  }
  // A detected branch is only a hint: one git would refuse falls back to main.
  const detectedBranch = isGitBranchName(detected.defaultBranch) ? detected.defaultBranch : undefined;
  const defaultBranch: string = v.defaultBranch ?? detectedBranch ?? "main";
  const rules = (v.rules as BranchRule[] | undefined) ?? defaultRules(defaultBranch);
  rules.forEach((rule, i) => {
    if (rule.stages.includes("promote") && !rule.promote) {
      throw new UsageError(
        `${file}: rules[${i}].promote: a rule with the promote stage must name its environment (example: staging)`,
      );
    }
    if (rule.promote && !environments[rule.promote]) {
      throw new UsageError(
        `${file}: rules[${i}].promote: unknown environment ${safeEcho(rule.promote)}; known: ${Object.keys(environments).join(", ")} (example: staging)`,
      );
    }
  });
  return {
    file,
    app: v.app,
    module: v.module,
    go: {
      source: v.go.source,
      version: v.go.version,
      ldflagsPackage: v.go.ldflagsPackage,
      ...resolveGoBuild(v.go, file),
    },
    binaries: binaryNames.map((name) => ({
      name,
      image: overrides[name]?.image ?? true,
      platforms: overrides[name]?.platforms ?? platforms,
      main: overrides[name]?.main ?? defaultMain(name),
    })),
    platforms,
    image: { ...v.image, registries: v.image.registries.length ? v.image.registries : [v.image.registry] },
    images: resolveImages(v.images, {
      file,
      app: v.app,
      binaries: binaryNames.map((name) => ({
        name,
        image: overrides[name]?.image ?? true,
        platforms: overrides[name]?.platforms ?? platforms,
      })),
      platforms,
      image: v.image,
    }),
    chart: v.chart,
    environments,
    preview: v.preview,
    rules,
    latest: v.latest,
    coverage: v.coverage,
    test: resolveTest(v.test, file),
    defaultBranch,
    gitops: v.gitops,
    versioning: v.versioning,
    source: v.source,
    archives: resolveArchives(v.archives, {
      file,
      app: v.app,
      binaries: binaryNames,
      platforms,
    }),
  };
}
