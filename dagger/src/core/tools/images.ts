/**
 * Every tool image the module runs, pinned in one place, and the cache volume names derived from
 * them. Tags are pinned to exact versions; bump them here and nowhere else. Cache volume names
 * carry the tool and its version so an upgrade never reads a cache written by another version.
 * What each image holds (entrypoint, PATH, where its programs live) is checked by the contract
 * tests' image-facts table, read from each image's Dockerfile.
 */

/**
 * The exact golang release each Go minor in pipeline.yaml runs on, so `go.version: "1.26"` still
 * names one image and the layer cache is not invalidated by a floating tag (docker-library/golang
 * versions.json). A `go.version` with a patch (1.26.3) is used as given; a minor missing here
 * falls back to the floating `golang:<minor>-bookworm`.
 */
export const GO_RELEASES: Readonly<Record<string, string>> = { "1.26": "1.26.7" };

/** The golang image version for a pipeline.yaml `go.version`. */
export function golangImageVersion(goVersion: string): string {
  return /^\d+\.\d+\.\d+$/.test(goVersion) ? goVersion : (GO_RELEASES[goVersion] ?? goVersion);
}

/** Pinned tool images. */
export const TOOL_IMAGES = {
  golang: (goVersion: string) => `golang:${golangImageVersion(goVersion)}-bookworm`,
  /** The default golangci-lint; lint runs {@link golangciLintImage} of the version it resolves. */
  golangciLint: "golangci/golangci-lint:v2.15.0",
  helm: "alpine/helm:3.22.0",
  kubeconform: "ghcr.io/yannh/kubeconform:v0.8.0-alpine",
  postgres: "postgres:17.6-alpine",
  alpine: "alpine:3.22.2",
  /** Debian-based official node image: its buildpack-deps:bookworm base installs git (nodejs/docker-node 24/bookworm/Dockerfile). */
  nodeGit: "node:24.13.1-bookworm",
  /** git on alpine, so reading the checkout installs nothing per call (alpine-docker/git). */
  git: "alpine/git:v2.52.0",
  /** Sigstore's cosign, built by ko on distroless static (sigstore/cosign .ko.yaml): keyless signing in CI. */
  cosign: "ghcr.io/sigstore/cosign/cosign:v2.6.5",
} as const;

/** The golangci-lint image of a version (`v2.1.6`): the repository's pin, or the default's tag. */
export function golangciLintImage(version: string): string {
  return `golangci/golangci-lint:${version}`;
}

/**
 * Programs that are not on their image's PATH. The kubeconform image copies its binary to `/` and
 * only sets it as ENTRYPOINT (yannh/kubeconform Dockerfile-alpine), so a bare `kubeconform` is
 * "executable file not found in $PATH" there. ko puts cosign at /ko-app/cosign (its ENTRYPOINT);
 * the absolute path does not depend on ko adding /ko-app to PATH.
 */
export const IMAGE_PROGRAMS = { kubeconform: "/kubeconform", cosign: "/ko-app/cosign" } as const;

/** Paths inside the golang image where Go keeps its caches. */
export const GO_CACHE_PATHS = { modules: "/go/pkg/mod", build: "/root/.cache/go-build" } as const;

/** Where kubeconform keeps the schemas it downloads (its `-cache` flag). */
export const KUBECONFORM_CACHE_PATH = "/cache/kubeconform";

const tagOf = (image: string) => image.slice(image.lastIndexOf(":") + 1);

/** Cache volume names: tool, version and (for build caches) target platform. */
export const cacheVolumes = {
  goModules: (goVersion: string) => `go-mod-${goVersion}`,
  goBuild: (goVersion: string, platform: string) => `go-build-${goVersion}-${platform.replaceAll("/", "-")}`,
  golangciLint: (image: string = TOOL_IMAGES.golangciLint) => `golangci-lint-${tagOf(image)}`,
  /** golangci-lint's image brings its own Go, so its build cache is keyed by the linter's image. */
  golangciLintGoBuild: (image: string = TOOL_IMAGES.golangciLint) => `go-build-golangci-lint-${tagOf(image)}`,
  helm: () => `helm-cache-${tagOf(TOOL_IMAGES.helm)}`,
  kubeconformSchemas: () => `kubeconform-schemas-${tagOf(TOOL_IMAGES.kubeconform)}`,
  npm: () => `npm-cache-${tagOf(TOOL_IMAGES.nodeGit)}`,
};
