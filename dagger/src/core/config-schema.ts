/**
 * The schema table of pipeline.yaml: every key's type, default, example and one line of docs, and
 * the checks that keep values reaching paths, argv, Dockerfiles, commits and namespaces to a
 * grammar with nothing to interpret. core/config.ts validates with it; docs/config.md and
 * pipeline.schema.json are rendered from it.
 */
import { ARCHIVES_SCHEMA } from "./archives-config.js";
import { EVENT_KINDS, PLATFORMS, STAGES } from "./config-vocabulary.js";
import { BINARY_MAIN_SCHEMA, GO_BUILD_FIELDS } from "./go-config.js";
import { IMAGES_SCHEMA } from "./images-config.js";
import type { Schema } from "./schema.js";
import { TEST_SCHEMA } from "./test-config.js";
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
  relativePathProblem,
} from "./validate.js";

const NAME = DNS_LABEL;
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
    from: {
      kind: "string",
      doc: "Promote only a version the gitops history shows in this environment first (e.g. prod from uat).",
      example: "uat",
      pattern: NAME,
      patternHint: "an environment name",
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
        releaseRegistry: {
          kind: "string",
          doc: "Registry a release's tags are copied to by digest after publish, with no rebuild (empty: none); release candidates and other prereleases stay out.",
          example: "registry.acme.dev/releases",
          default: "",
          check: (value) =>
            value === "" || isRegistry(value)
              ? null
              : "is not a registry (lowercase host[:port][/namespace], no scheme, no spaces)",
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
          doc: "Chart directory, relative to the repo root, without `..`; default: the only chart under helm/, charts/, chart/ or deploy/ (among several, the one named after the app). With none, the chart stages (chart-lint, helm-push, promote, preview) are left out of every plan.",
          example: "helm/sample-app",
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
          doc: "Kubernetes version chart-lint checks the chart against (`helm --kube-version`, kubeconform); default: the lowest version the chart's own `kubeVersion` admits (`>=1.27.0-0` gives 1.27.0), else 1.31.0.",
          example: "1.31.0",
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
