/**
 * What each pinned tool image (src/core/tools/images.ts) looks like inside, read from the image's own
 * Dockerfile: entrypoint, workdir, PATH and where the programs the module runs live. The recording
 * engine looks argv[0] of every `withExec` up in these facts, as a real engine does in the image,
 * so an exec that works on our host (where every tool is on PATH) but not in the image fails here.
 *
 * Every entry cites its source. Where the snapshot of an image's repository predates the pinned
 * tag, the cited commit is the newest one read; the layout lines quoted did not change between them.
 */
import { TOOL_IMAGES } from "../../src/core/tools/images.js";

/** The layout of one image, as its Dockerfile makes it. */
export interface ImageFacts {
  /** Where this was read: the Dockerfile in the image's repository (repo, path, commit). */
  source: string;
  /** The image config's ENTRYPOINT (prepended to withExec args only with useEntrypoint). */
  entrypoint: string[];
  /** The image config's CMD. */
  cmd: string[];
  /** The image config's WORKDIR ("/" when the Dockerfile sets none). */
  workdir: string;
  /** The image config's PATH. */
  path: string;
  /** Absolute paths of the programs in the image that the module may run (tools, shells, applets). */
  executables: string[];
}

/** Docker's default PATH, which the builder writes into an image config that sets none. */
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * BusyBox applets of Alpine's base layer, at the paths `busybox --install -s` links them to
 * (alpine's aports main/busybox; same paths as `busybox --list-full` of Debian's busybox-static).
 */
const BUSYBOX = [
  ...[
    "sh",
    "ash",
    "base64",
    "cat",
    "cp",
    "echo",
    "grep",
    "gzip",
    "ls",
    "mkdir",
    "mv",
    "rm",
    "sed",
    "tar",
    "true",
  ].map((a) => `/bin/${a}`),
  ...["env", "head", "tail", "test", "wc", "tr", "cut", "sort", "xargs"].map((a) => `/usr/bin/${a}`),
];

/** Alpine's package manager. */
const APK = ["/sbin/apk"];

/**
 * Debian bookworm (merged /usr: /bin is a link to /usr/bin) with buildpack-deps:bookworm-scm's git
 * and the golang image's cgo toolchain.
 */
const DEBIAN_GO = [
  ...[
    "sh",
    "bash",
    "cat",
    "ls",
    "mkdir",
    "rm",
    "sed",
    "tar",
    "gzip",
    "base64",
    "env",
    "head",
    "tail",
  ].flatMap((p) => [`/bin/${p}`, `/usr/bin/${p}`]),
  "/usr/bin/git",
  "/usr/bin/gcc",
  "/usr/bin/g++",
  "/usr/bin/make",
  "/usr/local/go/bin/go",
  "/usr/local/go/bin/gofmt",
];

const GOLANG_PATH = `/go/bin:/usr/local/go/bin:${DEFAULT_PATH}`;

