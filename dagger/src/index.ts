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
  dag,
  type File,
  func,
  object,
  type Secret,
  type Service,
} from "@dagger.io/dagger";
import { planFor } from "./adapters/plan-source.js";
import { pushChart } from "./adapters/registry/chart-push.js";
import { isPlainHttp } from "./adapters/registry/client.js";
import { copyRelease, mirrorPublished } from "./adapters/registry/copy.js";
import { mergeManifests } from "./adapters/registry/merge.js";
import { readReleaseNotes } from "./adapters/release-notes.js";
import { type PinnedReference, pinReferences } from "./adapters/supply-chain/artifacts.js";
import { chartLint, helmPackage, helmPackageBytes } from "./chart.js";
import { cliContainer, cliRepository, runCli } from "./cli-container.js";
import {
  chartPushCommand,
  latestCommand,
  previewDownCommand,
  previewUpCommand,
  promoteCommand,
  rollbackCommand,
  verifyCommand,
} from "./core/cli-argv.js";
import type { PipelineConfig, Platform } from "./core/config.js";
import { UsageError } from "./core/errors.js";
import { keylessAttestArgv, keylessSignArgv, pinnedFromRun } from "./core/keyless.js";
import type { Plan } from "./core/plan.js";
import { githubRunEnv, provenanceStatement, releaseProvenance } from "./core/provenance.js";
import { publishRegistries, releaseCopies } from "./core/registries.js";
import { renderNotesMarkdown } from "./core/release-notes.js";
import {
  attestCommand,
  keylessReferences,
  keylessVerifyFlags,
  registryHosts,
  releaseArtifacts,
  sbomCommand,
  signCommand,
} from "./core/supply-chain-argv.js";
import { deploy, helmTest } from "./deploy.js";
import { githubRelease } from "./github-release.js";
import { build, lint, test } from "./go.js";
import { dockerfiles, images, publish } from "./images.js";
import { cosignKeyless, type KeylessIdentitySource, withCosign } from "./keyless-sign.js";
import { runRelease } from "./release.js";
import { containerGit, isLocalRegistry, loadModuleConfig, requireSecret } from "./source.js";

@object()
export class Pipeline {
  /** The repository: pipeline.yaml and every path it names, and .git for versions. */
  source: Directory;

