/**
 * The module's side of fitting a repository (issue #22), through the recording engine: lint runs
 * the golangci-lint image the repository pins and each listed module; test puts `test.tools` on
 * PATH and reports a failed `go test -json` run per package and test; promote, rollback and
 * preview up get the pinned helm and the chart folder to render what they commit.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { TOOL_IMAGES } from "../../src/core/tools/images.js";
import { decodeId, type Step } from "./engine.js";
import { allSteps, runModule, secretId } from "./harness.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
const samplePipeline = readFileSync(resolve(repoRoot, "pipeline.yaml"), "utf8");

/** Answers pipeline.yaml (the sample's with `extra` appended) and the given repository files. */
const repoFiles =
  (extra: string, files: Record<string, string> = {}) =>
  (chain: Step[]) => {
    if (chain.at(-1)?.field !== "contents") return undefined;
    const path = chain.findLast((s) => s.field === "file")?.args.path;
    if (path === "pipeline.yaml") return `${samplePipeline.replace(/^test:\n(?: .*\n)*/m, "")}${extra}`;
    return typeof path === "string" && path in files ? files[path] : undefined;
  };

const execs = (chain: Step[]) =>
  chain.filter((s) => s.field === "withExec").map((s) => (s.args.args as string[]).join(" "));

describe("lint, fitted to the repository", () => {
  it("runs the golangci-lint the Makefile pins, in each listed module, and gofmt without nested modules", async () => {
    const run = await runModule({
      fn: "lint",
      answer: repoFiles("lint: { modules: [., e2e] }\n", { Makefile: "GOLANGCI_LINT_VERSION ?= v2.1.6\n" }),
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const golangci = run.chains.find(
      (c) =>
        c.at(-1)?.field === "stdout" &&
        c.some((s) => s.field === "from" && String(s.args.address).startsWith("golangci/")),
    )!;
    expect(golangci.find((s) => s.field === "from")?.args.address).toBe("golangci/golangci-lint:v2.1.6");
    const workdirs = golangci.filter((s) => s.field === "withWorkdir").map((s) => s.args.path);
    expect(workdirs.slice(-2)).toEqual(["/src", "/src/e2e"]);
    expect(execs(golangci).filter((e) => e.startsWith("golangci-lint run"))).toHaveLength(2);
    const caches = allSteps(run)
      .filter((s) => s.field === "withMountedCache")
      .map((s) => decodeId(String(s.args.cache)).at(-1)?.args.key);
    expect(caches).toContain("golangci-lint-v2.1.6");
    const go = run.chains.find(
      (c) =>
        c.at(-1)?.field === "stdout" &&
        c.some((s) => s.field === "from" && String(s.args.address).startsWith("golang:")),
    )!;
    const gofmt = execs(go).filter((e) => e.startsWith("sh -c out="));
    expect(gofmt).toHaveLength(2);
    expect(gofmt[0]).toContain('test -e "$1/go.mod"');
  }, 120_000);
});

describe("test, fitted to the repository", () => {
  const failed = [
    {
      Action: "output",
      Package: "ex/api",
      Test: "TestShort",
      Output: "    api_test.go:9: needs a cluster\n",
    },
    { Action: "fail", Package: "ex/api", Test: "TestShort" },
    { Action: "output", Package: "ex/api", Output: "FAIL\tex/api\t0.01s\n" },
    { Action: "fail", Package: "ex/api" },
    { Action: "output", Package: "ex/ok", Output: "ok  \tex/ok\t0.01s\n" },
  ]
    .map((e) => JSON.stringify(e))
    .join("\n");

  it("fails with each failed package's and test's own output, not the run's last lines", async () => {
    const run = await runModule({
      fn: "test",
      answer: (chain) => {
        const last = [...chain].reverse().find((s) => s.field === "withExec")?.args.args as
          | string[]
          | undefined;
        if (last?.[1] !== "test") return undefined;
        if (chain.at(-1)?.field === "exitCode") return 1;
        if (chain.at(-1)?.field === "stdout") return failed;
        return undefined;
      },
    });
    expect(run.error).toBe(
      "test: go test failed in 1 package(s), 1 test(s): ex/api\nFAIL ex/api\n  --- TestShort\n        api_test.go:9: needs a cluster",
    );
    const test = run.chains.find((c) => c.at(-1)?.field === "exitCode")!;
    expect(test.at(-2)?.args.expect).toBe("ANY");
  }, 120_000);

  it("puts test.tools on PATH: a repository file and a Go package, with the flags after -json", async () => {
    const run = await runModule({
      fn: "test",
      answer: repoFiles(
        "test:\n  race: false\n  flags: [-short]\n  tools:\n    etcd: { dir: testbin }\n    setup-envtest: { go: 'sigs.k8s.io/controller-runtime/tools/setup-envtest@v0.22.1' }\n  env: { KUBEBUILDER_ASSETS: '{tools.bin}' }\n",
      ),
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const chain = run.chains.find((c) => c.at(-1)?.field === "exitCode")!;
    const file = chain.find((s) => s.field === "withFile")!;
    expect(file.args.path).toBe("/pipeline-tools/bin/etcd");
    expect(decodeId(String(file.args.source)).at(-1)?.args.path).toBe("testbin/etcd");
    expect(file.args.permissions).toBe(0o755);
    expect(execs(chain)).toContain(
      "env GOBIN=/pipeline-tools/bin go install sigs.k8s.io/controller-runtime/tools/setup-envtest@v0.22.1",
    );
    const path = chain.find((s) => s.field === "withEnvVariable" && s.args.name === "PATH")!;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the engine expands ${PATH}, not JavaScript
    expect(path.args).toMatchObject({ value: "/pipeline-tools/bin:${PATH}", expand: true });
    expect(chain).toContainEqual({
      field: "withEnvVariable",
      args: { name: "KUBEBUILDER_ASSETS", value: "/pipeline-tools/bin" },
    });
    expect(execs(chain).at(-1)).toBe("go test -json -count=1 -coverprofile=coverage.out -short ./...");
  }, 120_000);
});

describe("promotion renders what it commits", () => {
  /** The stdout chain of the CLI's own command. */
  const cliChain = (chains: Step[][]) =>
    chains.find(
      (c) =>
        c.at(-1)?.field === "stdout" &&
        ([...c].reverse().find((s) => s.field === "withExec")?.args.args as string[])?.[1]?.endsWith(
          "pipeline.js",
        ),
    )!;

  it.each([
    [
      "promote",
      "renders: the CLI gets the pinned helm and the chart folder",
      {
        environment: "staging",
        imageTag: "sha-abc1234",
        chartVersion: "1.2.4-sha-abc1234",
        sha: "a".repeat(40),
      },
      true,
    ],
    [
      "preview",
      "renders: the CLI gets the pinned helm and the chart folder",
      { pr: 42, imageTag: "pr-42-abc1234", chartVersion: "0.0.0-pr-42-abc1234" },
      true,
    ],
    [
      "rollback",
      "renders: the CLI gets the pinned helm and the chart folder",
      { environment: "prod", to: "1.2.2" },
      true,
    ],
    ["previewCleanup", "commits no values: no helm, no chart", { pr: 42 }, false],
  ])(
    "%s %s",
    async (fn, _, args, renders) => {
      const run = await runModule({ fn, args: { ...args, token: secretId("gitops") } }, { gitops: "t" });
      expect(run.exitCode, run.stderr).toBe(0);
      const chain = cliChain(run.chains);
      const helm = chain.find((s) => s.field === "withFile" && s.args.path === "/usr/local/bin/helm");
      expect(Boolean(helm)).toBe(renders);
      if (helm) {
        const from = decodeId(String(helm.args.source));
        expect(from.find((s) => s.field === "from")?.args.address).toBe(TOOL_IMAGES.helm);
        expect(from.at(-1)).toEqual({ field: "file", args: { path: "/usr/bin/helm" } });
      }
      const repo = chain.find((s) => s.field === "withMountedDirectory" && s.args.path === "/repo")!;
      const folders = decodeId(String(repo.args.source))
        .filter((s) => s.field === "withDirectory")
        .map((s) => s.args.path);
      expect(folders.includes("helm/sample-app")).toBe(renders);
    },
    120_000,
  );
});
