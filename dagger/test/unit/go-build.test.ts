import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/core/config/config.js";
import { UsageError } from "../../src/core/errors.js";
import {
  buildCommands,
  buildExtras,
  gitCredentialEnv,
  goBuildEnv,
  goLintCommands,
  inGoSource,
  renderLdflags,
} from "../../src/core/go/commands.js";

const stamp = { version: "1.2.3", commit: "0123456789abcdef", date: "2026-11-25T10:00:00Z" };

describe("renderLdflags", () => {
  it.each([
    ["-X main.version={{.Version}}", "-X main.version=1.2.3"],
    [
      "-X pkg/version.VERSION={{ .Version }} -X main.REVISION={{.Commit}}",
      "-X pkg/version.VERSION=1.2.3 -X main.REVISION=0123456789abcdef",
    ],
    [
      "-X main.short={{.ShortCommit}} -X main.date={{.Date}}",
      "-X main.short=0123456 -X main.date=2026-11-25T10:00:00Z",
    ],
    ["-s -w", "-s -w"],
  ])("fills %s", (template, expected) => {
    expect(renderLdflags(template, stamp)).toBe(expected);
  });
});

describe("goBuildEnv", () => {
  it.each([
    ["linux/amd64", {}, { CGO_ENABLED: "0", GOOS: "linux", GOARCH: "amd64" }],
    ["linux/arm/v7", { cgo: true }, { CGO_ENABLED: "1", GOOS: "linux", GOARCH: "arm", GOARM: "7" }],
    [
      "linux/arm64",
      { env: { GOEXPERIMENT: "loopvar" }, private: ["github.com/acme/*", "git.acme.dev"] },
      {
        GOEXPERIMENT: "loopvar",
        GOPRIVATE: "github.com/acme/*,git.acme.dev",
        CGO_ENABLED: "0",
        GOOS: "linux",
        GOARCH: "arm64",
      },
    ],
  ])("for %s with %j", (platform, go, expected) => {
    expect(goBuildEnv(platform, go)).toEqual(expected);
  });

  it("names the token's variable in the credential helper, never a token", () => {
    const env = gitCredentialEnv();
    expect(env.GIT_CONFIG_VALUE_0).toContain("$GOPRIVATE_TOKEN");
    expect(env.GIT_TERMINAL_PROMPT).toBe("0");
  });
});

describe("buildCommands", () => {
  const go = { source: ".", ldflagsPackage: "main" };
  it.each([
    [
      "the default package and ldflags",
      { go, binaries: [{ name: "api", platforms: ["linux/amd64"] }] },
      [
        "go",
        "build",
        "-trimpath",
        "-buildvcs=false",
        "-ldflags",
        "-s -w -X main.version=1.2.3 -X main.commit=0123456789abcdef",
        "-o",
        "/out/linux-amd64/api",
        "./cmd/api",
      ],
    ],
    [
      "a main outside cmd/, tags and a custom template",
      {
        go: {
          ...go,
          tags: ["netgo", "osusergo"],
          ldflags: "-X example.com/x/pkg/version.VERSION={{.Version}}",
        },
        binaries: [{ name: "server", main: ".", platforms: ["linux/amd64"] }],
      },
      [
        "go",
        "build",
        "-trimpath",
        "-buildvcs=false",
        "-tags",
        "netgo,osusergo",
        "-ldflags",
        "-X example.com/x/pkg/version.VERSION=1.2.3",
        "-o",
        "/out/linux-amd64/server",
        ".",
      ],
    ],
  ])("%s", (_name, config, argv) => {
    const [command] = buildCommands(config, ["linux/amd64"], { ...stamp, outDir: "/out/" });
    expect(command!.argv).toEqual(argv);
    expect(command!.cwd).toBe(".");
  });

  it("builds each binary only for the platforms it ships on", () => {
    const commands = buildCommands(
      {
        go,
        binaries: [
          { name: "a", platforms: ["linux/amd64", "linux/arm64"] },
          { name: "b", platforms: ["linux/arm64"] },
        ],
      },
      ["linux/amd64", "linux/arm64"],
      { ...stamp, outDir: "out" },
    );
    expect(commands.map((c) => `${c.platform} ${c.binary}`)).toEqual([
      "linux/amd64 a",
      "linux/arm64 a",
      "linux/arm64 b",
    ]);
  });
});

describe("lint, build extras and paths", () => {
  it("checks go.mod drift with go mod tidy -diff", () => {
    expect(goLintCommands().map((c) => c.argv.join(" "))).toContain("go mod tidy -diff");
  });
  it.each([
    [
      ["go.mod", "assets/", "migrations/", "cmd/"],
      ["migrations", "assets"],
    ],
    [["go.mod", "ui"], []],
  ])("carries only the extras present in %j", (entries, expected) => {
    expect(buildExtras(entries)).toEqual(expected);
  });
  it.each([
    [".", "go.mod", "go.mod"],
    ["src", "go.mod", "src/go.mod"],
    ["./svc/", "assets", "svc/assets"],
  ])("%s + %s", (source, path, expected) => {
    expect(inGoSource(source, path)).toBe(expected);
  });
});

describe("go keys of pipeline.yaml", () => {
  const resolve = (go: unknown, found = ["api"]) =>
    resolveConfig({ app: "demo", go: { source: ".", ...(go as object) } }, "pipeline.yaml", found);

  it("declares a binary outside cmd/ by its main", () => {
    const config = resolve({ binaries: { server: { main: "." } } }, []);
    expect(config.binaries).toEqual([
      { name: "server", image: true, platforms: ["linux/amd64", "linux/arm64"], main: "." },
    ]);
  });

  it("keeps today's ldflags by default and takes a template", () => {
    expect(resolve({}).go.ldflags).toBe("-s -w -X main.version={{.Version}} -X main.commit={{.Commit}}");
    expect(resolve({ ldflags: "-X a/b.V={{.Version}}" }).go.ldflags).toBe("-X a/b.V={{.Version}}");
  });

  it.each([
    [{ binaries: { nope: {} } }, "go.binaries.nope: no such binary"],
    [{ binaries: { x: { main: "../up" } } }, "go.binaries.x.main"],
    [{ ldflags: "-X main.v={{.Nope}}" }, "go.ldflags"],
    [
      { ldflags: "-X main.v={{.Env.SECRET}}" },
      "go.ldflags: {{.Env.SECRET}} reads go.env, which has no SECRET",
    ],
    [{ env: { PATH: "/x" } }, "go.env.PATH"],
    [{ tags: ["a b"] }, "go.tags[0]"],
    [{ private: ["github.com/acme/*;rm"] }, "go.private[0]"],
  ])("refuses %j naming the key", (go, key) => {
    expect(() => resolve(go)).toThrow(UsageError);
    expect(() => resolve(go)).toThrow(key);
  });
});
