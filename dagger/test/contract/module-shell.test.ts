/**
 * The module's shell on a real engine: gitops, verify and latest run the project's own CLI in a
 * Node image with git (the module's container has only node); host registries and API servers
 * are reached as Services; side-effect execs carry a per-call value so the layer cache never
 * replays them; every function that publishes or promotes plans once, from the event it is given.
 */
import { describe, expect, it } from "vitest";
import { TOOL_IMAGES } from "../../src/core/tools/images.js";
import { CLI_BUILD } from "../../src/core/tools/pipeline-cli.js";
import { decodeId, encodeId, type Step } from "./engine.js";
import { allSteps, runModule, secretId } from "./harness.js";
import { helmAnswers } from "./helm-answers.js";

const hostService = (port: number) =>
  encodeId([
    { field: "host", args: {} },
    { field: "service", args: { ports: [{ frontend: port, backend: port }] } },
  ]);

/** The stdout chains whose last exec runs the CLI, with the CLI's argv. */
function cliRuns(chains: Step[][]): { chain: Step[]; argv: string[] }[] {
  return chains
    .filter((c) => c.at(-1)?.field === "stdout")
    .map((chain) => ({
      chain,
      argv: ([...chain].reverse().find((s) => s.field === "withExec")?.args.args as string[]) ?? [],
    }))
    .filter((r) => r.argv[0] === "node" && r.argv[1]?.endsWith("dist/bin/pipeline.js"));
}

const gitReads = (chains: Step[][]) =>
  chains.filter(
    (c) =>
      c.at(-1)?.field === "stdout" &&
      ([...c].reverse().find((s) => s.field === "withExec")?.args.args as string[] | undefined)?.[0] ===
        "git",
  ).length;

