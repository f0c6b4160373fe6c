/**
 * Every tool image the module runs, pinned in one place, and the cache volume names derived from
 * them. Tags are pinned to exact versions; bump them here and nowhere else. Cache volume names
 * carry the tool and its version so an upgrade never reads a cache written by another version.
 */

/** Pinned tool images. */
export const TOOL_IMAGES = {
  golang: (goVersion: string) => `golang:${goVersion}-bookworm`,
  golangciLint: "golangci/golangci-lint:v2.15.0",
  helm: "alpine/helm:3.22.0",
  kubeconform: "ghcr.io/yannh/kubeconform:v0.8.0-alpine",
  postgres: "postgres:17.6-alpine",
  kubectl: "bitnami/kubectl:1.31.4",
  alpine: "alpine:3.22.2",
  /** Debian-based official node image: its buildpack-deps:bookworm base installs git (nodejs/docker-node 24/bookworm/Dockerfile). */
  nodeGit: "node:24.13.1-bookworm",
} as const;

/** Paths inside the golang image where Go keeps its caches. */
export const GO_CACHE_PATHS = { modules: "/go/pkg/mod", build: "/root/.cache/go-build" } as const;

/** Cache volume names: tool, version and (for build caches) target platform. */
export const cacheVolumes = {
  goModules: (goVersion: string) => `go-mod-${goVersion}`,
  goBuild: (goVersion: string, platform: string) => `go-build-${goVersion}-${platform.replaceAll("/", "-")}`,
  golangciLint: () => `golangci-lint-${TOOL_IMAGES.golangciLint.split(":")[1]}`,
  helm: () => `helm-cache-${TOOL_IMAGES.helm.split(":")[1]}`,
  npm: () => `npm-cache-${TOOL_IMAGES.nodeGit.split(":")[1]}`,
};