  constructor(
    /** The repository to ship (default: the repo the module lives in). */
    @argument({
      defaultPath: "/",
      // Only dependency, output and git working files are left out: every path the stages read
      // comes from pipeline.yaml, so another repository passes `--source .` and is seen whole.
      // Not `vendor/` (Go builds from it) nor a nested `dist/` (often embedded UI assets); git
      // needs only HEAD, refs and objects, and .git/config may hold the checkout's token.
      ignore: [
        "**/node_modules",
        "**/.out",
        "dist",
        "**/.pnpm-store",
        "**/.gocache",
        "dagger/sdk",
        "**/.pipeline",
        ".git/index",
        ".git/config",
        ".git/hooks",
        ".git/logs",
        ".git/FETCH_HEAD",
        ".git/ORIG_HEAD",
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
  async lint(
    /** Token for the git hosts of go.private modules (a secret: never in a layer, argv or log). */
    goPrivateToken?: Secret,
  ): Promise<string> {
    return lint(this.source, await this.config(), { goPrivateToken });
  }

  /**
   * Run go test with the services and before commands of pipeline.yaml's test:, and enforce the coverage minimum.
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
    /** Token for the git hosts of go.private modules (a secret: never in a layer, argv or log). */
    goPrivateToken?: Secret,
  ): Promise<Directory> {
    const config = await this.config();
    const plan = version && commit ? null : await this.planOf();
    return build(
      this.source,
      config,
      (platforms?.length ? platforms : config.platforms) as Platform[],
      version ?? plan!.version,
      commit ?? plan!.event.sha,
      plan?.annotations["org.opencontainers.image.created"] ?? "",
      { goPrivateToken },
    );
  }

  /**
   * The generated Dockerfile of every image pipeline.yaml ships (none for images built from the repo's own Dockerfile).
   *
   * Example: `dagger call dockerfiles export --path .out/dockerfiles`
   */
  @func()
  async dockerfiles(): Promise<Directory> {
    const config = await this.config();
    const plan = await this.planOf();
    return dockerfiles(this.source, config, plan.annotations);
  }

  /**
   * Build every image of pipeline.yaml (one per binary by default) for each platform it ships on.
   *
   * Example: `dagger call images --platforms linux/amd64`
   */
  @func()
  async images(
    /** Platforms (default: platforms in pipeline.yaml). */
    platforms?: string[],
    /** Token for the git hosts of go.private modules (a secret: never in a layer, argv or log). */
    goPrivateToken?: Secret,
  ): Promise<Container[]> {
    const config = await this.config();
    const plan = await this.planOf();
    const targets = (platforms?.length ? platforms : config.platforms) as Platform[];
    const created = plan.annotations["org.opencontainers.image.created"];
    const binaries = await build(this.source, config, targets, plan.version, plan.event.sha, created, {
      goPrivateToken,
    });
    return (await images(this.source, config, binaries, targets, plan.annotations)).map((i) => i.container);
  }

  /**
   * Publish each image as a multi-arch index (and per-arch tags) to every registry of image.registries; prints the refs with digests.
   *
   * Example: `dagger call publish --ref refs/pull/42/merge --sha $SHA --pr 42 --username $USER --password env:GITHUB_TOKEN`
   */
  @func({ cache: "never" })
  async publish(
    /** Registry and namespace (default: image.registry); localhost registries need no credentials. */
    registry?: string,
    /** Registry username. */
    username?: string,
    /** Registry password or token. */
    password?: Secret,
    /** Tags to publish (default: the plan's tag and extra tags). */
    tags?: string[],
    /** Full git ref of the event (refs/heads/main, refs/tags/v1.2.3, refs/pull/42/merge; default: the checkout's). */
    ref?: string,
    /** Commit sha of the event (a pull request's head sha; default: HEAD). */
    sha?: string,
    /** Pull request number, for pull request events. */
    pr?: number,
    /** The registry as a service, when it runs on the host (the local loop: tcp://localhost:5001). */
    registryService?: Service,
    /** Token for the git hosts of go.private modules (a secret: never in a layer, argv or log). */
    goPrivateToken?: Secret,
  ): Promise<string> {
    const auth = registryAuth(registry, username, password, "publish");
    const config = await this.config();
    const plan = await this.planOf({ ref, sha, pr });
    const { primary, mirrors } = publishRegistries(config, registry);
    const refs = await this.publishPlanned(config, plan, {
      registry: primary,
      tags: tags?.length ? tags : [plan.tags.image, ...plan.tags.extra],
      auth,
      registryService,
      goPrivateToken,
    });
    // The same digests to each other registry of image.registries, copied by the OCI client.
    const access = {
      credentials: { username, password: await password?.plaintext() },
      insecure: config.image.insecureRegistries,
    };
    const mirrored = await mirrorPublished(refs, primary, mirrors, access);
    // A release's tags also go to image.releaseRegistry, by digest.
    const released = await copyRelease(releaseCopies(config, plan, primary), access);
    return [...refs, ...mirrored, ...released].join("\n");
  }

  /**
   * Merge per-arch images (built on separate machines) into one multi-arch tag, moving no blobs.
   *
   * Example: `dagger call manifest-merge --target ghcr.io/acme/app-api:1.2.3 --sources ghcr.io/acme/app-api:1.2.3-amd64,ghcr.io/acme/app-api:1.2.3-arm64`
   */
  @func({ cache: "never" })
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
   * Example: `dagger call update-latest --repository ghcr.io/acme/app-api --version 1.2.3 --ref refs/tags/v1.2.3 --username me --password env:GITHUB_TOKEN`
   */
  @func({ cache: "never" })
  async updateLatest(
    /** Image repository. */
    repository: string,
    /** The release's version (its image tag). */
    version: string,
    /** auto, force or skip (default: latest.strategy). */
    strategy?: string,
    /** annotated or lightweight (default: the git object of the release tag, read from the checkout). */
    tagType?: string,
    /** Decide only. */
    dryRun?: boolean,
    /** Registry username. */
    username?: string,
    /** Registry password or token. */
    password?: Secret,
    /** Full git ref of the release tag (default: the checkout's). */
    ref?: string,
  ): Promise<string> {
    const config = await this.config();
    // The tag type comes from git (as `plan` decides it), not from the tag's name.
    const type = tagType ?? (await this.planOf({ ref })).latest?.tagType;
    return this.latestPlanned(config, repository, version, {
      strategy,
      tagType: type,
      dryRun,
      registry: username && password ? { username, password } : undefined,
    });
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
   * Example: `dagger call helm-push --ref refs/pull/42/merge --sha $SHA --pr 42 --username me --password env:GITHUB_TOKEN`
   */
  @func({ cache: "never" })
  async helmPush(
    /** oci:// registry (default: chart.registry). */
    registry?: string,
    /** Chart version (default: the plan's). */
    version?: string,
    /** Registry username. */
    username?: string,
    /** Registry password or token. */
    password?: Secret,
    /** Full git ref of the event (default: the checkout's). */
    ref?: string,
    /** Commit sha of the event (a pull request's head sha; default: HEAD). */
    sha?: string,
    /** Pull request number, for pull request events. */
    pr?: number,
    /** The chart registry as a service, when it runs on the host (the local loop: tcp://localhost:5001). */
    registryService?: Service,
  ): Promise<string> {
    const config = await this.config();
    const plan = await this.planOf({ ref, sha, pr });
    return this.chartPushPlanned(config, plan, {
      registry,
      version: version ?? plan.chart.version,
      username,
      password,
      registryService,
    });
  }

  /**
   * Check that every image exists for every platform and that the chart version exists.
   *
   * With `--key` (the release's public key) it also requires, for every digest, a signature by that
   * key, an SBOM per platform and signed provenance naming source.url and the release commit.
   * With `--keyless` the real cosign checks Sigstore signatures and provenance instead, by default
   * from a GitHub Actions workflow of source.url's repository.
   *
   * Example: `dagger call verify --image-tag 1.2.3 --chart-version 1.2.3 --key env:COSIGN_PUBLIC_KEY --sha $SHA --username me --password env:GITHUB_TOKEN`
   *
   * Keyless: `dagger call verify --image-tag 1.2.3 --chart-version 1.2.3 --keyless --sha $SHA --username me --password env:GITHUB_TOKEN`
   */
  @func({ cache: "never" })
  async verify(
    /** Image tag of every binary. */
    imageTag: string,
    /** Chart version that must exist. */
    chartVersion?: string,
    /** Registry username. */
    username?: string,
    /** Registry password or token. */
    password?: Secret,
    /** Image registry and namespace (default: image.registry). */
    registry?: string,
    /** The release's public key PEM (cosign.pub): also require signatures, SBOMs and provenance. */
    key?: Secret,
    /** The release's commit, which the provenance must name with --key or --keyless (default: HEAD). */
    sha?: string,
    /** Verify keyless (Sigstore) signatures and provenance with cosign instead of a public key. */
    keyless?: boolean,
    /** With --keyless: the certificate identity, a regexp (default: a workflow of source.url's GitHub repository run for a tag). */
    certificateIdentityRegexp?: string,
    /** With --keyless: the OIDC issuer (default: https://token.actions.githubusercontent.com). */
    certificateOidcIssuer?: string,
  ): Promise<string> {
    const config = await this.config();
    const keylessMode = Boolean(keyless || certificateIdentityRegexp || certificateOidcIssuer);
    // The CLI container has no .git to find the tag's commit: the checkout's HEAD stands for it.
    const commit = key || keylessMode ? (sha ?? (await this.planOf()).event.sha) : undefined;
    const argv = [
      ...verifyCommand({ imageTag, chartVersion, registry, commit }),
      ...(keylessMode && !key
        ? keylessVerifyFlags({ identityRegexp: certificateIdentityRegexp, issuer: certificateOidcIssuer })
        : []),
    ];
    return runCli(
      // Keyless verification runs the real cosign, from its pinned image, next to the CLI.
      keylessMode && !key ? withCosign(this.cli()) : this.cli(),
      cliRepository(this.source, config),
      argv,
      { registry: username && password ? { username, password } : undefined, publicKey: key },
      runId(),
    );
  }

  /**
   * Promote a version to an environment with a commit to the gitops repo.
   *
   * Example: `dagger call promote --environment prod --image-tag 1.2.3 --chart-version 1.2.3 --token env:GITOPS_TOKEN --username me --password env:GITHUB_TOKEN`
   */
  @func({ cache: "never" })
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
    /** Registry username, for environments that verify every artifact before promoting (prod). */
    username?: string,
    /** Registry password or token, for environments that verify before promoting. */
    password?: Secret,
    /** Source commit recorded in the gitops commit (default: HEAD of the source). */
    sha?: string,
  ): Promise<string> {
    const secret = requireSecret(token, "promote --token", "--token env:GITOPS_TOKEN");
    const config = await this.config();
    return this.promotePlanned(config, {
      environment,
      imageTag,
      chartVersion,
      sourceSha: sha ?? (await this.planOf()).event.sha,
      token: secret,
      repo,
      force,
      registry: username && password ? { username, password } : undefined,
    });
  }

  /**
   * Create or update the preview environment of a pull request.
   *
   * Example: `dagger call preview --pr 42 --image-tag pr-42-abc1234 --chart-version 0.0.0-pr-42-abc1234 --token env:GITOPS_TOKEN`
   */
  @func({ cache: "never" })
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
    return this.previewPlanned(await this.config(), { pr, imageTag, chartVersion, token: secret, repo });
  }

  /**
   * Remove the preview environment of a pull request.
   *
   * Example: `dagger call preview-cleanup --pr 42 --token env:GITOPS_TOKEN`
   */
  @func({ cache: "never" })
  async previewCleanup(
    /** Pull request number. */
    pr: number,
    /** Token for the gitops repo. */
    token?: Secret,
    /** Gitops repo URL (default: gitops.repo). */
    repo?: string,
  ): Promise<string> {
    const secret = requireSecret(token, "preview-cleanup --token", "--token env:GITOPS_TOKEN");
    const argv = previewDownCommand({ pr, repo });
    return this.gitops(await this.config(), argv, secret);
  }

  /**
   * Roll an environment back to the previous (or a given) version and freeze automatic promotion.
   *
   * Example: `dagger call rollback --environment prod --token env:GITOPS_TOKEN`
   */
  @func({ cache: "never" })
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
    const argv = rollbackCommand({ environment, to, repo });
    return this.gitops(await this.config(), argv, secret);
  }

  /**
   * Install or upgrade the release in a cluster with an environment's values, and wait for it.
   *
   * Example: `dagger call deploy --kubeconfig file:$HOME/.kube/config --api-server tcp://localhost:6443 --environment preview --image-tag sha-abc1234`
   */
  @func({ cache: "never" })
  async deploy(
    /** Environment whose values to use (staging, uat, prod, preview). */
    environment: string,
    /** kubeconfig of the cluster. */
    kubeconfig?: Secret,
    /** Image tag (default: the plan's, for --ref/--sha/--pr). */
    imageTag?: string,
    /** Full git ref of the event, when the image tag comes from the plan. */
    ref?: string,
    /** Commit sha of the event, when the image tag comes from the plan. */
    sha?: string,
    /** Pull request number, when the image tag comes from the plan. */
    pr?: number,
    /** The cluster's API server as a service, when it runs on the host (Kind: tcp://localhost:<port>). */
    apiServer?: Service,
  ): Promise<string> {
    const secret = requireSecret(kubeconfig, "deploy --kubeconfig", "--kubeconfig file:$HOME/.kube/config");
    const config = await this.config();
    const tag = imageTag ?? (await this.planOf({ ref, sha, pr })).tags.image;
    return deploy(this.source, config, secret, environment, tag, { apiServer, runId: runId() });
  }

  /**
   * Run the chart's helm test (the api's /readyz) against a deployed release.
   *
   * Example: `dagger call helm-test --kubeconfig file:$HOME/.kube/config --api-server tcp://localhost:6443 --environment preview`
   */
  @func({ cache: "never" })
  async helmTest(
    /** Environment of the release. */
    environment: string,
    /** kubeconfig of the cluster. */
    kubeconfig?: Secret,
    /** The cluster's API server as a service, when it runs on the host (Kind: tcp://localhost:<port>). */
    apiServer?: Service,
  ): Promise<string> {
    const secret = requireSecret(
      kubeconfig,
      "helm-test --kubeconfig",
      "--kubeconfig file:$HOME/.kube/config",
    );
    return helmTest(this.source, await this.config(), secret, environment, { apiServer, runId: runId() });
  }

  /**
   * Run the plan's stages for this event and return a summary with each stage's duration.
   *
   * A release tag's run also attaches SBOMs, signatures and provenance when given `--signing-key`,
   * or keylessly (SBOMs by the pipeline, signatures and provenance by cosign) when given an OIDC
   * identity: GitHub Actions' token request, or `--identity-token`. In GitHub Actions,
   * `--workflow-ref` and `--run-url` make the provenance name the workflow and the run (the module
   * sees none of the runner's environment).
   *
   * Example: `dagger call release --ref refs/tags/v1.2.3 --username me --password env:GITHUB_TOKEN --token env:GITOPS_TOKEN --signing-key env:COSIGN_PRIVATE_KEY`
   *
   * Keyless: `dagger call release --ref refs/tags/v1.2.3 --username me --password env:GITHUB_TOKEN --token env:GITOPS_TOKEN --actions-id-token-request-url env:ACTIONS_ID_TOKEN_REQUEST_URL --actions-id-token-request-token env:ACTIONS_ID_TOKEN_REQUEST_TOKEN`
   */
  @func({ cache: "never" })
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
    /** Commit sha of the run (a pull request's head sha; default: HEAD). */
    sha?: string,
    /** The registry as a service, when it runs on the host (the local loop: tcp://localhost:5001). */
    registryService?: Service,
    /** The release's private key PEM (COSIGN_PRIVATE_KEY); without it and without an OIDC identity the sign stage is skipped. */
    signingKey?: Secret,
    /** GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL: sign keylessly (needs `id-token: write`). */
    actionsIdTokenRequestUrl?: Secret,
    /** GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_TOKEN (keyless signing). */
    actionsIdTokenRequestToken?: Secret,
    /** An OIDC token with audience sigstore (GitLab id_tokens): sign keylessly; cosign reads it as SIGSTORE_ID_TOKEN. */
    identityToken?: Secret,
    /** The workflow running this, GitHub's `github.workflow_ref`, which the provenance names as its builder, such as acme/shop/.github/workflows/release.yaml@refs/tags/v1.2.3. */
    workflowRef?: string,
    /** The run's URL, which the provenance records: `${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}/attempts/${{ github.run_attempt }}`. */
    runUrl?: string,
  ): Promise<string> {
    // Before any stage: a malformed run is refused with nothing pushed.
    const github = githubRunEnv({ workflowRef, runUrl });
    // One plan for the whole run: every stage below gets its tags and versions from it.
    const config = await this.config();
    const plan = await this.planOf({ ref, sha, pr });
    const imageRegistry = registry ?? config.image.registry;
    const registryCredentials = username && password ? { username, password } : undefined;
    const gitopsToken = (what: string) =>
      requireSecret(token, `release --token (${what})`, "--token env:GITOPS_TOKEN");
    const keylessIdentity = keylessSource(
      actionsIdTokenRequestUrl,
      actionsIdTokenRequestToken,
      identityToken,
    );
    // What this run pushed, by digest: keyless signing signs exactly these.
    const pushed: { images: string[]; chart?: { ref: string; digest: string } } = { images: [] };
    const summary = await runRelease(plan, {
      lint: () => lint(this.source, config),
      test: () => test(this.source, config),
      "chart-lint": () => chartLint(this.source, config),
      publish: async () => {
        pushed.images = await this.publishPlanned(config, plan, {
          registry: imageRegistry,
          tags: [plan.tags.image, ...plan.tags.extra],
          auth: registryAuth(registry, username, password, "release"),
          registryService,
        });
        return pushed.images.join("\n");
      },
      "helm-push": async () => {
        const out = await this.chartPushPlanned(config, plan, {
          version: plan.chart.version,
          username,
          password,
          registryService,
        });
        // The direct push answers {ref, digest}; through a service the CLI's output is not read.
        if (!registryService) pushed.chart = JSON.parse(out) as { ref: string; digest: string };
        return out;
      },
      latest: async () =>
        (
          await Promise.all(
            config.images.map((image) =>
              this.latestPlanned(
                config,
                `${imageRegistry.replace(/\/+$/, "")}/${image.name}`,
                plan.tags.image,
                {
                  tagType: plan.latest?.tagType,
                  registry: registryCredentials,
                },
              ),
            ),
          )
        ).join("\n"),
      promote: () =>
        this.promotePlanned(config, {
          environment: plan.promotions[0]!.environment,
          imageTag: plan.tags.image,
          chartVersion: plan.chart.version,
          sourceSha: plan.event.sha,
          token: gitopsToken("promote"),
          registry: registryCredentials,
        }),
      // SBOMs first (attached by digest), then signatures, then provenance: one key (or one OIDC
      // identity), one plan. SBOMs need no key: the keyless path attaches them too.
      ...(signingKey || keylessIdentity
        ? {
            sign: async () => {
              const common = { key: signingKey, registry: imageRegistry, username, password, plan, github };
              const outputs = [];
              if (signingKey)
                for (const step of ["sbom", "sign", "attest"] as const)
                  outputs.push(await this.supplyChainStep(step, common));
              else {
                // Provenance needs source.url: refuse before anything is attached or signed.
                if (!config.source.url)
                  throw new UsageError("the sign stage needs source.url in pipeline.yaml for the provenance");
                outputs.push(await this.supplyChainStep("sbom", common));
                const pinned =
                  // Only when this run pushed all of it; else what the registry holds.
                  pushed.images.length > 0 && (pushed.chart || !plan.chart.push)
                    ? pinnedFromRun(pushed.images, plan.tags.image, pushed.chart).map((ref) => ({
                        pinned: ref,
                        plainHttp: isPlainHttp(ref.split("/")[0]!, config.image.insecureRegistries),
                      }))
                    : undefined;
                for (const step of ["sign", "attest"] as const)
                  outputs.push(
                    await this.keylessStep(step, { ...common, identity: keylessIdentity!, pinned }),
                  );
              }
              return outputs.join("\n");
            },
          }
        : {}),
      "release-notes": () => this.releaseNotes(undefined, plan.event.tag ?? plan.event.sha),
      preview: () =>
        this.previewPlanned(config, {
          pr: plan.event.pr!,
          imageTag: plan.tags.image,
          chartVersion: plan.chart.version,
          token: gitopsToken("preview"),
        }),
    });
    return JSON.stringify(summary, null, 2);
  }

