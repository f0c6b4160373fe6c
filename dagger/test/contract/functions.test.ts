import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { tarEntries } from "../../src/core/registry/tar.js";
import { newestTarTime } from "../../src/core/release/reproducible.js";
import { startRegistry } from "../support/registry.js";
import { findTool } from "../support/tools.js";
import { decodeId, execFailure, type Step } from "./engine.js";
import {
  allSteps,
  HEAD_COMMIT_TIME,
  type ModuleRun,
  ociLayoutAnswer,
  runModule,
  SOURCE_ID,
  secretId,
} from "./harness.js";
import { helmAnswers } from "./helm-answers.js";

const repoRoot = resolve(import.meta.dirname, "../../..");

/**
 * What of the repository a Directory or File ID takes, recursively through the IDs it is built
 * from: each `directory(path)` or `file(path)` taken from the source, or "(the whole checkout)".
 */
function takenFromSource(id: string): string[] {
  const steps = decodeId(id);
  const fromSource =
    steps[0]?.field === "host" && steps[1]?.field === "directory" && steps[1].args.path === "/repo";
  if (fromSource) {
    // `source.directory("src").file("go.mod")` and `source.file("src/go.mod")` take the same file.
    const path: string[] = [];
    for (const step of steps.slice(2)) {
      if (step.field !== "directory" && step.field !== "file") break;
      path.push(String(step.args.path));
    }
    return [path.length ? path.join("/") : "(the whole checkout)"];
  }
  return steps.flatMap((step) =>
    Object.values(step.args).flatMap((v) =>
      (Array.isArray(v) ? v : [v]).flatMap((x) =>
        typeof x === "string" && x.startsWith("rec:") ? takenFromSource(x) : [],
      ),
    ),
  );
}

const find = (steps: Step[], field: string, match: (args: Record<string, unknown>) => boolean = () => true) =>
  steps.filter((s) => s.field === field && match(s.args));

/** The full step list of the chain that produced `leaf` (IDs in `withX(container: ID)` args left as is). */
const execsIn = (chain: Step[]) =>
  chain.filter((s) => s.field === "withExec").map((s) => (s.args.args as string[]).join(" "));

