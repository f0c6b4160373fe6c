/**
 * The resolved config's types: what every stage reads once core/config/config.ts has validated
 * pipeline.yaml and filled in its defaults.
 */
import type { ArchiveConfig } from "./archives-section.js";
import type { GoBuildConfig } from "./go-section.js";
import type { ImageConfig } from "./images-section.js";
import type { LintConfig } from "./lint-section.js";
import type { TestConfig } from "./test-section.js";
import type { EventKind, Platform, Stage, TagFormat } from "./vocabulary.js";

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
  /** Promote only versions the gitops history shows in this environment first (prod from uat). */
  from?: string;
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
    /** Where a release's tags are copied by digest (empty: nowhere). */
    releaseRegistry: string;
    base: string;
    packages: string[];
    user: string;
    perArchTags: boolean;
    /** How a version tag becomes the image tag (core/release/names.ts). */
    tagFormat: TagFormat;
    extraTags: string[];
    insecureRegistries: string[];
  };
  /**
   * `path`: pipeline.yaml's, else the chart found (core/chart/discovery.ts); "" when the repository
   * has none (the plan leaves the chart stages out). `kubernetesVersion`: pipeline.yaml's, else the
   * lowest the chart's `kubeVersion` admits, else 1.31.0.
   */
  chart: {
    path: string;
    registry: string;
    kubernetesVersion: string;
    /** kubeconform `-schema-location` values (core/chart/schema-location.ts); empty: its default. */
    schemaLocation: string[];
    /** `app`: the chart version is the app's; `chart`: Chart.yaml's own line (core/release/chart-version.ts). */
    version: "app" | "chart";
    /** `tag`: appVersion is the image tag; `version`: the app's version without `v`. */
    appVersion: "tag" | "version";
    /** Chart.yaml's `version`, as the adapters read it; null when unknown or unread. */
    lineVersion: string | null;
  };
  environments: Record<string, EnvironmentConfig>;
  preview: { namespace: string; valuesFile: string; host: string; hostKey: string };
  rules: BranchRule[];
  latest: { strategy: "auto" | "force" | "skip"; majorMinor: boolean };
  coverage: { minimum: number };
  /** The test stage: services, commands before, race, packages (core/config/test-section.ts). */
  test: TestConfig;
  /** The branch releases are cut from: the default rule's branch, `sha-<7>` tags and chart versions. */
  defaultBranch: string;
  gitops: {
    repo: string;
    branch: string;
    path: string;
    authorName: string;
    authorEmail: string;
    /** What promotions render before they commit (core/gitops/validation.ts). */
    validate: "auto" | "repo" | "registry" | "off";
  };
  /** The lint stage: golangci-lint's version and the Go modules linted (core/config/lint-section.ts). */
  lint: LintConfig;
  versioning: {
    initial: string;
    /** Release branch globs (core/release/branches.ts). */
    releaseBranches: string[];
  };
  source: { url: string };
  /** The images a release ships (core/config/images-section.ts): configured, or one per binary. */
  images: ImageConfig[];
  /** Binary archives for the GitHub release (core/config/archives-section.ts). */
  archives: ArchiveConfig[];
}
