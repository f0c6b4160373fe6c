/**
 * `pipeline serve`'s trust boundary, as pure rules. A commit is code someone asks the server to
 * run: it may say how it is built and tested (the build shape), never where the server deploys
 * nor with which credentials. Where to deploy is the server's own pipeline.yaml, as Argo CD and
 * Kargo take targets only from their own configuration; what repository code runs gets no deploy
 * credential, as Buildkite and Jenkins agents without them; a fork's pull request waits for a
 * deployer before anything is published or previewed, as GitHub Actions does for forks.
 */
import type { PipelineConfig, Stage } from "../config/config.js";
import type { StageSelection } from "../release/stages.js";

/** Stages that run the repository's code (its tests, build, Dockerfiles): never with credentials. */
export const REPOSITORY_CODE_STAGES: readonly Stage[] = ["lint", "test", "chart-lint", "build", "images"];

/** True when `stage` uses the server's credentials (publish, preview, promote and the release's pushes). */
export function usesCredentials(stage: Stage): boolean {
  return !REPOSITORY_CODE_STAGES.includes(stage);
}

/**
 * The keys of pipeline.yaml only the server's own copy decides, each with how to read it: where
 * images, charts and gitops changes go, under which names and tags, and what each environment
 * allows. A commit may leave them out or repeat them; one that changes them is refused.
 */
const SERVER_OWNED: readonly { key: string; read: (c: PipelineConfig) => unknown }[] = [
  { key: "app", read: (c) => c.app },
  { key: "module", read: (c) => c.module },
  { key: "image.registry", read: (c) => c.image.registry },
  { key: "image.registries", read: (c) => c.image.registries },
  { key: "image.releaseRegistry", read: (c) => c.image.releaseRegistry },
  { key: "image.insecureRegistries", read: (c) => c.image.insecureRegistries },
  { key: "image.extraTags", read: (c) => c.image.extraTags },
  { key: "image.perArchTags", read: (c) => c.image.perArchTags },
  // An image's name is a repository in the registry, its values key a path in the gitops repo.
  { key: "images (names and values keys)", read: (c) => c.images.map((i) => [i.name, i.values]) },
  { key: "chart.registry", read: (c) => c.chart.registry },
  { key: "gitops", read: (c) => c.gitops },
  { key: "preview", read: (c) => c.preview },
  { key: "latest", read: (c) => c.latest },
  { key: "versioning", read: (c) => c.versioning },
  { key: "defaultBranch", read: (c) => c.defaultBranch },
];

/** The documented list of server-owned keys (docs/security.md shows it). */
export const SERVER_OWNED_KEYS: readonly string[] = [...SERVER_OWNED.map((k) => k.key), "environments"];

/** JSON with object keys sorted, so two configs compare by value whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * The server-owned keys whose value in the commit's config differs from the server's, as key
 * paths (`gitops`, `environments.staging`); empty when the commit deploys nowhere new.
 */
export function serverOwnedDifferences(server: PipelineConfig, commit: PipelineConfig): string[] {
  const out = SERVER_OWNED.filter((k) => canonical(k.read(server)) !== canonical(k.read(commit))).map(
    (k) => k.key,
  );
  const names = [...new Set([...Object.keys(server.environments), ...Object.keys(commit.environments)])];
  for (const name of names.sort()) {
    if (canonical(server.environments[name]) !== canonical(commit.environments[name]))
      out.push(`environments.${name}`);
  }
  return out;
}

/**
 * The config a run uses: the commit's build shape (go, platforms, images' Dockerfiles, chart
 * path, test, coverage, archives, rules for the stages that run without credentials) with every
 * server-owned key taken from the server's config.
 */
export function trustedConfig(server: PipelineConfig, commit: PipelineConfig): PipelineConfig {
  const names = new Map(server.images.map((i) => [i.name, i.values]));
  return {
    ...commit,
    app: server.app,
    module: server.module,
    image: {
      ...commit.image,
      registry: server.image.registry,
      registries: server.image.registries,
      releaseRegistry: server.image.releaseRegistry,
      insecureRegistries: server.image.insecureRegistries,
      extraTags: server.image.extraTags,
      perArchTags: server.image.perArchTags,
    },
    images: commit.images.map((i) => ({ ...i, values: names.has(i.name) ? names.get(i.name)! : i.values })),
    chart: { ...commit.chart, registry: server.chart.registry },
    environments: server.environments,
    gitops: server.gitops,
    preview: server.preview,
    latest: server.latest,
    versioning: server.versioning,
    defaultBranch: server.defaultBranch,
  };
}

/** The refusal of a commit that changes server-owned keys, naming them and what to do. */
export function serverOwnedRefusal(commit: string, differences: readonly string[]): string {
  return `commit ${commit.slice(0, 12)}'s pipeline.yaml changes what only the server's own pipeline.yaml decides (${differences.join(", ")}): serve deploys only where its own configuration says, so nothing ran with a credential; change the server's pipeline.yaml and restart serve if the change is meant`;
}

/** Who a run comes from, as far as credentials go. */
export interface RunTrust {
  /** A pull request from a fork (another repository): its author may not be able to push here. */
  fork: boolean;
  /** A deployer approved this run's credentialed stages. */
  approved: boolean;
}

/** What a worker does with one stage of a build. */
export type StageGate =
  | { action: "run"; environment?: string }
  | { action: "skip"; reason: string }
  | { action: "await-approval" };

/**
 * Whether `stage` of a commit's plan runs: repository-code stages always (without credentials);
 * a credentialed stage only when the server's own rule for the event runs it too (its promotion
 * environment is the server rule's), and for a fork's pull request only once a deployer approved.
 */
export function gateStage(stage: Stage, server: StageSelection, trust: RunTrust): StageGate {
  if (!usesCredentials(stage)) return { action: "run" };
  if (!server.stages.includes(stage))
    return {
      action: "skip",
      reason: `the server's pipeline.yaml (rule ${server.rule ?? "none"}) does not run ${stage} for this event`,
    };
  if (stage === "promote" && !server.promote)
    return { action: "skip", reason: `the server's rule ${server.rule} names no environment to promote` };
  if (trust.fork && !trust.approved) return { action: "await-approval" };
  return stage === "promote" ? { action: "run", environment: server.promote } : { action: "run" };
}
