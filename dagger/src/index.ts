/**
 * A release pipeline for Go services: lint, test against PostgreSQL, chart lint, cross-compiled
 * builds, one image per binary, multi-arch publish, the latest policy, Helm chart push, gitops
 * promotion, previews and rollback. The same functions serve GitHub Actions (`dagger call`) and
 * the local loop (`npm run pipeline`).
 */
import {
  argument,
  type Container,
  type Directory,
  type File,
  func,
  object,
  type Secret,
} from "@dagger.io/dagger";
import { previewDown, previewUp } from "./adapters/gitops/preview.js";
import { promote } from "./adapters/gitops/promote.js";
import { rollback } from "./adapters/gitops/rollback.js";
import { planFor } from "./adapters/plan-source.js";
import { pushChart } from "./adapters/registry/chart-push.js";
import { updateLatest } from "./adapters/registry/latest.js";
import { mergeManifests } from "./adapters/registry/merge.js";
import { verifyArtifacts } from "./adapters/registry/verify.js";
import { chartLint, helmPackage } from "./chart.js";
import type { PipelineConfig, Platform } from "./core/config.js";
import { resolveTagType } from "./core/latest.js";
import type { Plan } from "./core/plan.js";
import { deploy, helmTest } from "./deploy.js";
import { build, lint, test } from "./go.js";
import { dockerfiles, images, publish } from "./images.js";
import { runRelease } from "./release.js";
import { containerGit, isLocalRegistry, loadModuleConfig, requireSecret } from "./source.js";

@object()
export class Pipeline {
  /** The repository: pipeline.yaml, the Go service, its chart and environments, and .git for versions. */
  source: Directory;

  constructor(
    /** The repository to ship (default: the repo the module lives in). */
    @argument({
      defaultPath: "/",
      ignore: [
        "**",
        "!pipeline.yaml",
        "!src/**",
        "!helm/**",
        "!environments/**",
        "!.git/**",
        "**/node_modules",
        "**/.out",
      ],
    })
    source: Directory,
  ) {
    this.source = source;
  }

  private async config(): Promise<PipelineConfig> {
    return loadModuleConfig(this.source);
  }

  private async planOf(
    flags: {
      ref?: string;
      sha?: string;
      pr?: number;
      event?: string;
      env?: string;
      tagType?: string;
      latestCurrent?: string;
    } = {},
  ): Promise<Plan> {
    return planFor(containerGit(this.source), await this.config(), flags, {}, new Date());
  }

  /**
   * Print the version this commit builds as.
   *
   * Example: `dagger call version --ref refs/tags/v1.2.3`
   */
  @func()
  async version(
    /** Full git ref to version (default: the checkout's tag or branch). */
    ref?: string,
  ): Promise<string> {
    return (await this.planOf({ ref })).version;
  }

  /**
   * Show what a run would do, as the plan JSON (docs/plan.md).
   *
   * Example: `dagger call plan --ref refs/pull/42/merge --pr 42`
   */
  @func()
  async plan(
    /** Full git ref (refs/heads/main, refs/tags/v1.2.3, refs/pull/42/merge). */
    ref?: string,
    /** Commit sha (default: HEAD of the source). */
    sha?: string,
    /** Pull request number. */
    pr?: number,
    /** `promotion` for a manual promotion run. */
    event?: string,
    /** Target environment of a manual promotion. */
    env?: string,
    /** annotated or lightweight, overriding git. */
    tagType?: string,
    /** The version latest points to now. */
    latestCurrent?: string,
  ): Promise<string> {
    return JSON.stringify(await this.planOf({ ref, sha, pr, event, env, tagType, latestCurrent }), null, 2);
  }

  /**
   * Lint the Go source with gofmt, go vet and golangci-lint.
   *
   * Example: `dagger call lint`
   */
  @func()
  async lint(): Promise<string> {
    return lint(this.source, await this.config());
  }

  /**
   * Run go test -race against a PostgreSQL service after the migrator, and enforce the coverage minimum.
   *
   * Example: `dagger call test`
   */
  @func()
  async test(): Promise<string> {
    return test(this.source, await this.config());
  }

  /**
   * Lint the chart and validate it for every environment with kubeconform.
   *
   * Example: `dagger call chart-lint`
   */
  @func()
  async chartLint(): Promise<string> {
    return chartLint(this.source, await this.config());
  }