describe("the module's shell", () => {
  it.each([
    [
      "promote",
      {
        environment: "staging",
        imageTag: "sha-abc1234",
        chartVersion: "1.2.4-sha-abc1234",
        sha: "a".repeat(40),
      },
      "promote --env staging --image-tag sha-abc1234 --chart-version 1.2.4-sha-abc1234 --source-sha " +
        "a".repeat(40),
    ],
    [
      "preview",
      { pr: 42, imageTag: "pr-42-abc1234", chartVersion: "0.0.0-pr-42-abc1234" },
      "preview up --pr 42 --image-tag pr-42-abc1234 --chart-version 0.0.0-pr-42-abc1234",
    ],
    ["previewCleanup", { pr: 42 }, "preview down --pr 42"],
    ["rollback", { environment: "prod", to: "1.2.2" }, "rollback --env prod --to 1.2.2"],
  ])(
    "runs %s as the CLI's own command in a Node image with git, the token as a secret variable",
    async (fn, args, command) => {
      const token = "gitops-Token-value-123";
      const run = await runModule({ fn, args: { ...args, token: secretId("gitops") } }, { gitops: token });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.error).toBeUndefined();
      const [cli, ...more] = cliRuns(run.chains);
      expect(more).toEqual([]);
      expect(cli!.argv.join(" ")).toBe(
        `node /pipeline/dist/bin/pipeline.js --config /repo/pipeline.yaml ${command} --json`,
      );
      const steps = cli!.chain;
      expect(steps.find((s) => s.field === "from")?.args.address).toBe(TOOL_IMAGES.nodeGit);
      expect(
        steps.filter((s) => s.field === "withExec").map((s) => (s.args.args as string[]).join(" ")),
      ).toEqual([CLI_BUILD.install.join(" "), CLI_BUILD.compile.join(" "), cli!.argv.join(" ")]);
      // The CLI is built from the module's own source; the repository gives only what the CLI reads.
      expect(allSteps(run).some((s) => s.field === "currentModule")).toBe(true);
      const secrets = steps.filter((s) => s.field === "withSecretVariable").map((s) => s.args.name);
      expect(secrets).toEqual(["GITOPS_TOKEN", "GITHUB_TOKEN"]);
      expect(steps.some((s) => s.field === "withEnvVariable" && s.args.name === "PIPELINE_RUN_ID")).toBe(
        true,
      );
      expect(run.queries.join("\n")).not.toContain(token);
    },
    120_000,
  );

  it("promotes prod with registry credentials for its verify, as secret variables", async () => {
    const run = await runModule(
      {
        fn: "promote",
        args: {
          environment: "prod",
          imageTag: "1.3.0",
          chartVersion: "1.3.0",
          sha: "f".repeat(40),
          token: secretId("gitops"),
          username: "octocat",
          password: secretId("registry"),
        },
      },
      { gitops: "t", registry: "r" },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const steps = cliRuns(run.chains)[0]!.chain;
    expect(steps.filter((s) => s.field === "withEnvVariable" && s.args.name === "REGISTRY_USERNAME")).toEqual(
      [{ field: "withEnvVariable", args: { name: "REGISTRY_USERNAME", value: "octocat" } }],
    );
    expect(steps.filter((s) => s.field === "withSecretVariable").map((s) => s.args.name)).toContain(
      "REGISTRY_PASSWORD",
    );
  }, 120_000);

  it("publishes through a registry service on the host, keeping the name the cluster pulls", async () => {
    const service = hostService(5001);
    const run = await runModule({
      fn: "publish",
      args: { registry: "localhost:5001", registryService: service, tags: ["dev"] },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const publishes = run.chains.filter((c) => c.at(-1)?.field === "publish").map((c) => c.at(-1)!.args);
    expect(publishes.length).toBeGreaterThan(0);
    for (const p of publishes) {
      expect(String(p.address)).toMatch(/^localhost:5001\/sample-app-/);
      expect(p.registryService).toBe(service);
    }
  }, 120_000);

  it("pushes the chart to a registry service through the CLI container, not from the module's process", async () => {
    const service = hostService(5001);
    const run = await runModule({
      fn: "helmPush",
      args: { registry: "oci://localhost:5001/charts", version: "0.0.0-dev", registryService: service },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const [cli] = cliRuns(run.chains);
    expect(cli!.argv.slice(4).join(" ")).toBe(
      "chart push /chart.tgz oci://registry:5001/charts --insecure registry:5001 --json",
    );
    expect(cli!.chain.find((s) => s.field === "withServiceBinding")?.args).toEqual({
      alias: "registry",
      service,
    });
    const chart = decodeId(String(cli!.chain.find((s) => s.field === "withMountedFile")?.args.source));
    expect(chart.some((s) => s.field === "withExec" && (s.args.args as string[]).includes("0.0.0-dev"))).toBe(
      true,
    );
  }, 120_000);

  it.each([
    ["deploy", { environment: "preview", imageTag: "dev" }],
    ["helmTest", { environment: "preview" }],
  ])(
    "binds the Kind API server as a service for %s, and reruns the exec on every call",
    async (fn, args) => {
      const service = hostService(6443);
      const run = await runModule({
        fn,
        args: { ...args, kubeconfig: secretId("kube"), apiServer: service },
        answer: helmAnswers,
      });
      expect(run.exitCode, run.stderr).toBe(0);
      const exec = run.chains.find((c) => c.at(-1)?.field === "stdout")!;
      expect(exec.find((s) => s.field === "withServiceBinding")?.args).toEqual({
        alias: "kube-api",
        service,
      });
      expect(exec.some((s) => s.field === "withEnvVariable" && s.args.name === "PIPELINE_RUN_ID")).toBe(true);
    },
    120_000,
  );

  it("publishes a pull request under the tag of the event it is given, planning once", async () => {
    const head = "b".repeat(40);
    const run = await runModule(
      {
        fn: "publish",
        args: {
          ref: "refs/pull/42/merge",
          sha: head,
          pr: 42,
          username: "me",
          password: secretId("registry"),
        },
      },
      { registry: "r" },
    );
    expect(run.error).toBeUndefined();
    expect(run.exitCode, run.stderr).toBe(0);
    const addresses = run.chains
      .filter((c) => c.at(-1)?.field === "publish")
      .map((c) => c.at(-1)!.args.address);
    expect(addresses).toContain("ghcr.io/example/sample-app-api:pr-42-bbbbbbb");
    // The plan's tag and extra tags, all from the head sha given, none from the checkout's HEAD.
    expect(addresses.filter((a) => !/:(pr-42-|sha-)bbbbbbb(-amd64|-arm64)?$/.test(String(a)))).toEqual([]);
    expect(gitReads(run.chains)).toBe(3);
  }, 120_000);
});