  /**
   * Print the release notes: the commits since the previous release tag, grouped by type.
   *
   * "Previous" is by semver, and a final release skips prereleases. Breaking changes come first,
   * then features, fixes and others, each with its pull request links and authors.
   *
   * Example: `dagger call release-notes --to v1.2.0`
   */
  @func()
  async releaseNotes(
    /** Tag to compare with (default: the previous release tag). */
    from?: string,
    /** Tag or commit the notes end at (default: HEAD). */
    to?: string,
    /** Return the notes as JSON instead of Markdown. */
    json?: boolean,
  ): Promise<string> {
    const config = await this.config();
    const notes = await readReleaseNotes(containerGit(this.source), {
      from,
      to,
      sourceUrl: config.source.url || undefined,
    });
    return json ? JSON.stringify(notes, null, 2) : renderNotesMarkdown(notes);
  }

  /**
   * Create or finish the GitHub release of a tag: notes, binary archives, SBOMs and SHA256SUMS.
   *
   * Runs `pipeline github-release`: a draft while assets upload, published last; a re-run finishes
   * a half-done release and leaves a complete one as it is. With --registry-sboms the release
   * carries, byte for byte, the SBOM attached to each platform of each release image.
   *
   * Example: `dagger call github-release --tag v1.2.3 --repository acme/sample-app --token env:GITHUB_TOKEN --registry-sboms --username me --password env:GITHUB_TOKEN`
   */
  @func({ cache: "never" })
  async githubRelease(
    /** Token with contents: write on the repository (GITHUB_TOKEN). */
    token: Secret,
    /** Release tag (default: the highest version tag at HEAD). */
    tag?: string,
    /** owner/name on GitHub (default: source.url in pipeline.yaml). */
    repository?: string,
    /** GitHub API base URL, for GitHub Enterprise (default: https://api.github.com). */
    apiUrl?: string,
    /** Leave a new release as a draft. */
    draft?: boolean,
    /** A folder of *.spdx.json SBOMs (from `pipeline sbom --out`) the release also carries. */
    sboms?: Directory,
    /** Also attach each release image platform's SBOM from the registry (<image>_<version>_<os>_<arch>.spdx.json). */
    registrySboms?: boolean,
    /** Registry and namespace the images were published to (default: image.registry). */
    registry?: string,
    /** Registry username, for --registry-sboms. */
    username?: string,
    /** Registry password or token, for --registry-sboms. */
    password?: Secret,
  ): Promise<string> {
    return githubRelease(this.cli(), this.source, await this.config(), {
      tag,
      repository,
      apiUrl,
      draft,
      sboms,
      registrySboms,
      registry,
      registryAuth: username && password ? { username, password } : undefined,
      token,
      runId: runId(),
    });
  }

