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
  type Service,
} from "@dagger.io/dagger";
import { chartLint as chartLintStage, helmPackageForEvent } from "./module/chart.js";
import { helmPushEvent } from "./module/chart-push.js";
import { type ModuleContext, moduleContext } from "./module/context.js";
import { deployForEvent, helmTestForEvent } from "./module/deploy.js";
import { githubReleaseForEvent } from "./module/github-release.js";
import { preview, previewCleanup, promote, rollback } from "./module/gitops.js";
import { buildForEvent, lint as lintStage, test as testStage } from "./module/go.js";
import { dockerfilesForEvent, imagesForEvent } from "./module/images.js";
import { publishEvent } from "./module/publish.js";
import { manifestMerge, updateLatest } from "./module/registry.js";
import { release } from "./module/release.js";
import { releaseNotes } from "./module/release-notes.js";
import { attest, sbom, sign, verify } from "./module/supply-chain.js";

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

  /** One call's view of the repository: config, plans and the CLI container (module/context.ts). */
  private context(): ModuleContext {
    return moduleContext(this.source);
  }

  /**
   * Print the version this commit builds as.
   *
   * Example: `dagger call version --ref refs/tags/v1.2.3`
   */
  @func()
  async version(
    /** Full git ref to version (default: the checkout's tag or branch). */ ref?: string,
  ): Promise<string> {
    return (await this.context().plan({ ref })).version;
  }

  /**
   * Show what a run would do, as the plan JSON (docs/plan.md).
   *
   * Example: `dagger call plan --ref refs/pull/42/merge --pr 42`
   */
  @func()
  async plan(
    /** Full git ref (refs/heads/main, refs/tags/v1.2.3, refs/pull/42/merge). */ ref?: string,
    /** Commit sha (default: HEAD of the source). */ sha?: string,
    /** Pull request number. */ pr?: number,
    /** `promotion` for a manual promotion run. */ event?: string,
    /** Target environment of a manual promotion. */ env?: string,
    /** annotated or lightweight, overriding git. */ tagType?: string,
    /** The version latest points to now. */ latestCurrent?: string,
  ): Promise<string> {
    return JSON.stringify(
      await this.context().plan({ ref, sha, pr, event, env, tagType, latestCurrent }),
      null,
      2,
    );
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
    return lintStage(this.source, await this.context().config(), { goPrivateToken });
  }

  /**
   * Run go test with the services and before commands of pipeline.yaml's test:, and enforce the coverage minimum.
   *
   * Example: `dagger call test`
   */
  @func()
  async test(): Promise<string> {
    return testStage(this.source, await this.context().config());
  }

  /**
   * Lint the chart and validate it for every environment with kubeconform.
   *
   * kubeconform reads the Kubernetes schemas from `--schemas` (offline), then chart.schemaLocation,
   * else its default download.
   *
   * Example: `dagger call chart-lint --schemas ./schemas`
   */
  @func()
  async chartLint(
    /** A folder of Kubernetes JSON schemas named `<kind>-<group>-<version>.json` (deployment-apps-v1.json), for kubeconform without network. */
    schemas?: Directory,
  ): Promise<string> {
    return chartLintStage(this.source, await this.context().config(), schemas);
  }

  /**
   * Cross-compile every binary for every platform into `<os>-<arch>/<binary>`.
   *
   * Example: `dagger call build --platforms linux/arm64 export --path .out`
   */
  @func()
  async build(
    /** Platforms (default: platforms in pipeline.yaml; linux/arm/v7 on request). */ platforms?: string[],
    /** Version stamped into the binaries (default: computed from git). */ version?: string,
    /** Commit stamped into the binaries (default: HEAD). */ commit?: string,
    /** Token for the git hosts of go.private modules (a secret: never in a layer, argv or log). */
    goPrivateToken?: Secret,
  ): Promise<Directory> {
    return buildForEvent(this.context(), { platforms, version, commit, goPrivateToken });
  }

  /**
   * The generated Dockerfile of every image pipeline.yaml ships (none for images built from the repo's own Dockerfile).
   *
   * Example: `dagger call dockerfiles export --path .out/dockerfiles`
   */
  @func()
  async dockerfiles(): Promise<Directory> {
    return dockerfilesForEvent(this.context());
  }

  /**
   * Build every image of pipeline.yaml (one per binary by default) for each platform it ships on.
   *
   * Example: `dagger call images --platforms linux/amd64`
   */
  @func()
  async images(
    /** Platforms (default: platforms in pipeline.yaml). */ platforms?: string[],
    /** Token for the git hosts of go.private modules (a secret: never in a layer, argv or log). */
    goPrivateToken?: Secret,
  ): Promise<Container[]> {
    return imagesForEvent(this.context(), { platforms, goPrivateToken });
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
    /** Registry username. */ username?: string,
    /** Registry password or token. */ password?: Secret,
    /** Registries with their own login, `host[:port]` each (quay.io); the others use --username/--password. */
    registryHosts?: string[],
    /** The username of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_USERNAME). */
    registryUsernames?: Secret[],
    /** The password or token of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_PASSWORD). */
    registryPasswords?: Secret[],
    /** Tags to publish (default: the plan's tag and extra tags). */ tags?: string[],
    /** Full git ref of the event (refs/heads/main, refs/tags/v1.2.3, refs/pull/42/merge; default: the checkout's). */
    ref?: string,
    /** Commit sha of the event (a pull request's head sha; default: HEAD). */ sha?: string,
    /** Pull request number, for pull request events. */ pr?: number,
    /** The registry as a service, when it runs on the host (the local loop: tcp://localhost:5001). */
    registryService?: Service,
    /** Token for the git hosts of go.private modules (a secret: never in a layer, argv or log). */
    goPrivateToken?: Secret,
  ): Promise<string> {
    return publishEvent(this.context(), {
      registry,
      username,
      password,
      registryHosts,
      registryUsernames,
      registryPasswords,
      tags,
      ref,
      sha,
      pr,
      registryService,
      goPrivateToken,
    });
  }

  /**
   * Merge per-arch images (built on separate machines) into one multi-arch tag, moving no blobs.
   *
   * Example: `dagger call manifest-merge --target ghcr.io/acme/app-api:1.2.3 --sources ghcr.io/acme/app-api:1.2.3-amd64,ghcr.io/acme/app-api:1.2.3-arm64`
   */
  @func({ cache: "never" })
  async manifestMerge(
    /** The multi-arch ref to write. */ target: string,
    /** The per-arch refs to merge. */ sources: string[],
    /** Version annotation for the index. */ version?: string,
    /** Registry username. */ username?: string,
    /** Registry password or token. */ password?: Secret,
    /** Registries with their own login, `host[:port]` each (quay.io); the others use --username/--password. */
    registryHosts?: string[],
    /** The username of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_USERNAME). */
    registryUsernames?: Secret[],
    /** The password or token of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_PASSWORD). */
    registryPasswords?: Secret[],
  ): Promise<string> {
    return manifestMerge({
      target,
      sources,
      version,
      username,
      password,
      registryHosts,
      registryUsernames,
      registryPasswords,
    });
  }

  /**
   * Move latest (and X, X.Y when configured) to a release, only when the policy says so.
   *
   * Example: `dagger call update-latest --repository ghcr.io/acme/app-api --version 1.2.3 --ref refs/tags/v1.2.3 --username me --password env:GITHUB_TOKEN`
   */
  @func({ cache: "never" })
  async updateLatest(
    /** Image repository. */ repository: string,
    /** The release's version (its image tag). */ version: string,
    /** auto, force or skip (default: latest.strategy). */ strategy?: string,
    /** annotated or lightweight (default: the git object of the release tag, read from the checkout). */
    tagType?: string,
    /** Decide only. */ dryRun?: boolean,
    /** Registry username. */ username?: string,
    /** Registry password or token. */ password?: Secret,
    /** Registries with their own login, `host[:port]` each (quay.io); the others use --username/--password. */
    registryHosts?: string[],
    /** The username of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_USERNAME). */
    registryUsernames?: Secret[],
    /** The password or token of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_PASSWORD). */
    registryPasswords?: Secret[],
    /** Full git ref of the release tag (default: the checkout's). */ ref?: string,
  ): Promise<string> {
    return updateLatest(this.context(), {
      repository,
      version,
      strategy,
      tagType,
      dryRun,
      username,
      password,
      registryHosts,
      registryUsernames,
      registryPasswords,
      ref,
    });
  }

  /**
   * Package the chart with a version and appVersion.
   *
   * Example: `dagger call helm-package --version 1.2.3 export --path .out/chart.tgz`
   */
  @func()
  async helmPackage(
    /** Chart version (default: the plan's). */ version?: string,
    /** appVersion (default: the plan's image tag). */ appVersion?: string,
  ): Promise<File> {
    return helmPackageForEvent(this.context(), { version, appVersion });
  }

  /**
   * Push the packaged chart to the OCI chart registry.
   *
   * Example: `dagger call helm-push --ref refs/pull/42/merge --sha $SHA --pr 42 --username me --password env:GITHUB_TOKEN`
   */
  @func({ cache: "never" })
  async helmPush(
    /** oci:// registry (default: chart.registry). */ registry?: string,
    /** Chart version (default: the plan's). */ version?: string,
    /** Registry username. */ username?: string,
    /** Registry password or token. */ password?: Secret,
    /** Registries with their own login, `host[:port]` each (quay.io); the others use --username/--password. */
    registryHosts?: string[],
    /** The username of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_USERNAME). */
    registryUsernames?: Secret[],
    /** The password or token of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_PASSWORD). */
    registryPasswords?: Secret[],
    /** Full git ref of the event (default: the checkout's). */ ref?: string,
    /** Commit sha of the event (a pull request's head sha; default: HEAD). */ sha?: string,
    /** Pull request number, for pull request events. */ pr?: number,
    /** The chart registry as a service, when it runs on the host (the local loop: tcp://localhost:5001). */
    registryService?: Service,
  ): Promise<string> {
    return helmPushEvent(this.context(), {
      registry,
      version,
      username,
      password,
      registryHosts,
      registryUsernames,
      registryPasswords,
      ref,
      sha,
      pr,
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
    /** Image tag of every binary. */ imageTag: string,
    /** Chart version that must exist. */ chartVersion?: string,
    /** Registry username. */ username?: string,
    /** Registry password or token. */ password?: Secret,
    /** Registries with their own login, `host[:port]` each (quay.io); the others use --username/--password. */
    registryHosts?: string[],
    /** The username of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_USERNAME). */
    registryUsernames?: Secret[],
    /** The password or token of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_PASSWORD). */
    registryPasswords?: Secret[],
    /** Image registry and namespace (default: image.registry). */ registry?: string,
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
    return verify(this.context(), {
      imageTag,
      chartVersion,
      username,
      password,
      registryHosts,
      registryUsernames,
      registryPasswords,
      registry,
      key,
      sha,
      keyless,
      certificateIdentityRegexp,
      certificateOidcIssuer,
    });
  }

  /**
   * Promote a version to an environment with a commit to the gitops repo.
   *
   * Example: `dagger call promote --environment prod --image-tag 1.2.3 --chart-version 1.2.3 --token env:GITOPS_TOKEN --username me --password env:GITHUB_TOKEN`
   */
  @func({ cache: "never" })
  async promote(
    /** Target environment. */ environment: string,
    /** Image tag of every binary. */ imageTag: string,
    /** Chart version Argo CD deploys. */ chartVersion: string,
    /** Token for the gitops repo (and GitHub pull requests). */ token?: Secret,
    /** Gitops repo URL (default: gitops.repo). */ repo?: string,
    /** Promote even while the environment is frozen by a rollback. */ force?: boolean,
    /** Registry username, for environments that verify every artifact before promoting (prod). */
    username?: string,
    /** Registry password or token, for environments that verify before promoting. */ password?: Secret,
    /** Registries with their own login, `host[:port]` each (quay.io); the others use --username/--password. */
    registryHosts?: string[],
    /** The username of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_USERNAME). */
    registryUsernames?: Secret[],
    /** The password or token of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_PASSWORD). */
    registryPasswords?: Secret[],
    /** Source commit recorded in the gitops commit (default: HEAD of the source). */ sha?: string,
  ): Promise<string> {
    return promote(this.context(), {
      environment,
      imageTag,
      chartVersion,
      token,
      repo,
      force,
      username,
      password,
      registryHosts,
      registryUsernames,
      registryPasswords,
      sha,
    });
  }

  /**
   * Create or update the preview environment of a pull request.
   *
   * Example: `dagger call preview --pr 42 --image-tag pr-42-abc1234 --chart-version 0.0.0-pr-42-abc1234 --token env:GITOPS_TOKEN`
   */
  @func({ cache: "never" })
  async preview(
    /** Pull request number. */ pr: number,
    /** Image tag. */ imageTag: string,
    /** Chart version. */ chartVersion: string,
    /** Token for the gitops repo. */ token?: Secret,
    /** Gitops repo URL (default: gitops.repo). */ repo?: string,
  ): Promise<string> {
    return preview(this.context(), { pr, imageTag, chartVersion, token, repo });
  }

  /**
   * Remove the preview environment of a pull request.
   *
   * Example: `dagger call preview-cleanup --pr 42 --token env:GITOPS_TOKEN`
   */
  @func({ cache: "never" })
  async previewCleanup(
    /** Pull request number. */ pr: number,
    /** Token for the gitops repo. */ token?: Secret,
    /** Gitops repo URL (default: gitops.repo). */ repo?: string,
  ): Promise<string> {
    return previewCleanup(this.context(), { pr, token, repo });
  }

  /**
   * Roll an environment back to the previous (or a given) version and freeze automatic promotion.
   *
   * Example: `dagger call rollback --environment prod --token env:GITOPS_TOKEN`
   */
  @func({ cache: "never" })
  async rollback(
    /** Environment to roll back. */ environment: string,
    /** Token for the gitops repo. */ token?: Secret,
    /** Version to roll back to (default: the previous one). */ to?: string,
    /** Gitops repo URL (default: gitops.repo). */ repo?: string,
  ): Promise<string> {
    return rollback(this.context(), { environment, token, to, repo });
  }

  /**
   * Install or upgrade the release in a cluster with an environment's values, and wait for it.
   *
   * A rollout that is not ready in time is rolled back, and an unchanged release is left alone.
   *
   * Example: `dagger call deploy --kubeconfig file:$HOME/.kube/config --api-server tcp://localhost:6443 --environment preview --image-tag sha-abc1234`
   */
  @func({ cache: "never" })
  async deploy(
    /** Environment whose values to use (staging, uat, prod, preview). */ environment: string,
    /** kubeconfig of the cluster. */ kubeconfig?: Secret,
    /** Image tag (default: the plan's, for --ref/--sha/--pr). */ imageTag?: string,
    /** Full git ref of the event, when the image tag comes from the plan. */ ref?: string,
    /** Commit sha of the event, when the image tag comes from the plan. */ sha?: string,
    /** Pull request number: the plan's image tag, and with the preview environment its preview namespace and host. */
    pr?: number,
    /** The cluster's API server as a service, when it runs on the host (Kind: tcp://localhost:<port>). */
    apiServer?: Service,
    /** Registry the images were published to, when not the values' (the local loop's localhost:5001). */
    registry?: string,
    /** How long helm waits for the rollout before rolling it back (default 5m). */
    timeout?: string,
  ): Promise<string> {
    return deployForEvent(this.context(), {
      environment,
      kubeconfig,
      imageTag,
      ref,
      sha,
      pr,
      apiServer,
      registry,
      timeout,
    });
  }

  /**
   * Run the chart's helm test (the api's /readyz) against a deployed release.
   *
   * Example: `dagger call helm-test --kubeconfig file:$HOME/.kube/config --api-server tcp://localhost:6443 --environment preview`
   */
  @func({ cache: "never" })
  async helmTest(
    /** Environment of the release. */ environment: string,
    /** kubeconfig of the cluster. */ kubeconfig?: Secret,
    /** The cluster's API server as a service, when it runs on the host (Kind: tcp://localhost:<port>). */
    apiServer?: Service,
    /** Pull request whose preview to test (with the preview environment). */ pr?: number,
    /** How long helm waits for the test pods (default 5m). */ timeout?: string,
  ): Promise<string> {
    return helmTestForEvent(this.context(), { environment, kubeconfig, apiServer, pr, timeout });
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
    /** Full git ref of the run (default: the checkout's). */ ref?: string,
    /** Pull request number, for pull request runs. */ pr?: number,
    /** Registry (default: image.registry). */ registry?: string,
    /** Registry username. */ username?: string,
    /** Registry password or token. */ password?: Secret,
    /** Registries with their own login, `host[:port]` each (quay.io); the others use --username/--password. */
    registryHosts?: string[],
    /** The username of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_USERNAME). */
    registryUsernames?: Secret[],
    /** The password or token of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_PASSWORD). */
    registryPasswords?: Secret[],
    /** Token for the gitops repo. */ token?: Secret,
    /** Commit sha of the run (a pull request's head sha; default: HEAD). */ sha?: string,
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
    /** A folder of Kubernetes JSON schemas for the chart-lint stage (as chart-lint --schemas). */
    schemas?: Directory,
  ): Promise<string> {
    return release(this.context(), {
      ref,
      pr,
      registry,
      username,
      password,
      registryHosts,
      registryUsernames,
      registryPasswords,
      token,
      sha,
      registryService,
      signingKey,
      actionsIdTokenRequestUrl,
      actionsIdTokenRequestToken,
      identityToken,
      workflowRef,
      runUrl,
      schemas,
    });
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
    /** Tag to compare with (default: the previous release tag). */ from?: string,
    /** Tag or commit the notes end at (default: HEAD). */ to?: string,
    /** Return the notes as JSON instead of Markdown. */ json?: boolean,
  ): Promise<string> {
    return releaseNotes(this.context(), { from, to, json });
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
    /** Token with contents: write on the repository (GITHUB_TOKEN). */ token: Secret,
    /** Release tag (default: the highest version tag at HEAD). */ tag?: string,
    /** owner/name on GitHub (default: source.url in pipeline.yaml). */ repository?: string,
    /** GitHub API base URL, for GitHub Enterprise (default: https://api.github.com). */ apiUrl?: string,
    /** Leave a new release as a draft. */ draft?: boolean,
    /** A folder of *.spdx.json SBOMs (from `pipeline sbom --out`) the release also carries. */
    sboms?: Directory,
    /** Also attach each release image platform's SBOM from the registry (<image>_<version>_<os>_<arch>.spdx.json). */
    registrySboms?: boolean,
    /** Registry and namespace the images were published to (default: image.registry). */ registry?: string,
    /** Registry username, for --registry-sboms. */ username?: string,
    /** Registry password or token, for --registry-sboms. */ password?: Secret,
    /** Registries with their own login, `host[:port]` each (quay.io); the others use --username/--password. */
    registryHosts?: string[],
    /** The username of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_USERNAME). */
    registryUsernames?: Secret[],
    /** The password or token of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_PASSWORD). */
    registryPasswords?: Secret[],
  ): Promise<string> {
    return githubReleaseForEvent(this.context(), {
      token,
      tag,
      repository,
      apiUrl,
      draft,
      sboms,
      registrySboms,
      registry,
      username,
      password,
      registryHosts,
      registryUsernames,
      registryPasswords,
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
    /** Full git ref of the event (refs/tags/v1.2.3; default: the checkout's). */ ref?: string,
    /** Commit sha of the event (default: HEAD). */ sha?: string,
    /** Registry and namespace the images were published to (default: image.registry). */ registry?: string,
    /** Registry username. */ username?: string,
    /** Registry password or token. */ password?: Secret,
    /** Registries with their own login, `host[:port]` each (quay.io); the others use --username/--password. */
    registryHosts?: string[],
    /** The username of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_USERNAME). */
    registryUsernames?: Secret[],
    /** The password or token of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_PASSWORD). */
    registryPasswords?: Secret[],
  ): Promise<string> {
    return sbom(this.context(), {
      ref,
      sha,
      registry,
      username,
      password,
      registryHosts,
      registryUsernames,
      registryPasswords,
    });
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
    /** Full git ref of the event (refs/tags/v1.2.3; default: the checkout's). */ ref?: string,
    /** Commit sha of the event (default: HEAD). */ sha?: string,
    /** Registry and namespace the images were published to (default: image.registry). */ registry?: string,
    /** Registry username. */ username?: string,
    /** Registry password or token. */ password?: Secret,
    /** Registries with their own login, `host[:port]` each (quay.io); the others use --username/--password. */
    registryHosts?: string[],
    /** The username of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_USERNAME). */
    registryUsernames?: Secret[],
    /** The password or token of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_PASSWORD). */
    registryPasswords?: Secret[],
    /** GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL (keyless signing; needs `id-token: write`). */
    actionsIdTokenRequestUrl?: Secret,
    /** GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_TOKEN (keyless signing). */
    actionsIdTokenRequestToken?: Secret,
    /** An OIDC token with audience sigstore (GitLab id_tokens): keyless signing; cosign reads it as SIGSTORE_ID_TOKEN. */
    identityToken?: Secret,
  ): Promise<string> {
    return sign(this.context(), {
      key,
      ref,
      sha,
      registry,
      username,
      password,
      registryHosts,
      registryUsernames,
      registryPasswords,
      actionsIdTokenRequestUrl,
      actionsIdTokenRequestToken,
      identityToken,
    });
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
    /** Full git ref of the event (refs/tags/v1.2.3; default: the checkout's). */ ref?: string,
    /** Commit sha that was built (default: HEAD). */ sha?: string,
    /** Registry and namespace the images were published to (default: image.registry). */ registry?: string,
    /** Registry username. */ username?: string,
    /** Registry password or token. */ password?: Secret,
    /** Registries with their own login, `host[:port]` each (quay.io); the others use --username/--password. */
    registryHosts?: string[],
    /** The username of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_USERNAME). */
    registryUsernames?: Secret[],
    /** The password or token of each of --registry-hosts, in order (env:REGISTRY_QUAY_IO_PASSWORD). */
    registryPasswords?: Secret[],
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
    return attest(this.context(), {
      key,
      ref,
      sha,
      registry,
      username,
      password,
      registryHosts,
      registryUsernames,
      registryPasswords,
      actionsIdTokenRequestUrl,
      actionsIdTokenRequestToken,
      identityToken,
      workflowRef,
      runUrl,
    });
  }
}