  /**
   * Cross-compile every binary for every platform into `<os>-<arch>/<binary>`.
   *
   * Example: `dagger call build --platforms linux/arm64 export --path .out`
   */
  @func()
  async build(
    /** Platforms (default: platforms in pipeline.yaml; linux/arm/v7 on request). */
    platforms?: string[],
    /** Version stamped into the binaries (default: computed from git). */
    version?: string,
    /** Commit stamped into the binaries (default: HEAD). */
    commit?: string,
  ): Promise<Directory> {
    const config = await this.config();
    const plan = version && commit ? null : await this.planOf();
    return build(
      this.source,
      config,
      (platforms?.length ? platforms : config.platforms) as Platform[],
      version ?? plan!.version,
      commit ?? plan!.event.sha,
    );
  }

  /**
   * The generated Dockerfile.<binary> files.
   *
   * Example: `dagger call dockerfiles export --path .out/dockerfiles`
   */
  @func()
  async dockerfiles(): Promise<Directory> {
    const config = await this.config();
    const plan = await this.planOf();
    return dockerfiles(config, plan.annotations, true);
  }

  /**
   * Build one image per binary and platform from the generated Dockerfiles.
   *
   * Example: `dagger call images --platforms linux/amd64`
   */
  @func()
  async images(
    /** Platforms (default: platforms in pipeline.yaml). */
    platforms?: string[],
  ): Promise<Container[]> {
    const config = await this.config();
    const plan = await this.planOf();
    const targets = (platforms?.length ? platforms : config.platforms) as Platform[];
    const binaries = build(this.source, config, targets, plan.version, plan.event.sha);
    return images(
      config,
      await binaries,
      dockerfiles(config, plan.annotations, true),
      targets,
      plan.annotations,
    ).map((i) => i.container);
  }

  /**
   * Publish one multi-arch image per binary (and per-arch tags); prints the refs with digests.
   *
   * Example: `dagger call publish --registry ghcr.io/acme --username $USER --password env:GITHUB_TOKEN`
   */
  @func()
  async publish(
    /** Registry and namespace (default: image.registry); localhost registries need no credentials. */
    registry?: string,
    /** Registry username. */
    username?: string,
    /** Registry password or token. */
    password?: Secret,
    /** Tags to publish (default: the plan's tag and extra tags). */
    tags?: string[],
  ): Promise<string> {
    if (!(registry && isLocalRegistry(registry))) {
      requireSecret(password, "publish --password", "--username me --password env:GITHUB_TOKEN");
      if (!username)
        requireSecret(undefined, "publish --username", "--username me --password env:GITHUB_TOKEN");
    }
    const config = await this.config();
    const plan = await this.planOf();
    const targets = config.platforms;
    const binaries = await build(this.source, config, targets, plan.version, plan.event.sha);
    const built = images(
      config,
      binaries,
      dockerfiles(config, plan.annotations, true),
      targets,
      plan.annotations,
    );
    const refs = await publish(
      config,
      built,
      registry ?? config.image.registry,
      tags?.length ? tags : [plan.tags.image, ...plan.tags.extra],
      password && username ? { username, password } : undefined,
    );
    return refs.join("\n");
  }

  /**
   * Merge per-arch images (built on separate machines) into one multi-arch tag, moving no blobs.
   *
   * Example: `dagger call manifest-merge --target ghcr.io/acme/app-api:1.2.3 --sources ghcr.io/acme/app-api:1.2.3-amd64,ghcr.io/acme/app-api:1.2.3-arm64`
   */
  @func()
  async manifestMerge(
    /** The multi-arch ref to write. */
    target: string,
    /** The per-arch refs to merge. */
    sources: string[],
    /** Version annotation for the index. */
    version?: string,
    /** Registry username. */
    username?: string,
    /** Registry password or token. */
    password?: Secret,
  ): Promise<string> {
    const result = await mergeManifests({
      target,
      sources,
      version,
      credentials: { username, password: await password?.plaintext() },
    });
    return JSON.stringify(result, null, 2);
  }

  /**
   * Move latest (and X, X.Y when configured) to a release, only when the policy says so.
   *
   * Example: `dagger call update-latest --repository ghcr.io/acme/app-api --version 1.2.3 --password env:GITHUB_TOKEN --username me`
   */
  @func()
  async updateLatest(
    /** Image repository. */
    repository: string,
    /** The release's version (its image tag). */
    version: string,
    /** auto, force or skip (default: latest.strategy). */
    strategy?: string,
    /** annotated or lightweight (default: from the tag name). */
    tagType?: string,
    /** Decide only. */
    dryRun?: boolean,
    /** Registry username. */
    username?: string,
    /** Registry password or token. */
    password?: Secret,
  ): Promise<string> {
    const config = await this.config();
    const result = await updateLatest({
      repository,
      version,
      strategy: (strategy ?? config.latest.strategy) as "auto" | "force" | "skip",
      tagType: resolveTagType({ override: tagType, tagName: version }).type,
      majorMinor: config.latest.majorMinor,
      dryRun,
      credentials: { username, password: await password?.plaintext() },
      insecure: config.image.insecureRegistries,
    });
    return JSON.stringify(result, null, 2);
  }