describe("module functions through the SDK entrypoint", () => {
  it("builds for linux/arm64 by cross-compiling natively, with Go caches mounted", async () => {
    const run = await runModule({
      fn: "build",
      args: { platforms: ["linux/arm64"], version: "1.2.3", commit: "abc1234" },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const steps = allSteps(run);
    const goarch = find(steps, "withEnvVariable", (a) => a.name === "GOARCH").map((s) => s.args.value);
    expect(new Set(goarch)).toEqual(new Set(["arm64"]));
    expect(
      find(steps, "withEnvVariable", (a) => a.name === "CGO_ENABLED").map((s) => s.args.value),
    ).toContain("0");
    // Never an emulated container: no container(platform:) anywhere.
    expect(find(steps, "container", (a) => a.platform !== undefined)).toEqual([]);
    const caches = find(steps, "withMountedCache").map(
      (s) => `${s.args.path} <- ${decodeId(String(s.args.cache)).at(-1)?.args.key}`,
    );
    expect(caches).toContain("/go/pkg/mod <- go-mod-1.26");
    expect(caches).toContain("/root/.cache/go-build <- go-build-1.26-linux-arm64");
    const builds = find(steps, "withExec", (a) => (a.args as string[])[1] === "build").map((s) =>
      (s.args.args as string[]).join(" "),
    );
    expect(builds).toContain(
      "go build -trimpath -buildvcs=false -ldflags -s -w -X main.version=1.2.3 -X main.commit=abc1234 -o /out/linux-arm64/api ./cmd/api",
    );
    expect(new Set(builds).size).toBe(3);
  }, 120_000);

  it("publishes every platform as platformVariants of one image per binary", async () => {
    const run = await runModule({ fn: "publish", args: { registry: "localhost:5001" } });
    expect(run.exitCode, run.stderr).toBe(0);
    const publishes = find(allSteps(run), "publish");
    const merged = publishes.filter((s) => Array.isArray(s.args.platformVariants));
    expect(merged.map((s) => s.args.address)).toContain("localhost:5001/sample-app-api:sha-a1b2c3d");
    for (const p of merged) {
      // Each variant is a container created for its platform (generated images replay their plan).
      const platforms = (p.args.platformVariants as string[]).map(
        (id) => find(decodeId(id), "container")[0]?.args.platform,
      );
      expect(platforms).toEqual(["linux/amd64", "linux/arm64"]);
    }
    expect(publishes.map((s) => s.args.address)).toContain(
      "localhost:5001/sample-app-worker:sha-a1b2c3d-arm64",
    );
  }, 120_000);

  it("tests with a postgres service bound and the migrator run before go test, and gates coverage", async () => {
    const run = await runModule({ fn: "test" });
    expect(run.exitCode, run.stderr).toBe(0);
    const stdout = run.chains.find(
      (c) => c.at(-1)?.field === "stdout" && execsIn(c).some((e) => e.startsWith("go test")),
    )!;
    const execs = execsIn(stdout);
    expect(execs.findIndex((e) => e === "go run ./cmd/migrator")).toBeLessThan(
      execs.findIndex((e) => e.startsWith("go test -json -race")),
    );
    const binding = find(stdout, "withServiceBinding")[0]!;
    expect(binding.args.alias).toBe("postgres");
    expect(find(decodeId(String(binding.args.service)), "from")[0]?.args.address).toMatch(/^postgres:/);
    expect(run.returned).toMatch(/coverage 72\.5% meets the minimum 50%/);
  }, 120_000);

  it.each([
    ["no service and no -race when none is configured", "test: { race: false }\n", [], []],
    [
      "any image bound by its name, its ports exposed and its address in test.env",
      "test:\n  services: { cache: { image: 'redis:7-alpine', ports: [6379], env: { MODE: t } } }\n  env: { REDIS_ADDR: '{cache.host}:{cache.port}' }\n",
      [{ alias: "cache", image: "redis:7-alpine", port: 6379 }],
      ["REDIS_ADDR=cache:6379"],
    ],
  ])(
    "tests with %s",
    async (_, testYaml, services, env) => {
      const pipelineYaml = `${readFileSync(join(repoRoot, "pipeline.yaml"), "utf8").replace(/^test:\n(?: .*\n)*/m, "")}${testYaml}`;
      const run = await runModule({
        fn: "test",
        answer: (chain) =>
          chain.at(-1)?.field === "contents" &&
          chain.some((s) => s.field === "file" && s.args.path === "pipeline.yaml")
            ? pipelineYaml
            : undefined,
      });
      expect(run.exitCode, run.stderr).toBe(0);
      const stdout = run.chains.find(
        (c) => c.at(-1)?.field === "stdout" && execsIn(c).some((e) => e.startsWith("go test")),
      )!;
      const execs = execsIn(stdout);
      expect(execs.some((e) => e.includes("migrator"))).toBe(false);
      expect(execs.find((e) => e.startsWith("go test"))).toBe(
        services.length
          ? "go test -json -race -count=1 -coverprofile=coverage.out ./..."
          : "go test -json -count=1 -coverprofile=coverage.out ./...",
      );
      const bindings = find(stdout, "withServiceBinding");
      expect(bindings.map((b) => b.args.alias)).toEqual(services.map((s) => s.alias));
      for (const [i, service] of services.entries()) {
        const steps = decodeId(String(bindings[i]!.args.service));
        expect(find(steps, "from")[0]?.args.address).toBe(service.image);
        expect(find(steps, "withExposedPort")[0]?.args.port).toBe(service.port);
        expect(find(steps, "withEnvVariable").map((e) => `${e.args.name}=${e.args.value}`)).toEqual([
          "MODE=t",
        ]);
      }
      const vars = find(stdout, "withEnvVariable").map((e) => `${e.args.name}=${e.args.value}`);
      for (const line of env) expect(vars).toContain(line);
      expect(vars.some((v) => v.startsWith("DATABASE_URL="))).toBe(false);
    },
    120_000,
  );

  it("fails the test stage below the coverage minimum, naming the shortfall", async () => {
    const run = await runModule({
      fn: "test",
      answer: (chain) => (chain.at(-1)?.field === "stdout" ? "total:\t(statements)\t41.0%\n" : undefined),
    });
    expect(run.error).toMatch(/coverage 41% is 9 points below the minimum 50%/);
  }, 120_000);

  it("runs kubeconform for every environment in chart-lint", async () => {
    const run = await runModule({ fn: "chartLint" });
    expect(run.exitCode, run.stderr).toBe(0);
    const steps = allSteps(run);
    const renders = find(
      steps,
      "withExec",
      (a) => (a.args as string[])[1] === "template" && !(a.args as string[]).includes("--set"),
    ).map((s) => s.args.args as string[]);
    for (const argv of renders) expect(argv.slice(-2)).toEqual(["--kube-version", "1.31.0"]);
    const templates = renders.map((argv) => argv[argv.indexOf("--values") + 1]);
    expect(new Set(templates)).toEqual(
      new Set([
        "environments/staging/values.yaml",
        "environments/uat/values.yaml",
        "environments/prod/values.yaml",
        "environments/preview.yaml",
      ]),
    );
    // The image's binary is /kubeconform, not on its PATH (the strict engine fails a bare "kubeconform").
    const validations = find(steps, "withExec", (a) => (a.args as string[])[0] === "/kubeconform");
    expect(validations.length).toBeGreaterThanOrEqual(4);
    expect(validations.every((v) => (v.args.args as string[]).includes("-strict"))).toBe(true);
    expect(
      find(steps, "withExec", (a) => (a.args as string[]).join(" ").startsWith("helm lint --strict")),
    ).not.toEqual([]);
  }, 120_000);

  it("never puts a secret's plaintext in a query, and uses it as registry auth", async () => {
    const plaintext = "pa55-Secret-Value-xyz";
    const run: ModuleRun = await runModule(
      { fn: "publish", args: { registry: "ghcr.io/acme", username: "me", password: secretId("registry") } },
      { registry: plaintext },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.queries.join("\n")).not.toContain(plaintext);
    const auth = find(allSteps(run), "withRegistryAuth")[0]?.args;
    expect(auth).toMatchObject({ username: "me" });
    expect(String(auth?.secret)).toContain(secretId("registry"));
  }, 120_000);

  it.each([
    [
      "promote",
      { environment: "staging", imageTag: "t", chartVersion: "1.0.0" },
      /promote --token is required \(example: --token env:GITOPS_TOKEN\)/,
    ],
    ["publish", { registry: "ghcr.io/acme" }, /publish --password is required/],
    ["deploy", { environment: "staging" }, /deploy --kubeconfig is required/],
  ])(
    "fails %s without credentials before sending any query",
    async (fn, args, message) => {
      const run = await runModule({ fn, args });
      expect(run.error).toMatch(message);
      // Only the call's own bookkeeping reached the engine: no container, file or directory query.
      const work = run.chains.filter(
        (c) => !["currentModule", "currentFunctionCall", "#opaque", "error"].includes(c[0]!.field),
      );
      expect(work).toEqual([]);
    },
    120_000,
  );

  it("pushes the packaged chart's exact files: they travel as base64 text, never through File.contents", async () => {
    const helm = findTool("helm");
    if (!helm)
      throw new Error("helm not found: go install helm.sh/helm/v3/cmd/helm@v3.22.0 (bash .ci/run does)");
    const out = mkdtempSync(join(tmpdir(), "pipeline-chart-"));
    const registry = await startRegistry();
    try {
      execFileSync(helm, [
        "package",
        join(repoRoot, "helm/sample-app"),
        "--version",
        "1.2.3",
        "--app-version",
        "1.2.3",
        "--destination",
        out,
      ]);
      const tgz = readFileSync(join(out, "sample-app-1.2.3.tgz"));
      const standIn = `registry.contract.test:${registry.port}`;
      const pipelineYaml = readFileSync(join(repoRoot, "pipeline.yaml"), "utf8").replace(
        /^image:\n/m,
        `image:\n  insecureRegistries: [${standIn}]\n`,
      );
      const run = await runModule({
        fn: "helmPush",
        args: { registry: `oci://${standIn}/charts`, version: "1.2.3" },
        remoteHosts: { "registry.contract.test": registry.port },
        answer: (chain) => {
          const last = chain.at(-1)!;
          if (
            last.field === "contents" &&
            chain.some((c) => c.field === "file" && c.args.path === "pipeline.yaml")
          )
            return pipelineYaml;
          // Bytes: the engine hands them back as a lossy UTF-8 string.
          if (
            last.field === "contents" &&
            chain.some((c) => c.field === "file" && String(c.args.path).endsWith(".tgz"))
          )
            return tgz;
          const exec = chain.findLast((c) => c.field === "withExec")?.args.args as string[] | undefined;
          if (last.field === "stdout" && exec?.[0] === "base64")
            return `${tgz.toString("base64").replace(/.{76}/g, "$&\n")}\n`;
          return undefined;
        },
      });
      expect(run.error).toBeUndefined();
      expect(run.exitCode, run.stderr).toBe(0);
      const pushed = JSON.parse(String(run.returned)) as { digest: string };
      const manifest = (await (
        await fetch(`http://${registry.host}/v2/charts/sample-app/manifests/${pushed.digest}`, {
          headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
        })
      ).json()) as { layers: { digest: string }[]; annotations: Record<string, string> };
      // The chart as packaged, file for file and byte for byte, each entry dated by the commit
      // (helm package dates them by the clock; the push makes them reproducible).
      const blob = Buffer.from(
        await (
          await fetch(`http://${registry.host}/v2/charts/sample-app/blobs/${manifest.layers[0]!.digest}`)
        ).arrayBuffer(),
      );
      expect(manifest.layers[0]!.digest).toBe(`sha256:${createHash("sha256").update(blob).digest("hex")}`);
      const files = (tar: Buffer) =>
        [...tarEntries(tar)].map((e) => [e.name, e.type, e.body.toString("base64")]);
      expect(files(gunzipSync(blob))).toEqual(files(gunzipSync(tgz)));
      expect(newestTarTime(gunzipSync(blob))).toBe(HEAD_COMMIT_TIME);
      expect(manifest.annotations["org.opencontainers.image.created"]).toBe("2023-11-14T22:13:20Z");
    } finally {
      await registry.remove();
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);

  it("fails lint with the linter's own findings, not only its exit code", async () => {
    const findings = [
      "internal/e2e/e2e_test.go:57:6: comparing with == will fail on wrapped errors (errorlint)",
      "internal/dbtest/dbtest.go:40:9: G204: Subprocess launched with variable (gosec)",
      "2 issues:",
    ];
    const run = await runModule({
      fn: "lint",
      answer: (chain) => {
        const exec = chain.findLast((c) => c.field === "withExec")?.args.args as string[] | undefined;
        if (chain.at(-1)?.field === "stdout" && exec?.[0] === "golangci-lint")
          return execFailure(exec, 1, findings.join("\n"), 'level=warning msg="[runner] ..."');
        return undefined;
      },
    });
    expect(run.error).toMatch(/^lint \(golangci-lint v2\.15\.0\): `golangci-lint run .*` exited 1:/);
    for (const line of findings) expect(run.error).toContain(line);
  }, 120_000);

  const valuesFiles = [
    "environments/preview.yaml",
    "environments/prod/values.yaml",
    "environments/staging/values.yaml",
    "environments/uat/values.yaml",
  ];
  it.each([
    ["chartLint", {}, [...valuesFiles, "helm/sample-app"]],
    ["helmPackage", { version: "1.2.3", appVersion: "1.2.3" }, ["helm/sample-app"]],
    [
      "deploy",
      { environment: "staging", kubeconfig: secretId("kube"), imageTag: "1.2.3" },
      ["environments", "helm/sample-app"],
    ],
    [
      "helmTest",
      { environment: "staging", kubeconfig: secretId("kube") },
      ["environments", "helm/sample-app"],
    ],
  ])(
    "gives %s's helm containers the chart and values only, never the checkout",
    async (fn, args, taken) => {
      const run = await runModule({ fn, args, answer: helmAnswers });
      expect(run.exitCode, run.stderr).toBe(0);
      const steps = allSteps(run);
      const helmRoots = find(steps, "withDirectory", (a) => a.path === "/repo");
      expect(helmRoots.length).toBeGreaterThan(0);
      // Only the chart folder and the environments, by name: no whole checkout, no .git.
      for (const root of helmRoots) expect(takenFromSource(String(root.args.source)).sort()).toEqual(taken);
      expect(find(steps, "withDirectory", (a) => a.source === SOURCE_ID)).toEqual([]);
    },
    120_000,
  );

  it("lints and renders the chart's defaults once, at the Kubernetes version, when the repo has no values files", async () => {
    const run = await runModule({
      fn: "chartLint",
      answer: (chain) => (chain.at(-1)?.field === "exists" ? false : undefined),
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const steps = allSteps(run);
    const helm = find(steps, "withExec", (a) => (a.args as string[])[0] === "helm").map((s) =>
      (s.args.args as string[]).join(" "),
    );
    expect(new Set(helm)).toEqual(
      new Set([
        "helm lint --strict helm/sample-app --kube-version 1.31.0",
        "helm template sample-app helm/sample-app --namespace sample-app --kube-version 1.31.0",
        expect.stringMatching(
          /^helm template .* --set images\.api\.repository=ghcr\.io\/example\/sample-app-api --set images\.api\.tag=chart-lint-probe/,
        ),
      ]),
    );
    for (const root of find(steps, "withDirectory", (a) => a.path === "/repo"))
      expect(takenFromSource(String(root.args.source))).toEqual(["helm/sample-app"]);
  }, 120_000);

  it("validates the environments concurrently, with kubeconform's schemas in a cache volume", async () => {
    const run = await runModule({ fn: "chartLint", latencyMs: 150 });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.maxInFlight).toBeGreaterThanOrEqual(4);
    const steps = allSteps(run);
    const caches = find(steps, "withMountedCache").map(
      (s) => `${s.args.path} <- ${decodeId(String(s.args.cache)).at(-1)?.args.key}`,
    );
    expect(caches).toContain("/cache/kubeconform <- kubeconform-schemas-v0.8.0-alpine");
    for (const v of find(steps, "withExec", (a) => (a.args as string[])[0] === "/kubeconform"))
      expect((v.args.args as string[]).join(" ")).toContain("-cache /cache/kubeconform");
  }, 120_000);

  it("gives every Go container go.mod and go.sum first, then the Go folder; golangci-lint gets a build cache", async () => {
    const run = await runModule({ fn: "lint" });
    expect(run.exitCode, run.stderr).toBe(0);
    for (const image of ["golang:1.26.7-bookworm", "golangci/golangci-lint:v2.15.0"]) {
      const chain = run.chains.find(
        (c) => c.at(-1)?.field === "stdout" && c.some((s) => s.field === "from" && s.args.address === image),
      );
      expect(chain, image).toBeDefined();
      const order = chain!
        .filter(
          (s) =>
            s.field === "withDirectory" ||
            (s.field === "withExec" && (s.args.args as string[]).join(" ") === "go mod download"),
        )
        .map((s) => {
          if (s.field === "withExec") return "go mod download";
          // go.mod and go.sum come through an include filter (a module without dependencies has no go.sum).
          const include = decodeId(String(s.args.source)).flatMap((d) => (d.args.include as string[]) ?? []);
          return `${takenFromSource(String(s.args.source)).join(",")}${include.length ? ` [${include}]` : ""}`;
        });
      expect(order, image).toEqual(["src [go.mod,go.sum]", "go mod download", "src"]);
    }
    const caches = find(allSteps(run), "withMountedCache").map(
      (s) => `${s.args.path} <- ${decodeId(String(s.args.cache)).at(-1)?.args.key}`,
    );
    expect(caches).toContain("/root/.cache/go-build <- go-build-golangci-lint-v2.15.0");
  }, 120_000);

  it("reads git in a pinned image that has it, installing nothing per call", async () => {
    const run = await runModule({ fn: "version" });
    expect(run.exitCode, run.stderr).toBe(0);
    const steps = allSteps(run);
    expect(find(steps, "from").map((s) => s.args.address)).toContain("alpine/git:v2.52.0");
    expect(find(steps, "withExec", (a) => (a.args as string[])[0] === "apk")).toEqual([]);
  }, 120_000);

  it("runs Go in a golang image pinned to its patch release", async () => {
    const run = await runModule({
      fn: "build",
      args: { platforms: ["linux/amd64"], version: "1.2.3", commit: "abc" },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const images = new Set(find(allSteps(run), "from").map((s) => String(s.args.address)));
    expect([...images].filter((i) => i.startsWith("golang:"))).toEqual(["golang:1.26.7-bookworm"]);
  }, 120_000);

  it("refuses to publish when a variant's image config names another platform, before any push", async () => {
    const run = await runModule({
      fn: "publish",
      args: { registry: "localhost:5001" },
      // The base image had no arm64: the arm64 build ran on amd64's base, and its config says so.
      answer: (chain) => ociLayoutAnswer(chain, (built) => (built === "linux/arm64" ? "linux/amd64" : built)),
    });
    expect(run.error).toMatch(
      /^publish: refusing to push a multi-arch tag that is not: .*api for linux\/arm64: the image config says linux\/amd64/,
    );
    expect(find(allSteps(run), "publish")).toEqual([]);
  }, 120_000);

  it("checks every platform variant's image config before publishing", async () => {
    const run = await runModule({ fn: "publish", args: { registry: "localhost:5001" } });
    expect(run.exitCode, run.stderr).toBe(0);
    const checked = run.chains.filter(
      (c) =>
        c.at(-1)?.field === "contents" && c.findLast((s) => s.field === "file")?.args.path === "index.json",
    );
    expect(checked).toHaveLength(6);
  }, 120_000);

  it.each([
    [
      "deploy",
      { environment: "staging", imageTag: "1.2.3" },
      "helm upgrade --install sample-app helm/sample-app",
    ],
    ["helmTest", { environment: "staging" }, "helm test sample-app"],
  ])(
    "runs %s with the kubeconfig secret, as the tool's own argv",
    async (fn, args, command) => {
      const run = await runModule({
        fn,
        args: { ...args, kubeconfig: secretId("kube") },
        answer: helmAnswers,
      });
      expect(run.exitCode, run.stderr).toBe(0);
      const steps = allSteps(run);
      const execs = find(steps, "withExec").map((s) => (s.args.args as string[]).join(" "));
      expect(execs.some((e) => e.startsWith(command))).toBe(true);
      expect(find(steps, "withMountedSecret", (a) => a.path === "/root/.kube/config")).not.toEqual([]);
    },
    120_000,
  );

  it("cannot push a chart from module code to a registry on the host's loopback", async () => {
    const registry = await startRegistry();
    const before = registry.requests().length;
    try {
      const run = await runModule({
        fn: "helmPush",
        args: { registry: `oci://127.0.0.1:${registry.port}/charts`, version: "1.2.3" },
        answer: (chain) => {
          const exec = chain.findLast((c) => c.field === "withExec")?.args.args as string[] | undefined;
          if (chain.at(-1)?.field === "stdout" && exec?.[0] === "base64") {
            const helm = findTool("helm");
            if (!helm) throw new Error("helm not found (bash .ci/run installs it)");
            const out = mkdtempSync(join(tmpdir(), "pipeline-chart-"));
            execFileSync(helm, [
              "package",
              join(repoRoot, "helm/sample-app"),
              "--version",
              "1.2.3",
              "--destination",
              out,
            ]);
            const tgz = readFileSync(join(out, "sample-app-1.2.3.tgz"));
            rmSync(out, { recursive: true, force: true });
            return tgz.toString("base64");
          }
          return undefined;
        },
      });
      // In the engine the module's 127.0.0.1 is its own container: the host's registry must be a Service.
      expect(run.error).toMatch(/ECONNREFUSED|fetch failed/);
      expect(registry.requests().slice(before)).toEqual([]);
    } finally {
      await registry.remove();
    }
  }, 120_000);

  it("fails publish with the failing Dockerfile step's own output", async () => {
    const run = await runModule({
      fn: "publish",
      args: { registry: "localhost:5001" },
      answer: (chain) => {
        const file = chain.findLast((s) => s.field === "file")?.args.path;
        if (chain.at(-1)?.field === "contents" && file === "index.json")
          return execFailure(
            ["/bin/sh", "-c", "apk add --no-cache tzdata"],
            1,
            "",
            "ERROR: unable to select packages:\n  tzdata (no such package)",
          );
        return undefined;
      },
    });
    expect(run.error).toMatch(
      /^publish \(build \S+ for linux\/(amd64|arm64)\): `\/bin\/sh -c apk add --no-cache tzdata` exited 1:/,
    );
    expect(run.error).toContain("tzdata (no such package)");
  }, 120_000);
});