  /**
   * Attach an SPDX SBOM to every platform of every image the event published.
   *
   * Runs `pipeline sbom` on each image at the plan's tag; re-running leaves attached SBOMs alone.
   *
   * Example: `dagger call sbom --ref refs/tags/v1.2.3 --username me --password env:GITHUB_TOKEN`
   */
  @func({ cache: "never" })
  async sbom(
    /** Full git ref of the event (refs/tags/v1.2.3; default: the checkout's). */
    ref?: string,
    /** Commit sha of the event (default: HEAD). */
    sha?: string,
    /** Registry and namespace the images were published to (default: image.registry). */
    registry?: string,
    /** Registry username. */
    username?: string,
    /** Registry password or token. */
    password?: Secret,
  ): Promise<string> {
    return this.supplyChainStep("sbom", { ref, sha, registry, username, password });
  }

  /**
   * Sign every image digest the event published, and its chart, in cosign's format.
   *
   * Runs `pipeline sign` with the key as COSIGN_PRIVATE_KEY (never in argv); verify with `cosign verify --key cosign.pub`.
   * Without a key, in GitHub Actions (`id-token: write`) or with `--identity-token`, signs keylessly
   * with cosign: each image and the chart pinned to the digest the registry holds, a Fulcio
   * certificate for the run's identity, logged in Rekor.
   *
   * Example: `dagger call sign --key env:COSIGN_PRIVATE_KEY --ref refs/tags/v1.2.3 --username me --password env:GITHUB_TOKEN`
   *
   * Keyless: `dagger call sign --actions-id-token-request-url env:ACTIONS_ID_TOKEN_REQUEST_URL --actions-id-token-request-token env:ACTIONS_ID_TOKEN_REQUEST_TOKEN --ref refs/tags/v1.2.3 --username me --password env:GITHUB_TOKEN`
   *
   * GitLab (an `id_tokens` token with aud sigstore): `dagger call sign --identity-token env:SIGSTORE_ID_TOKEN --ref refs/tags/v1.2.3 --username me --password env:CI_REGISTRY_PASSWORD`
   */
  @func({ cache: "never" })
  async sign(
    /** The release's ECDSA P-256 private key, PKCS#8 PEM (COSIGN_PRIVATE_KEY); without it, sign keylessly. */
    key?: Secret,
    /** Full git ref of the event (refs/tags/v1.2.3; default: the checkout's). */
    ref?: string,
    /** Commit sha of the event (default: HEAD). */
    sha?: string,
    /** Registry and namespace the images were published to (default: image.registry). */
    registry?: string,
    /** Registry username. */
    username?: string,
    /** Registry password or token. */
    password?: Secret,
    /** GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL (keyless signing; needs `id-token: write`). */
    actionsIdTokenRequestUrl?: Secret,
    /** GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_TOKEN (keyless signing). */
    actionsIdTokenRequestToken?: Secret,
    /** An OIDC token with audience sigstore (GitLab id_tokens): keyless signing; cosign reads it as SIGSTORE_ID_TOKEN. */
    identityToken?: Secret,
  ): Promise<string> {
    if (key) return this.supplyChainStep("sign", { key, ref, sha, registry, username, password });
    const identity = requireKeyless(
      "sign",
      actionsIdTokenRequestUrl,
      actionsIdTokenRequestToken,
      identityToken,
    );
    return this.keylessStep("sign", { ref, sha, registry, username, password, identity });
  }