  /**
   * Package the chart with a version and appVersion.
   *
   * Example: `dagger call helm-package --version 1.2.3 export --path .out/chart.tgz`
   */
  @func()
  async helmPackage(
    /** Chart version (default: the plan's). */
    version?: string,
    /** appVersion (default: the plan's image tag). */
    appVersion?: string,
  ): Promise<File> {
    const config = await this.config();
    const plan = version && appVersion ? null : await this.planOf();
    return helmPackage(
      this.source,
      config,
      version ?? plan!.chart.version,
      appVersion ?? plan!.chart.appVersion,
    );
  }

  /**
   * Push the packaged chart to the OCI chart registry.
   *
   * Example: `dagger call helm-push --registry oci://ghcr.io/acme/charts --username me --password env:GITHUB_TOKEN`
   */
  @func()
  async helmPush(
    /** oci:// registry (default: chart.registry). */
    registry?: string,
    /** Chart version (default: the plan's). */
    version?: string,
    /** Registry username. */
    username?: string,
    /** Registry password or token. */
    password?: Secret,
  ): Promise<string> {
    const config = await this.config();
    const plan = await this.planOf();
    const chart = helmPackage(this.source, config, version ?? plan.chart.version, plan.chart.appVersion);
    const bytes = Buffer.from(
      await chart.contents({ offsetLines: 0 }).catch(async () => chart.contents()),
      "binary",
    );
    const result = await pushChart({
      chart: bytes,
      target: registry ?? config.chart.registry,
      credentials: { username, password: await password?.plaintext() },
    });
    return JSON.stringify(result, null, 2);
  }

  /**
   * Check that every image exists for every platform and that the chart version exists.
   *
   * Example: `dagger call verify --image-tag 1.2.3 --chart-version 1.2.3`
   */
  @func()
  async verify(
    /** Image tag of every binary. */
    imageTag: string,
    /** Chart version that must exist. */
    chartVersion?: string,
    /** Registry username. */
    username?: string,
    /** Registry password or token. */
    password?: Secret,
  ): Promise<string> {
    const config = await this.config();
    const result = await verifyArtifacts({
      config,
      imageTag,
      chartVersion,
      credentials: { username, password: await password?.plaintext() },
    });
    if (!result.ok) throw new Error(`verify: ${result.missing.length} missing: ${result.missing.join("; ")}`);
    return JSON.stringify(result, null, 2);
  }

  /**
   * Promote a version to an environment with a commit to the gitops repo.
   *
   * Example: `dagger call promote --environment staging --image-tag sha-abc1234 --chart-version 1.2.4-sha-abc1234 --token env:GITOPS_TOKEN`
   */
  @func()
  async promote(
    /** Target environment. */
    environment: string,
    /** Image tag of every binary. */
    imageTag: string,
    /** Chart version Argo CD deploys. */
    chartVersion: string,
    /** Token for the gitops repo (and GitHub pull requests). */
    token?: Secret,
    /** Gitops repo URL (default: gitops.repo). */
    repo?: string,
    /** Promote even while the environment is frozen by a rollback. */
    force?: boolean,
  ): Promise<string> {
    const secret = requireSecret(token, "promote --token", "--token env:GITOPS_TOKEN");
    const config = await this.config();
    const plaintext = await secret.plaintext();
    const result = await promote({
      config,
      repo,
      auth: { token: plaintext },
      environment,
      imageTag,
      chartVersion,
      sourceSha: (await this.planOf()).event.sha,
      force,
      github: { token: plaintext },
    });
    return JSON.stringify(result, null, 2);
  }

  /**
   * Create or update the preview environment of a pull request.
   *
   * Example: `dagger call preview --pr 42 --image-tag pr-42-abc1234 --chart-version 0.0.0-pr-42-abc1234 --token env:GITOPS_TOKEN`
   */
  @func()
  async preview(
    /** Pull request number. */
    pr: number,
    /** Image tag. */
    imageTag: string,
    /** Chart version. */
    chartVersion: string,
    /** Token for the gitops repo. */
    token?: Secret,
    /** Gitops repo URL (default: gitops.repo). */
    repo?: string,
  ): Promise<string> {
    const secret = requireSecret(token, "preview --token", "--token env:GITOPS_TOKEN");
    const config = await this.config();
    return JSON.stringify(
      await previewUp({
        config,
        repo,
        auth: { token: await secret.plaintext() },
        pr,
        imageTag,
        chartVersion,
        now: new Date(),
      }),
      null,
      2,
    );
  }

