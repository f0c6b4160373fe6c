/** The go.ldflags template: GoReleaser's fields and meanings, per build, and go.env for {{.Env.NAME}}. */
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/core/config/config.js";
import { buildCommands } from "../../src/core/go/commands.js";
import { ldflagsProblem, planStamp, renderLdflags } from "../../src/core/go/ldflags.js";

const stamp = {
  version: "1.4.2-rc.1",
  commit: "0123456789abcdef0123456789abcdef01234567",
  date: "2026-11-25T10:00:00Z",
  branch: "",
  tag: "v1.4.2-rc.1",
  projectName: "dns",
};

describe("renderLdflags fills GoReleaser's fields", () => {
  it.each([
    [
      "{{.Version}} {{.RawVersion}} {{.Major}}.{{.Minor}}.{{.Patch}} {{.Prerelease}}",
      "1.4.2-rc.1 1.4.2 1.4.2 rc.1",
    ],
    ["{{.Tag}} {{ .ProjectName }}", "v1.4.2-rc.1 dns"],
    ["{{.Commit}}", stamp.commit],
    ["{{.FullCommit}} {{.ShortCommit}}", `${stamp.commit} 0123456`],
    ["{{.Date}} {{.CommitDate}}", "2026-11-25T10:00:00Z 2026-11-25T10:00:00Z"],
    ["{{.Timestamp}} {{.CommitTimestamp}}", "1795600800 1795600800"],
    ["{{.Os}}/{{.Arch}}{{.Arm}}", "linux/s390x"],
    ["-X main.branch={{.Branch}}", "-X main.branch="],
  ])("%s", (template, expected) => {
    expect(renderLdflags(template, stamp, "linux/s390x")).toBe(expected);
  });

  it.each([
    ["linux/arm/v6", "arm 6"],
    ["linux/arm64", "arm64 "],
    ["linux/riscv64", "riscv64 "],
  ])("gives {{.Arch}} and {{.Arm}} of %s", (platform, expected) => {
    expect(renderLdflags("{{.Arch}} {{.Arm}}", stamp, platform)).toBe(expected);
  });

  it("reads {{.Env.NAME}} from go.env only", () => {
    expect(renderLdflags("-X main.ch={{.Env.CHANNEL}}", stamp, "linux/amd64", { CHANNEL: "stable" })).toBe(
      "-X main.ch=stable",
    );
  });
});

describe("ldflagsProblem", () => {
  it.each([
    ["-X main.v={{.Version}} -X main.b={{.Branch}} -X main.e={{.Env.CHANNEL}}", null],
    [
      "-X main.v={{.Nope}}",
      /uses "\{\{\.Nope\}\}"; the template knows .*\{\{\.Branch\}\}.*\{\{\.Env\.NAME\}\}/,
    ],
    ['-X main.v={{ .Version | trimprefix "v" }}', /the template knows/],
    ["-X main.v={{Version}}", /the template knows/],
    ["-X a=b\n-X c=d", /one line/],
  ])("%j", (template, problem) => {
    const found = ldflagsProblem(template);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });

  it("refuses an {{.Env.NAME}} go.env does not have, and takes one it has", () => {
    const resolve = (go: object) => resolveConfig({ app: "x", go: { source: ".", ...go } }, "p.yaml", ["x"]);
    expect(() => resolve({ ldflags: "-X main.t={{.Env.TOKEN}}" })).toThrow(
      /go\.ldflags: \{\{\.Env\.TOKEN\}\} reads go\.env, which has no TOKEN/,
    );
    expect(resolve({ ldflags: "-X main.c={{.Env.CHANNEL}}", env: { CHANNEL: "stable" } }).go.ldflags).toBe(
      "-X main.c={{.Env.CHANNEL}}",
    );
  });
});

describe("the stamp of a run", () => {
  it("comes from the plan: branch and tag as the event has them", () => {
    const plan = {
      app: "dns",
      version: "1.5.0-main.4",
      annotations: { "org.opencontainers.image.created": "2026-11-25T10:00:00Z" },
      event: { sha: stamp.commit, branch: "main", tag: null },
    };
    expect(planStamp(plan)).toEqual({
      version: "1.5.0-main.4",
      commit: stamp.commit,
      date: "2026-11-25T10:00:00Z",
      branch: "main",
      tag: "",
      projectName: "dns",
    });
  });

  it("fills each platform's own fields in its build", () => {
    const config = resolveConfig(
      {
        app: "dns",
        go: {
          source: ".",
          ldflags: "-X main.p={{.Os}}-{{.Arch}} -X main.c={{.Env.CHANNEL}}",
          env: { CHANNEL: "stable" },
        },
        platforms: ["linux/s390x", "linux/riscv64"],
      },
      "p.yaml",
      ["dns"],
    );
    const argv = buildCommands(config, config.platforms, { ...stamp, outDir: "/out" }).map(
      (c) => c.argv[c.argv.indexOf("-ldflags") + 1],
    );
    expect(argv).toEqual([
      "-X main.p=linux-s390x -X main.c=stable",
      "-X main.p=linux-riscv64 -X main.c=stable",
    ]);
  });
});
