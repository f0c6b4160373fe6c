/**
 * Lint and test fitted to a repository (issue #22): which golangci-lint runs, which modules are
 * linted, the `go test` flags, tools and environment the test stage takes, and how a failed
 * `go test -json` run is reported: each failed package's and test's own output.
 */
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/core/config/config.js";
import { lintModules } from "../../src/core/go/commands.js";
import {
  DEFAULT_GOLANGCI_LINT_VERSION,
  golangciLintVersion,
  pinFiles,
  reportedLintVersion,
  repositoryLintPin,
  sameLintVersion,
} from "../../src/core/go/lint-version.js";
import { goTestArgv, testEnv, testPlan } from "../../src/core/go/test-plan.js";
import { failureHeadline, failureText, parseTestJson } from "../../src/core/go/test-report.js";
import { installedName, testToolSteps } from "../../src/core/go/test-tools.js";
import { cacheVolumes, golangciLintImage } from "../../src/core/tools/images.js";

const config = (yaml: Record<string, unknown>) =>
  resolveConfig({ app: "a", ...yaml }, "pipeline.yaml", ["a"]);
const problems = (yaml: Record<string, unknown>) => {
  try {
    config(yaml);
    return "";
  } catch (error) {
    return (error as Error).message;
  }
};

describe("the golangci-lint a repository pins", () => {
  it.each([
    ["a Makefile variable", "Makefile", "GOLANGCI_LINT_VERSION ?= v2.1.6\n", "v2.1.6"],
    ["a Makefile variable without v", "Makefile", "GOLANGCI_VERSION := 1.64.8\n", "v1.64.8"],
    [
      "a go install line",
      "Makefile",
      "lint:\n\tgo install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.3.0\n",
      "v2.3.0",
    ],
    [
      "the install script",
      "Makefile",
      "\tcurl -sSfL https://raw.githubusercontent.com/golangci/golangci-lint/HEAD/install.sh | sh -s -- -b bin v2.0.2\n",
      "v2.0.2",
    ],
    [
      "a tools go.mod",
      "hack/tools/go.mod",
      "module tools\n\nrequire (\n\tgithub.com/golangci/golangci-lint/v2 v2.4.0\n)\n",
      "v2.4.0",
    ],
    [
      "a single require",
      "tools/go.mod",
      "module tools\nrequire github.com/golangci/golangci-lint v1.61.0\n",
      "v1.61.0",
    ],
    ["asdf", ".tool-versions", "golang 1.24.0\ngolangci-lint 2.2.1\n", "v2.2.1"],
    [
      "an install script",
      "scripts/install-tools.sh",
      "#!/bin/bash\nGOLANG_CI_LINTER_VERSION=v2.11.4\n",
      "v2.11.4",
    ],
    [
      "golangci-lint-action",
      ".github/workflows/ci.yaml",
      "jobs:\n  lint:\n    steps:\n      - uses: golangci/golangci-lint-action@v8\n        with:\n          version: v2.1\n",
      "v2.1",
    ],
    [
      "an action on latest (no pin)",
      ".github/workflows/ci.yaml",
      "jobs:\n  lint:\n    steps:\n      - uses: golangci/golangci-lint-action@v8\n        with: { version: latest }\n",
      null,
    ],
    ["the config format of .golangci.yml (no pin)", ".golangci.yml", 'version: "2"\n', null],
  ])("reads %s", (_, path, text, version) => {
    expect(repositoryLintPin([{ path, text }])?.version ?? null).toBe(version);
  });

  it("prefers a Makefile to a workflow, and names where the pin is", () => {
    const pin = repositoryLintPin([
      {
        path: ".github/workflows/ci.yaml",
        text: "jobs: { l: { steps: [ { uses: golangci/golangci-lint-action@v8, with: { version: v2.0.0 } } ] } }",
      },
      { path: "Makefile", text: "GOLANGCI_LINT_VERSION = v2.1.6\n" },
    ]);
    expect(pin).toEqual({ version: "v2.1.6", from: "Makefile" });
  });

  it.each([
    ["", null, DEFAULT_GOLANGCI_LINT_VERSION, "the pipeline's default"],
    ["", { version: "v2.1.6", from: "Makefile" }, "v2.1.6", "Makefile"],
    ["v2.4.0", { version: "v2.1.6", from: "Makefile" }, "v2.4.0", "lint.golangciLint.version"],
  ])("runs %j over the pin %j: %s", (configured, pin, version, source) => {
    expect(golangciLintVersion(configured, pin)).toEqual({ version, source });
  });

  it("keys the module's image and caches by the version", () => {
    const image = golangciLintImage("v2.1.6");
    expect(image).toBe("golangci/golangci-lint:v2.1.6");
    expect(cacheVolumes.golangciLint(image)).toBe("golangci-lint-v2.1.6");
    expect(cacheVolumes.golangciLintGoBuild()).toBe(
      `go-build-golangci-lint-${DEFAULT_GOLANGCI_LINT_VERSION}`,
    );
  });

  it("compares the host's version with the wanted one", () => {
    const reported = reportedLintVersion("golangci-lint has version 2.15.0 built with go1.26.8");
    expect(reported).toBe("v2.15.0");
    expect(sameLintVersion(reported!, "v2.15.0")).toBe(true);
    expect(sameLintVersion(reported!, "v2.15")).toBe(true);
    expect(sameLintVersion(reported!, "v2.1")).toBe(false);
  });

  it("looks in go.source too", () => {
    expect(pinFiles("src")).toContain("src/Makefile");
    expect(pinFiles(".")).not.toContain("./Makefile");
  });
});