  /**
   * Attach signed SLSA provenance (source, commit, ref, run) to every image and the chart of the event.
   *
   * Runs `pipeline attest` with the key as COSIGN_PRIVATE_KEY; verify with `cosign verify-attestation --type slsaprovenance1`.
   * Without a key, with an OIDC identity (as for sign), `cosign attest --type slsaprovenance1` attests
   * each digest keylessly with the same predicate, passed to cosign as a file. The builder and run
   * come from `--workflow-ref` and `--run-url` (else a local builder is recorded).
   *
   * Example: `dagger call attest --key env:COSIGN_PRIVATE_KEY --ref refs/tags/v1.2.3 --sha $SHA --username me --password env:GITHUB_TOKEN`
   *
   * Keyless: `dagger call attest --actions-id-token-request-url env:ACTIONS_ID_TOKEN_REQUEST_URL --actions-id-token-request-token env:ACTIONS_ID_TOKEN_REQUEST_TOKEN --ref refs/tags/v1.2.3 --username me --password env:GITHUB_TOKEN`
   */
  @func({ cache: "never" })
  async attest(
    /** The release's ECDSA P-256 private key, PKCS#8 PEM (COSIGN_PRIVATE_KEY); without it, attest keylessly. */
    key?: Secret,
    /** Full git ref of the event (refs/tags/v1.2.3; default: the checkout's). */
    ref?: string,
    /** Commit sha that was built (default: HEAD). */
    sha?: string,
    /** Registry and namespace the images were published to (default: image.registry). */
    registry?: string,
    /** Registry username. */
    username?: string,
    /** Registry password or token. */
    password?: Secret,
    /** GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL (keyless attesting; needs `id-token: write`). */
    actionsIdTokenRequestUrl?: Secret,
    /** GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_TOKEN (keyless attesting). */
    actionsIdTokenRequestToken?: Secret,
    /** An OIDC token with audience sigstore (GitLab id_tokens): keyless attesting; cosign reads it as SIGSTORE_ID_TOKEN. */
    identityToken?: Secret,
    /** The workflow running this, GitHub's `github.workflow_ref`, which the provenance names as its builder, such as acme/shop/.github/workflows/release.yaml@refs/tags/v1.2.3. */
    workflowRef?: string,
    /** The run's URL, which the provenance records: `${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}/attempts/${{ github.run_attempt }}`. */
    runUrl?: string,
  ): Promise<string> {
    const github = githubRunEnv({ workflowRef, runUrl });
    if (key) return this.supplyChainStep("attest", { key, ref, sha, registry, username, password, github });
    const identity = requireKeyless(
      "attest",
      actionsIdTokenRequestUrl,
      actionsIdTokenRequestToken,
      identityToken,
    );
    return this.keylessStep("attest", { ref, sha, registry, username, password, identity, github });
  }