  /**
   * Remove the preview environment of a pull request.
   *
   * Example: `dagger call preview-cleanup --pr 42 --token env:GITOPS_TOKEN`
   */
  @func()
  async previewCleanup(
    /** Pull request number. */
    pr: number,
    /** Token for the gitops repo. */
    token?: Secret,
    /** Gitops repo URL (default: gitops.repo). */
    repo?: string,
  ): Promise<string> {
    const secret = requireSecret(token, "preview-cleanup --token", "--token env:GITOPS_TOKEN");
    const config = await this.config();
    return JSON.stringify(
      await previewDown({ config, repo, auth: { token: await secret.plaintext() }, pr }),
      null,
      2,
    );
  }

  /**
   * Roll an environment back to the previous (or a given) version and freeze automatic promotion.
   *
   * Example: `dagger call rollback --environment prod --token env:GITOPS_TOKEN`
   */
  @func()
  async rollback(
    /** Environment to roll back. */
    environment: string,
    /** Token for the gitops repo. */
    token?: Secret,
    /** Version to roll back to (default: the previous one). */
    to?: string,
    /** Gitops repo URL (default: gitops.repo). */
    repo?: string,
  ): Promise<string> {
    const secret = requireSecret(token, "rollback --token", "--token env:GITOPS_TOKEN");
    const config = await this.config();
    return JSON.stringify(
      await rollback({
        config,
        repo,
        auth: { token: await secret.plaintext() },
        environment,
        to,
        now: new Date(),
      }),
      null,
      2,
    );
  }

  /**
   * Install or upgrade the release in a cluster with an environment's values, and wait for it.
   *
   * Example: `dagger call deploy --kubeconfig file:$HOME/.kube/config --environment staging --image-tag sha-abc1234`
   */
  @func()
  async deploy(
    /** Environment whose values to use (staging, uat, prod, preview). */
    environment: string,
    /** kubeconfig of the cluster. */
    kubeconfig?: Secret,
    /** Image tag (default: the plan's). */
    imageTag?: string,
  ): Promise<string> {
    const secret = requireSecret(kubeconfig, "deploy --kubeconfig", "--kubeconfig file:$HOME/.kube/config");
    const config = await this.config();
    return deploy(this.source, config, secret, environment, imageTag ?? (await this.planOf()).tags.image);
  }

  /**
   * Run the chart's helm test (the api's /readyz) against a deployed release.
   *
   * Example: `dagger call helm-test --kubeconfig file:$HOME/.kube/config --environment staging`
   */
  @func()
  async helmTest(
    /** Environment of the release. */
    environment: string,
    /** kubeconfig of the cluster. */
    kubeconfig?: Secret,
  ): Promise<string> {
    const secret = requireSecret(
      kubeconfig,
      "helm-test --kubeconfig",
      "--kubeconfig file:$HOME/.kube/config",
    );
    return helmTest(this.source, await this.config(), secret, environment);
  }

  /**
   * Run the plan's stages for this event and return a summary with each stage's duration.
   *
   * Example: `dagger call release --ref refs/heads/main --username me --password env:GITHUB_TOKEN --token env:GITOPS_TOKEN`
   */
  @func()
  async release(
    /** Full git ref of the run (default: the checkout's). */
    ref?: string,
    /** Pull request number, for pull request runs. */
    pr?: number,
    /** Registry (default: image.registry). */
    registry?: string,
    /** Registry username. */
    username?: string,
    /** Registry password or token. */
    password?: Secret,
    /** Token for the gitops repo. */
    token?: Secret,
  ): Promise<string> {
    const plan = await this.planOf({ ref, pr });
    const summary = await runRelease(plan, {
      lint: () => this.lint(),
      test: () => this.test(),
      "chart-lint": () => this.chartLint(),
      publish: () => this.publish(registry, username, password, [plan.tags.image, ...plan.tags.extra]),
      "helm-push": () => this.helmPush(undefined, plan.chart.version, username, password),
      latest: async () =>
        (
          await Promise.all(
            plan.manifests
              .filter((m) => m.ref.endsWith(`:${plan.tags.image}`))
              .map((m) =>
                this.updateLatest(
                  m.ref.slice(0, m.ref.lastIndexOf(":")),
                  plan.tags.image,
                  undefined,
                  undefined,
                  false,
                  username,
                  password,
                ),
              ),
          )
        ).join("\n"),
      promote: () =>
        this.promote(plan.promotions[0]!.environment, plan.tags.image, plan.chart.version, token),
      preview: () => this.preview(plan.event.pr!, plan.tags.image, plan.chart.version, token),
    });
    return JSON.stringify(summary, null, 2);
  }
}