describe("lint.modules", () => {
  it("lints go.source's own module by default, and a nested one only when listed", () => {
    expect(lintModules(config({ go: { source: "src" } }))).toEqual([{ module: ".", dir: "src" }]);
    expect(lintModules(config({ go: { source: "." }, lint: { modules: [".", "./e2e/"] } }))).toEqual([
      { module: ".", dir: "." },
      { module: "e2e", dir: "e2e" },
    ]);
  });

  it.each([
    [{ lint: { modules: ["../x"] } }, "lint.modules[0]"],
    [{ lint: { modules: [] } }, "lint.modules: lists no module"],
    [{ lint: { golangciLint: { version: "latest" } } }, "lint.golangciLint.version"],
  ])("refuses %j", (yaml, message) => {
    expect(problems(yaml)).toContain(message);
  });
});

describe("test.flags, test.tools and test.env", () => {
  it("puts the flags after -json, -race and the profile, before the packages", () => {
    const c = config({ test: { flags: ["-short", "-run=^TestA$", "-tags=integration"] } });
    expect(goTestArgv(c.test, "c.out")).toEqual([
      "go",
      "test",
      "-json",
      "-race",
      "-count=1",
      "-coverprofile=c.out",
      "-short",
      "-run=^TestA$",
      "-tags=integration",
      "./...",
    ]);
  });

  it.each([
    ["-run TestA", "is not one go test flag as one argument"],
    ["-json", "is set by the stage itself"],
    ["-race", "use test.race"],
    ["./...", "is not one go test flag"],
  ])("refuses the flag %j", (flag, message) => {
    expect(problems({ test: { flags: [flag] } })).toContain(message);
  });

  it("places repo programs and installs Go ones into one folder, renamed to the name the tests call", () => {
    const c = config({
      test: {
        tools: {
          etcd: { dir: "testbin/" },
          "kube-apiserver": { dir: "testbin" },
          envtest: { go: "sigs.k8s.io/controller-runtime/tools/setup-envtest@v0.22.1" },
          server: { go: "go.etcd.io/etcd/server/v3@v3.5.21" },
        },
        env: { KUBEBUILDER_ASSETS: "{tools.bin}", PLAIN: "x" },
      },
    });
    expect(testToolSteps(c.test.tools, "/t")).toEqual([
      { kind: "file", name: "etcd", from: "testbin/etcd" },
      { kind: "file", name: "kube-apiserver", from: "testbin/kube-apiserver" },
      {
        kind: "exec",
        name: "envtest",
        argv: ["go", "install", "sigs.k8s.io/controller-runtime/tools/setup-envtest@v0.22.1"],
        env: { GOBIN: "/t" },
      },
      {
        kind: "exec",
        name: "envtest",
        argv: ["sh", "-c", 'mv -f "$1" "$2"', "sh", "/t/setup-envtest", "/t/envtest"],
        env: {},
      },
      {
        kind: "exec",
        name: "server",
        argv: ["go", "install", "go.etcd.io/etcd/server/v3@v3.5.21"],
        env: { GOBIN: "/t" },
      },
    ]);
    expect(installedName("go.etcd.io/etcd/server/v3@v3.5.21")).toBe("server");
    expect(testEnv(c.test, {}, "/t")).toEqual({ KUBEBUILDER_ASSETS: "/t", PLAIN: "x" });
    expect(testPlan(c.test).tools).toHaveLength(5);
  });

  it.each([
    [{ tools: { etcd: {} } }, "give either dir"],
    [{ tools: { etcd: { dir: "a", go: "x.io/y@v1.0.0" } } }, "give either dir"],
    [{ tools: { x: { go: "x.io/y@latest" } } }, "pinned version"],
    [{ tools: { "bad name": { dir: "a" } } }, "not a program name"],
    [{ env: { A: "{tools.bin}" } }, "none is configured"],
  ])("refuses test %j", (test, message) => {
    expect(problems({ test })).toContain(message);
  });
});