  /** The event's plan (given, or made for ref and sha) and the images and chart it published. */
  private async artifactsOf(
    config: PipelineConfig,
    options: { ref?: string; sha?: string; registry?: string; plan?: Plan },
  ) {
    const plan = options.plan ?? (await this.planOf({ ref: options.ref, sha: options.sha }));
    return {
      plan,
      artifacts: releaseArtifacts(config.images, publishRegistries(config, options.registry).primary, plan),
    };
  }

  /**
   * Signs (cosign sign --recursive: the index and its platforms) or attests (cosign attest) the
   * plan's images and chart keylessly, each by digest: the digests the release run pushed, else
   * those the registry holds now, resolved once before cosign runs, so a tag moved after publish
   * is never what gets signed.
   */
  private async keylessStep(
    step: "sign" | "attest",
    options: {
      ref?: string;
      sha?: string;
      registry?: string;
      username?: string;
      password?: Secret;
      plan?: Plan;
      identity: KeylessIdentitySource;
      /** The digests to sign, when the caller pushed them itself (release); else read from the registry. */
      pinned?: PinnedReference[];
      /** The GitHub Actions run the provenance names (githubRunEnv); else the module's own environment. */
      github?: Record<string, string>;
    },
  ): Promise<string> {
    const config = await this.config();
    if (step === "attest" && !config.source.url)
      throw new UsageError("attest needs the source repository URL: set source.url in pipeline.yaml");
    const { plan, artifacts } = await this.artifactsOf(config, options);
    const pinned =
      options.pinned ??
      (await pinReferences(keylessReferences(artifacts), {
        credentials: { username: options.username, password: await options.password?.plaintext() },
        insecure: config.image.insecureRegistries,
      }));
    const auth =
      options.username && options.password
        ? { hosts: registryHosts(artifacts), username: options.username, password: options.password }
        : undefined;
    if (step === "sign")
      return cosignKeyless(
        pinned.map((p) => keylessSignArgv(p.pinned, p.plainHttp)),
        options.identity,
        auth,
        runId(),
      );
    // The predicate `pipeline attest` signs with a key; cosign adds the subject (each digest).
    const { predicate } = provenanceStatement({
      ...releaseProvenance({
        sourceUrl: config.source.url,
        commit: plan.event.sha,
        ref: plan.event.ref,
        base: config.image.base,
        env: options.github ?? process.env,
      }),
      subjects: [],
    }) as { predicate: unknown };
    return cosignKeyless(
      pinned.map((p) => keylessAttestArgv(p.pinned, PREDICATE_FILE, p.plainHttp)),
      options.identity,
      auth,
      runId(),
      { [PREDICATE_FILE]: JSON.stringify(predicate) },
    );
  }

