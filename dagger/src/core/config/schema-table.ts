/**
 * The schema table of pipeline.yaml: every key's type, default, example and one line of docs, and
 * the checks that keep values reaching paths, argv, Dockerfiles, commits and namespaces to a
 * grammar with nothing to interpret. core/config/config.ts validates with it; docs/config.md and
 * pipeline.schema.json are rendered from it.
 */

import { schemaLocationProblem } from "../chart/schema-location.js";
import {
  DNS_LABEL,
  hasControlChars,
  hasCredentials,
  isGitBranchName,
  isImageReference,
  isImageUser,
  isOciRegistryUrl,
  isPackageSpec,
  isRegistry,
  isRegistryHost,
  isSemver,
} from "../validate.js";
import { ARCHIVES_SCHEMA } from "./archives-section.js";
import { expect, relativePath } from "./checks.js";
import { ENVIRONMENTS_SCHEMA, GITOPS_SCHEMA, PREVIEW_SCHEMA, RULES_SCHEMA } from "./delivery-section.js";
import { BINARY_MAIN_SCHEMA, GO_BUILD_FIELDS } from "./go-section.js";
import { IMAGES_SCHEMA } from "./images-section.js";
import { LINT_SCHEMA } from "./lint-section.js";
import type { Schema } from "./schema.js";
import { TEST_SCHEMA } from "./test-section.js";
import { DEFAULT_RELEASE_BRANCHES, PLATFORMS, TAG_FORMATS } from "./vocabulary.js";

const NAME = DNS_LABEL;
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

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
      doc: "Target platforms: any `linux/<arch>` Go cross-compiles to, by its OCI name (`linux/arm/v7`, `linux/s390x`, `linux/riscv64`, `linux/ppc64le`, ...); the base image must have each (`image.base`).",
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
        tagFormat: {
          kind: "enum",
          doc: "How a version tag becomes the image tag, for release, release-candidate and prerelease tags alike: `version` drops the `v` (`v0.31.0` and `v0.32.0-rc.1` give `0.31.0` and `0.32.0-rc.1`), `tag` keeps the `v` the git tag has (`v0.31.0`, `v0.32.0-rc.1`); `auto` drops it for releases only (`0.31.0`, `v0.32.0-rc.1`).",
          values: TAG_FORMATS,
          default: "auto",
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
        version: {
          kind: "enum",
          doc: "The chart's version: `app` is the app's (a release v1.2.3 pushes chart 1.2.3); `chart` is the chart's own line, Chart.yaml's `version`, pushed when the chart folder changed since the previous release tag (whose Chart.yaml version it must be above, else the release is refused), not pushed again when it did not; branches push `<Chart.yaml version + 1 patch>-sha-<7>`. docs/adopt.md has the rules.",
          values: ["app", "chart"],
          default: "app",
        },
        appVersion: {
          kind: "enum",
          doc: "The packaged chart's `appVersion`: `tag` is the image tag (for templates defaulting the tag to `.Chart.AppVersion`); `version` is the app's version without `v` (`0.31.0`, `0.32.0-rc.1`, `1.2.4-main.5`), for templates that add the `v` themselves (`printf \"v%s\" .Chart.AppVersion`), with `image.tagFormat: tag`.",
          values: ["tag", "version"],
          default: "tag",
        },
        kubernetesVersion: {
          kind: "string",
          doc: "Kubernetes version chart-lint checks the chart against (`helm --kube-version`, kubeconform); default: the lowest version the chart's own `kubeVersion` admits (`>=1.27.0-0` gives 1.27.0), else 1.31.0.",
          example: "1.31.0",
          pattern: /^\d+\.\d+\.\d+$/,
          patternHint: "a Kubernetes version",
        },
        schemaLocation: {
          kind: "array",
          doc: "Where chart-lint's kubeconform reads the Kubernetes JSON schemas, tried in order (`-schema-location`): `default` (kubeconform's download from GitHub), an http(s) URL template, or a path in the repository such as `schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json`, for offline or air-gapped runs; empty: kubeconform's default. Through the module, `--schemas <dir>` adds a folder for one run; on the host, KUBECONFORM_SCHEMA_LOCATION.",
          example: '["schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json", default]',
          items: {
            kind: "string",
            doc: "A kubeconform schema location.",
            example:
              "https://schemas.acme.dev/k8s/{{ .NormalizedKubernetesVersion }}/{{ .ResourceKind }}{{ .KindSuffix }}.json",
            check: schemaLocationProblem,
          },
          default: [],
        },
      },
    },
    environments: ENVIRONMENTS_SCHEMA,
    preview: PREVIEW_SCHEMA,
    rules: RULES_SCHEMA,
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
    lint: LINT_SCHEMA,
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
    gitops: GITOPS_SCHEMA,
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
        releaseBranches: {
          kind: "array",
          doc: "Branch globs that are release branches (`*` within one path segment): their builds take the next version after the newest release tag on that branch (`v1.4` with v1.4.0 and v1.4.1 gives `1.4.2-v1-4.<n>`; `release-1.5` before its first tag `1.5.0-release-1-5.<n>`), run the `release-branch` default rule, and are tagged `sha-<7>`. Other branches take the newest release in the repository when HEAD does not reach it (releases cut on release branches): main after v1.4.1 on `v1.4` is `1.5.0-main.<n>`.",
          example: "[release-*, v*.*]",
          items: {
            kind: "string",
            doc: "A glob.",
            example: "release-*",
            check: expect((v: string) => !hasControlChars(v) && v.length <= 255, "a branch glob"),
          },
          default: [...DEFAULT_RELEASE_BRANCHES],
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
