import { describe, expect, it } from "vitest";
import { decodeId, type Step } from "./engine.js";
import { allSteps, type ModuleRun, runModule, secretId } from "./harness.js";

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
      "go build -trimpath -ldflags -s -w -X main.version=1.2.3 -X main.commit=abc1234 -o /out/linux-arm64/api ./cmd/api",
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
      const platforms = (p.args.platformVariants as string[]).map(
        (id) => find(decodeId(id), "dockerBuild")[0]?.args.platform,
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
      execs.findIndex((e) => e.startsWith("go test -race")),
    );
    const binding = find(stdout, "withServiceBinding")[0]!;
    expect(binding.args.alias).toBe("postgres");
    expect(find(decodeId(String(binding.args.service)), "from")[0]?.args.address).toMatch(/^postgres:/);
    expect(run.returned).toMatch(/coverage 72\.5% meets the minimum 50%/);
  }, 120_000);

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
    const templates = find(steps, "withExec", (a) => (a.args as string[])[1] === "template").map((s) =>
      (s.args.args as string[]).at(-1),
    );
    expect(new Set(templates)).toEqual(
      new Set([
        "environments/staging/values.yaml",
        "environments/uat/values.yaml",
        "environments/prod/values.yaml",
        "environments/preview.yaml",
      ]),
    );
    const validations = find(steps, "withExec", (a) => (a.args as string[])[0] === "kubeconform");
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
});