  /** Runs one supply-chain command over the plan's published images and chart. */
  private async supplyChainStep(
    step: "sbom" | "sign" | "attest",
    options: {
      key?: Secret;
      ref?: string;
      sha?: string;
      registry?: string;
      username?: string;
      password?: Secret;
      plan?: Plan;
      /** The GitHub Actions run `attest` records (githubRunEnv), as the CLI's plain env variables. */
      github?: Record<string, string>;
    },
  ): Promise<string> {
    const config = await this.config();
    const { plan, artifacts } = await this.artifactsOf(config, options);
    const argv =
      step === "sbom"
        ? sbomCommand({ images: artifacts.images, version: plan.version })
        : step === "sign"
          ? signCommand(artifacts)
          : attestCommand(artifacts, { commit: plan.event.sha, gitRef: plan.event.ref });
    return runCli(
      this.cli(),
      cliRepository(this.source, config),
      argv,
      {
        registry:
          options.username && options.password
            ? { username: options.username, password: options.password }
            : undefined,
        signingKey: options.key,
      },
      runId(),
      step === "attest" ? options.github : undefined,
    );
  }

  /** Builds, images and publishes the plan's images under `tags`. */
  private async publishPlanned(
    config: PipelineConfig,
    plan: Plan,
    options: {
      registry: string;
      tags: string[];
      auth?: { username: string; password: Secret };
      registryService?: Service;
      goPrivateToken?: Secret;
    },
  ): Promise<string[]> {
    const targets = config.platforms;
    const created = plan.annotations["org.opencontainers.image.created"];
    const binaries = await build(this.source, config, targets, plan.version, plan.event.sha, created, {
      goPrivateToken: options.goPrivateToken,
    });
    const built = await images(this.source, config, binaries, targets, plan.annotations);
    return publish(config, built, options.registry, options.tags, options.auth, options.registryService);
  }

  /** Packages the chart at the plan's appVersion and pushes it as `version`. */
  private async chartPushPlanned(
    config: PipelineConfig,
    plan: Plan,
    options: {
      registry?: string;
      version: string;
      username?: string;
      password?: Secret;
      registryService?: Service;
    },
  ): Promise<string> {
    const { registry, version, username, password } = options;
    if (options.registryService)
      return this.chartPushThroughService(config, plan, {
        ...options,
        registryService: options.registryService,
      });
    // Bytes as base64 text: File.contents would turn the .tgz's invalid UTF-8 into U+FFFD.
    const bytes = await helmPackageBytes(this.source, config, version, plan.chart.appVersion);
    const result = await pushChart({
      chart: bytes,
      target: registry ?? config.chart.registry,
      credentials: { username, password: await password?.plaintext() },
      insecure: config.image.insecureRegistries,
    });
    return JSON.stringify(result, null, 2);
  }