const event = (e: Record<string, unknown>) => JSON.stringify(e);

describe("a failed go test -json run, as people read it", () => {
  const stdout = [
    event({ ImportPath: "ex/b [ex/b.test]", Action: "build-output", Output: "# ex/b [ex/b.test]\n" }),
    event({ ImportPath: "ex/b [ex/b.test]", Action: "build-output", Output: "b/b.go:3:1: undefined: x\n" }),
    event({ Action: "output", Package: "ex/a", Test: "TestOK", Output: "=== RUN   TestOK\n" }),
    event({ Action: "output", Package: "ex/a", Test: "TestBad", Output: "=== RUN   TestBad\n" }),
    event({ Action: "output", Package: "ex/a", Test: "TestBad", Output: "    a_test.go:6: want 1, got 2\n" }),
    event({ Action: "output", Package: "ex/a", Test: "TestBad", Output: "--- FAIL: TestBad (0.00s)\n" }),
    event({ Action: "fail", Package: "ex/a", Test: "TestBad" }),
    event({ Action: "output", Package: "ex/a", Test: "TestSub", Output: "=== RUN   TestSub\n" }),
    event({ Action: "output", Package: "ex/a", Test: "TestSub/x", Output: "    a_test.go:8: sub broke\n" }),
    event({ Action: "fail", Package: "ex/a", Test: "TestSub/x" }),
    event({ Action: "output", Package: "ex/a", Test: "TestSub", Output: "--- FAIL: TestSub (0.00s)\n" }),
    event({ Action: "fail", Package: "ex/a", Test: "TestSub" }),
    event({ Action: "output", Package: "ex/a", Output: "FAIL\n" }),
    event({ Action: "output", Package: "ex/a", Output: "FAIL\tex/a\t0.008s\n" }),
    event({ Action: "fail", Package: "ex/a" }),
    event({ Action: "output", Package: "ex/b", Output: "FAIL\tex/b [build failed]\n" }),
    event({ Action: "fail", Package: "ex/b", FailedBuild: "ex/b [ex/b.test]" }),
    event({
      Action: "output",
      Package: "ex/ok",
      Output: "ok  \tex/ok\t0.1s\tcoverage: 80.0% of statements\n",
    }),
    event({ Action: "pass", Package: "ex/ok" }),
  ].join("\n");

  it("names each failed package and test, with their own lines and nothing of the passing ones", () => {
    const report = parseTestJson(stdout, "");
    expect(failureHeadline(report)).toBe("go test failed in 2 package(s), 2 test(s): ex/a, ex/b");
    expect(failureText(report).split("\n")).toEqual([
      "FAIL ex/a",
      "  --- TestBad",
      "        a_test.go:6: want 1, got 2",
      "    --- FAIL: TestBad (0.00s)",
      "  --- TestSub/x",
      "        a_test.go:8: sub broke",
      "FAIL ex/b",
      "  # ex/b [ex/b.test]",
      "  b/b.go:3:1: undefined: x",
    ]);
    expect(report.summary).toEqual([
      "FAIL  ex/a  0.008s",
      "FAIL  ex/b [build failed]",
      "ok    ex/ok  0.1s  coverage: 80.0% of statements",
    ]);
  });

  it("keeps what went outside the JSON (an older Go's build errors on stderr)", () => {
    const report = parseTestJson("not json\n", "# ex/c\nc.go:1: syntax error\n");
    expect(failureText(report)).toBe("go test said:\n  not json\n  # ex/c\n  c.go:1: syntax error");
    expect(failureHeadline(report)).toBe("go test failed");
  });

  it("shows the last lines of a long test, saying how many came before", () => {
    const lines = Array.from({ length: 100 }, (_, i) =>
      event({ Action: "output", Package: "p", Test: "T", Output: `line ${i}\n` }),
    );
    const report = parseTestJson(
      [
        ...lines,
        event({ Action: "fail", Package: "p", Test: "T" }),
        event({ Action: "fail", Package: "p" }),
      ].join("\n"),
    );
    const text = failureText(report, 10).split("\n");
    expect(text[2]).toBe("    ... (90 earlier line(s))");
    expect(text.at(-1)).toBe("    line 99");
  });
});