/** Facts for every image in TOOL_IMAGES, keyed by the reference the module passes to `from`. */
export const IMAGE_FACTS: Record<string, ImageFacts> = {
  [TOOL_IMAGES.golang("1.26")]: {
    source:
      "github.com/docker-library/golang 1.26/bookworm/Dockerfile @7c8c182bfc19ee3169d0596ae63917d2c7166f94 (GOLANG_VERSION 1.26.7; ENV PATH $GOPATH/bin:/usr/local/go/bin:$PATH; WORKDIR $GOPATH; FROM buildpack-deps:bookworm-scm, whose CMD is bash)",
    entrypoint: [],
    cmd: ["bash"],
    workdir: "/go",
    path: GOLANG_PATH,
    executables: DEBIAN_GO,
  },
  [TOOL_IMAGES.golangciLint]: {
    source:
      'github.com/golangci/golangci-lint build/buildx.Dockerfile @6fb5dee3889d231640dce56e5e71c522f13aef7e (FROM golang; ENV GOTOOLCHAIN auto; COPY golangci-lint /usr/bin/; CMD ["golangci-lint"]; released by .goreleaser.yml dockers_v2)',
    entrypoint: [],
    cmd: ["golangci-lint"],
    workdir: "/go",
    path: GOLANG_PATH,
    executables: [...DEBIAN_GO, "/usr/bin/golangci-lint"],
  },
  [TOOL_IMAGES.helm]: {
    source:
      'github.com/alpine-docker/helm Dockerfile @56d4e9de1184bbe3e6aa1d615d5f992594680588 (FROM alpine; apk add wget git curl bash yq; mv helm /usr/bin/helm; WORKDIR /apps; ENTRYPOINT ["helm"]; CMD ["--help"])',
    entrypoint: ["helm"],
    cmd: ["--help"],
    workdir: "/apps",
    path: DEFAULT_PATH,
    executables: [
      ...BUSYBOX,
      ...APK,
      "/usr/bin/helm",
      "/usr/bin/git",
      "/usr/bin/curl",
      "/usr/bin/wget",
      "/bin/bash",
      "/usr/bin/yq",
    ],
  },
  [TOOL_IMAGES.cosign]: {
    source:
      "github.com/sigstore/cosign .ko.yaml @07005d5c2e070facf6f09ac8b229c5a21c5dbdd4 (ko build of ./cmd/cosign on defaultBaseImage gcr.io/distroless/static-debian12:nonroot; ko puts the binary at /ko-app/cosign, sets it as ENTRYPOINT and appends /ko-app to PATH; distroless static has no shell, user 65532, WORKDIR /home/nonroot)",
    entrypoint: ["/ko-app/cosign"],
    cmd: [],
    workdir: "/home/nonroot",
    path: `${DEFAULT_PATH}:/ko-app`,
    executables: ["/ko-app/cosign"],
  },
  [TOOL_IMAGES.kubeconform]: {
    source:
      'github.com/yannh/kubeconform Dockerfile-alpine @e65429b1e5990dd019ebb7b5642dcd22a3e9cd13 (FROM alpine; COPY kubeconform /; ENTRYPOINT ["/kubeconform"]; / is not on PATH)',
    entrypoint: ["/kubeconform"],
    cmd: [],
    workdir: "/",
    path: DEFAULT_PATH,
    executables: [...BUSYBOX, ...APK, "/kubeconform"],
  },
  [TOOL_IMAGES.postgres]: {
    source:
      'github.com/docker-library/postgres 17/alpine3.22/Dockerfile @e34fc9d23c4eab656e9037701d71962c9b46a2e7 (PG_VERSION 17.6; --prefix=/usr/local; COPY docker-entrypoint.sh /usr/local/bin/; ENTRYPOINT ["docker-entrypoint.sh"]; CMD ["postgres"])',
    entrypoint: ["docker-entrypoint.sh"],
    cmd: ["postgres"],
    workdir: "/",
    path: DEFAULT_PATH,
    executables: [
      ...BUSYBOX,
      ...APK,
      "/usr/local/bin/docker-entrypoint.sh",
      "/usr/local/bin/postgres",
      "/usr/local/bin/psql",
      "/usr/local/bin/pg_isready",
    ],
  },
  [TOOL_IMAGES.nodeGit]: {
    source:
      'github.com/nodejs/docker-node 24/bookworm/Dockerfile @74b0481b76e0af5b19d425ad34489e7393b23aff (NODE_VERSION=24.13.1; FROM buildpack-deps:bookworm, which has git; node, npm, npx in /usr/local/bin; ENTRYPOINT ["docker-entrypoint.sh"]; CMD ["node"])',
    entrypoint: ["docker-entrypoint.sh"],
    cmd: ["node"],
    workdir: "/",
    path: DEFAULT_PATH,
    executables: [
      ...DEBIAN_GO.filter((p) => !p.startsWith("/usr/local/go/")),
      "/usr/local/bin/node",
      "/usr/local/bin/npm",
      "/usr/local/bin/npx",
      "/usr/local/bin/docker-entrypoint.sh",
    ],
  },
  [TOOL_IMAGES.alpine]: {
    source:
      'github.com/alpinelinux/docker-alpine x86_64/Dockerfile on branch v3.20 @cfaba603d3e1826ae8d871985674cf96ba422f84 (FROM scratch; ADD alpine-minirootfs-*.tar.gz /; CMD ["/bin/sh"]; the same recipe for every release)',
    entrypoint: [],
    cmd: ["/bin/sh"],
    workdir: "/",
    path: DEFAULT_PATH,
    executables: [...BUSYBOX, ...APK],
  },
  [TOOL_IMAGES.git]: {
    source:
      'github.com/alpine-docker/git Dockerfile @95d098d6d9567c59e60daf12c82aeed01377a4d8 (FROM alpine; apk add git git-lfs gpg less openssh patch perl; WORKDIR /git; ENTRYPOINT ["git"]; CMD ["--help"])',
    entrypoint: ["git"],
    cmd: ["--help"],
    workdir: "/git",
    path: DEFAULT_PATH,
    executables: [...BUSYBOX, ...APK, "/usr/bin/git", "/usr/bin/git-lfs", "/usr/bin/ssh", "/usr/bin/perl"],
  },
};

/** The facts of `image`, or undefined when the table has none (an unpinned or unknown image). */
export function factsOf(image: string): ImageFacts | undefined {
  // Lint runs the golangci-lint a repository pins: every v2 release's image is built from the same
  // build/buildx.Dockerfile, so another v2 tag has the default's layout.
  if (!IMAGE_FACTS[image] && /^golangci\/golangci-lint:v2(\.\d+){1,2}$/.test(image))
    return IMAGE_FACTS[TOOL_IMAGES.golangciLint];
  return IMAGE_FACTS[image];
}

/**
 * Finds argv[0] the way the container runtime does: a name with a slash is taken as a path; a bare
 * name is looked up in each PATH directory in order. Returns the program's path, or undefined.
 */
export function lookPath(facts: ImageFacts, program: string, path: string): string | undefined {
  if (program.includes("/")) return facts.executables.includes(program) ? program : undefined;
  for (const dir of path.split(":")) {
    const candidate = `${dir.replace(/\/+$/, "") || ""}/${program}`;
    if (facts.executables.includes(candidate)) return candidate;
  }
  return undefined;
}