  /**
   * The chart push to a registry on the host (the local loop's localhost:5001): the module's own
   * loopback is not the host's, so the same `pipeline chart push` runs in the CLI container with
   * the registry bound as a service, under an alias that stands for the target's host.
   */
  private chartPushThroughService(
    config: PipelineConfig,
    plan: Plan,
    options: {
      registry?: string;
      version: string;
      username?: string;
      password?: Secret;
      registryService: Service;
    },
  ): Promise<string> {
    const target = new URL((options.registry ?? config.chart.registry).replace(/^oci:\/\//, "http://"));
    const host = `${REGISTRY_ALIAS}:${target.port || "80"}`;
    const chart = helmPackage(this.source, config, options.version, plan.chart.appVersion);
    const cli = this.cli()
      .withServiceBinding(REGISTRY_ALIAS, options.registryService)
      .withMountedFile("/chart.tgz", chart);
    return runCli(
      cli,
      cliRepository(this.source, config),
      chartPushCommand({
        chart: "/chart.tgz",
        target: `oci://${host}${target.pathname}`,
        insecureHost: host,
      }),
      {
        registry:
          options.username && options.password
            ? { username: options.username, password: options.password }
            : undefined,
      },
      runId(),
    );
  }

  /** Runs `pipeline latest` for one repository, with the tag type already decided from git. */
  private latestPlanned(
    config: PipelineConfig,
    repository: string,
    version: string,
    options: {
      strategy?: string;
      tagType?: string;
      dryRun?: boolean;
      registry?: { username: string; password: Secret };
    },
  ): Promise<string> {
    const argv = latestCommand({ repository, version, ...options });
    return runCli(
      this.cli(),
      cliRepository(this.source, config),
      argv,
      { registry: options.registry },
      runId(),
    );
  }

  /** Runs `pipeline promote` (which verifies first where the environment asks for it). */
  private promotePlanned(
    config: PipelineConfig,
    options: {
      environment: string;
      imageTag: string;
      chartVersion: string;
      sourceSha: string;
      token: Secret;
      repo?: string;
      force?: boolean;
      registry?: { username: string; password: Secret };
    },
  ): Promise<string> {
    return this.gitops(config, promoteCommand(options), options.token, options.registry);
  }

  /** Runs `pipeline preview up`. */
  private previewPlanned(
    config: PipelineConfig,
    options: { pr: number; imageTag: string; chartVersion: string; token: Secret; repo?: string },
  ): Promise<string> {
    return this.gitops(config, previewUpCommand(options), options.token);
  }

  /** Runs a gitops command of the CLI with the token (and registry access, for promote's verify). */
  private gitops(
    config: PipelineConfig,
    argv: string[],
    token: Secret,
    registry?: { username: string; password: Secret },
  ): Promise<string> {
    return runCli(
      this.cli(),
      cliRepository(this.source, config),
      argv,
      { gitopsToken: token, registry },
      runId(),
    );
  }

  /** The project's CLI in its container, built from this module's own source. */
  private cli(): Container {
    return cliContainer(dag.currentModule().source());
  }
}

/** The host name a registry passed as a Service has inside the CLI container. */
const REGISTRY_ALIAS = "registry";

/** Where keyless attest hands cosign the SLSA predicate (a file: never argv text). */
const PREDICATE_FILE = "/predicate/slsa-provenance.json";

/** The keyless identity the arguments give, or undefined when they give none (or half of one). */
function keylessSource(
  requestUrl: Secret | undefined,
  requestToken: Secret | undefined,
  identityToken: Secret | undefined,
): KeylessIdentitySource | undefined {
  if (identityToken) return { identityToken };
  if (requestUrl && requestToken) return { actions: { requestUrl, requestToken } };
  return undefined;
}

/** The keyless identity for `fn`, or a UsageError saying how to give a key or an identity. */
function requireKeyless(
  fn: string,
  requestUrl: Secret | undefined,
  requestToken: Secret | undefined,
  identityToken: Secret | undefined,
): KeylessIdentitySource {
  const identity = keylessSource(requestUrl, requestToken, identityToken);
  if (!identity)
    throw new UsageError(
      `${fn} needs --key (example: --key env:COSIGN_PRIVATE_KEY) or, in GitHub Actions with id-token: write, --actions-id-token-request-url env:ACTIONS_ID_TOKEN_REQUEST_URL --actions-id-token-request-token env:ACTIONS_ID_TOKEN_REQUEST_TOKEN, or --identity-token env:SIGSTORE_ID_TOKEN`,
    );
  return identity;
}

/** The moment of this call: set on execs that must run on every call (see runCli). */
function runId(): string {
  return new Date().toISOString();
}

/** Registry auth for a push; refuses a remote registry without both credentials, before any query. */
function registryAuth(
  registry: string | undefined,
  username: string | undefined,
  password: Secret | undefined,
  fn: string,
): { username: string; password: Secret } | undefined {
  if (registry && isLocalRegistry(registry)) return password && username ? { username, password } : undefined;
  const example = "--username me --password env:GITHUB_TOKEN";
  const secret = requireSecret(password, `${fn} --password`, example);
  if (!username) requireSecret(undefined, `${fn} --username`, example);
  return { username: username!, password: secret };
}
