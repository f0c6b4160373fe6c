import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/core/config/config.js";
import { buildCommands } from "../../src/core/go/commands.js";
import { dockerBuildArgv, dockerfilesFor, imageBuilds } from "../../src/core/images/commands.js";
import { renderDockerfile } from "../../src/core/images/dockerfile.js";
import { assemblePlan } from "../../src/core/release/plan.js";
import { outDirFromSource, outputSteps, renderRun } from "../../src/core/runners/render.js";

const config = resolveConfig(
  {
    app: "shop",
    image: { registry: "r.io/acme" },
    platforms: ["linux/amd64", "linux/arm/v7"],
    go: { binaries: { worker: { platforms: ["linux/amd64"] } } },
  },
  "pipeline.yaml",
  ["api", "worker"],
);
const plan = assemblePlan({
  config,
  event: { kind: "branch", ref: "refs/heads/main", sha: "0123456789abcdef", branch: "main", source: "flags" },
  version: { version: "1.2.4-main.3", source: "next", coerced: false },
  created: "2026-11-25T00:00:00.000Z",
});

describe("the build commands", () => {
  it("cross-compile each binary for each platform it ships on, stamped, into <os>-<arch>/", () => {
    const commands = buildCommands(config, config.platforms, {
      version: "1.2.3",
      commit: "abc",
      outDir: "/o/",
    });
    expect(commands.map((c) => [c.binary, c.platform, c.output, c.env])).toEqual([
      ["api", "linux/amd64", "/o/linux-amd64/api", { CGO_ENABLED: "0", GOOS: "linux", GOARCH: "amd64" }],
      [
        "worker",
        "linux/amd64",
        "/o/linux-amd64/worker",
        { CGO_ENABLED: "0", GOOS: "linux", GOARCH: "amd64" },
      ],
      [
        "api",
        "linux/arm/v7",
        "/o/linux-armv7/api",
        { CGO_ENABLED: "0", GOOS: "linux", GOARCH: "arm", GOARM: "7" },
      ],
    ]);
    expect(commands[0]!.argv).toEqual([
      "go",
      "build",
      "-trimpath",
      "-buildvcs=false",
      "-ldflags",
      `-s -w -X ${config.go.ldflagsPackage}.version=1.2.3 -X ${config.go.ldflagsPackage}.commit=abc`,
      "-o",
      "/o/linux-amd64/api",
      "./cmd/api",
    ]);
  });

  it.each([
    ["src", "../.out"],
    [".", ".out"],
    ["services/shop", "../../.out"],
  ])("puts the output of a build in %s at %s", (source, out) => {
    expect(outDirFromSource(source)).toBe(out);
  });
});

describe("the image builds", () => {
  it("tag each binary per platform in the daemon and build with the classic builder", () => {
    const builds = imageBuilds(config, config.platforms, "sha-0123456");
    expect(builds.map((b) => b.localTag)).toEqual([
      "r.io/acme/shop-api:sha-0123456-amd64",
      "r.io/acme/shop-api:sha-0123456-armv7",
      "r.io/acme/shop-worker:sha-0123456-amd64",
    ]);
    expect(dockerBuildArgv(builds[1]!, "/ctx")).toEqual({
      argv: [
        "docker",
        "build",
        "--quiet",
        "--platform",
        "linux/arm/v7",
        "--file",
        "/ctx/Dockerfile.api",
        "--tag",
        "r.io/acme/shop-api:sha-0123456-armv7",
        "/ctx",
      ],
      env: { DOCKER_BUILDKIT: "0" },
    });
  });

  it("generate the Dockerfiles the module generates, titled per binary", () => {
    const [api] = dockerfilesFor(config, { "org.opencontainers.image.version": "1" }, true);
    expect(api!.text).toBe(
      renderDockerfile({
        binary: "api",
        base: config.image.base,
        packages: config.image.packages,
        user: config.image.user,
        hasAssets: true,
        labels: { "org.opencontainers.image.version": "1", "org.opencontainers.image.title": "shop-api" },
      }),
    );
  });
});

describe("render", () => {
  const files = renderRun(config, plan);

  it("writes the Dockerfiles, build, images and helm commands, and the values edits per environment", () => {
    expect(Object.keys(files).sort()).toEqual([
      "build.json",
      "dockerfiles/Dockerfile.api",
      "dockerfiles/Dockerfile.worker",
      "helm.json",
      "images.json",
      ...Object.keys(config.environments)
        .map((e) => `values/${e}.json`)
        .sort(),
    ]);
  });

  it("renders the build as the argv and env the runners run", () => {
    const build = JSON.parse(files["build.json"]!);
    expect(build.version).toBe("1.2.4-main.3");
    expect(build.commands).toEqual(
      buildCommands(config, config.platforms, {
        version: "1.2.4-main.3",
        commit: "0123456789abcdef",
        outDir: "../.out",
      }),
    );
  });

  it("renders chart-lint per environment and helm package with the plan's chart version", () => {
    const helm = JSON.parse(files["helm.json"]!);
    expect(helm.chartLint[0].argv.slice(0, 3)).toEqual(["helm", "lint", "--strict"]);
    expect(helm.package).toContain(plan.chart.version);
  });

  it("renders each environment's values edits with the plan's image tag and chart version", () => {
    const staging = JSON.parse(files["values/staging.json"]!);
    expect(staging.files[0].changes).toContainEqual({ key: "images.api.tag", value: "sha-0123456" });
    expect(staging.files[1].changes).toEqual([
      { key: "spec.sources[0].targetRevision", value: plan.chart.version },
    ]);
  });
});

describe("outputSteps: every path render --out goes through, parents first", () => {
  const files = ["plan.json", "dockerfiles/api.Dockerfile", "dockerfiles/worker.Dockerfile"];
  it.each([
    [
      "inside the repository: from its root down",
      ["/repo", "/home/me"],
      "/repo/.out/render",
      ["d /repo/.out", "d /repo/.out/render", "d /repo/.out/render/dockerfiles"],
    ],
    [
      "outside both: the folder itself first",
      ["/repo", "/home/me"],
      "/tmp/x",
      ["d /tmp/x", "d /tmp/x/dockerfiles"],
    ],
    [
      "inside the user's directory only: from there",
      ["/repo", "/home/me"],
      "/home/me/a/b",
      ["d /home/me/a", "d /home/me/a/b", "d /home/me/a/b/dockerfiles"],
    ],
    ["the repository root itself", ["/repo"], "/repo", ["d /repo", "d /repo/dockerfiles"]],
    ["a relative path, resolved", ["/repo"], "/repo/./x/../y", ["d /repo/y", "d /repo/y/dockerfiles"]],
  ])("%s", (_name, bases, out, dirs) => {
    const steps = outputSteps(bases, out, files);
    expect(steps.filter((s) => s.kind === "dir").map((s) => `d ${s.path}`)).toEqual(dirs);
    const root = dirs
      .at(-1)!
      .slice(2)
      .replace(/\/dockerfiles$/, "");
    expect(steps.filter((s) => s.kind === "file").map((s) => s.path)).toEqual(
      [...files].sort().map((f) => `${root}/${f}`),
    );
    // Parents before children: a checker may stop below the first missing folder.
    for (const [i, step] of steps.entries())
      for (const later of steps.slice(i + 1)) expect(step.path.startsWith(`${later.path}/`)).toBe(false);
  });
});
