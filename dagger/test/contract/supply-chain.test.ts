/**
 * sbom, sign and attest on a real engine: the CLI's own commands in the Node image, over every
 * image of the plan at its tag and the chart, with the signing key only as COSIGN_PRIVATE_KEY (a
 * secret variable) and never in a query.
 */
import { describe, expect, it } from "vitest";
import { TOOL_IMAGES } from "../../src/core/tools/images.js";
import type { Step } from "./engine.js";
import { allSteps, runModule, secretId } from "./harness.js";

/** The stdout chain whose last exec runs the CLI. */
function cliRun(chains: Step[][]): { chain: Step[]; argv: string[] } | undefined {
  return chains
    .filter((c) => c.at(-1)?.field === "stdout")
    .map((chain) => ({
      chain,
      argv: ([...chain].reverse().find((s) => s.field === "withExec")?.args.args as string[]) ?? [],
    }))
    .find((r) => r.argv[0] === "node" && r.argv[1]?.endsWith("dist/bin/pipeline.js"));
}

// Built from parts so no tracked file holds a PEM private-key header (the supply-chain
// integration test greps the repository for one).
const PEM_LABEL = ["PRIVATE", "KEY"].join(" ");
const KEY = `-----BEGIN ${PEM_LABEL}-----\nMIGHAgEAMBMGByqGSM49-contract-signing-key\n-----END ${PEM_LABEL}-----`;
const PASSWORD = "fake-registry-password-supply-chain";
const SHA = "0123456789abcdef0123456789abcdef01234567";
const EVENT = { ref: "refs/tags/v1.2.3", sha: SHA, username: "me", password: secretId("registry") };

describe.each([
  [
    "sign",
    { key: secretId("cosign") },
    ["COSIGN_PRIVATE_KEY", "REGISTRY_PASSWORD"],
    /^sign \S+:1\.2\.3 .*oci:\/\/\S+:1\.2\.3 --json$/,
  ],
  [
    "attest",
    { key: secretId("cosign") },
    ["COSIGN_PRIVATE_KEY", "REGISTRY_PASSWORD"],
    new RegExp(
      `^attest \\S+:1\\.2\\.3 .*oci://\\S+:1\\.2\\.3 --commit ${SHA} --git-ref refs/tags/v1\\.2\\.3 --json$`,
    ),
  ],
  ["sbom", {}, ["REGISTRY_PASSWORD"], /^sbom (\S+:1\.2\.3 )+--version 1\.2\.3 --json$/],
])("%s", (fn, extra, secrets, command) => {
  it("runs the CLI's own command in the CLI container, credentials only as secret variables, never in a query", async () => {
    const run = await runModule({ fn, args: { ...extra, ...EVENT } }, { cosign: KEY, registry: PASSWORD });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.error).toBeUndefined();
    const cli = cliRun(run.chains);
    expect(cli?.argv.slice(0, 4)).toEqual([
      "node",
      "/pipeline/dist/bin/pipeline.js",
      "--config",
      "/repo/pipeline.yaml",
    ]);
    expect(cli!.argv.slice(4).join(" ")).toMatch(command);
    const steps = cli!.chain;
    expect(steps.find((s) => s.field === "from")?.args.address).toBe(TOOL_IMAGES.nodeGit);
    expect(
      steps
        .filter((s) => s.field === "withSecretVariable")
        .map((s) => s.args.name)
        .sort(),
    ).toEqual(secrets);
    expect(steps.some((s) => s.field === "withEnvVariable" && s.args.name === "PIPELINE_RUN_ID")).toBe(true);
    const queries = run.queries.join("\n");
    expect(queries).not.toContain(PASSWORD);
    expect(queries).not.toContain(`BEGIN ${PEM_LABEL}`);
    expect(queries).not.toContain("contract-signing-key");
    expect(allSteps(run).some((s) => s.field === "plaintext")).toBe(false);
  }, 120_000);
});

describe("verify with the release's public key", () => {
  it("passes the key only as COSIGN_PUBLIC_KEY and names the commit the provenance must carry", async () => {
    const publicKey = "-----BEGIN PUBLIC KEY-----\ncontract-public-key\n-----END PUBLIC KEY-----";
    const run = await runModule(
      { fn: "verify", args: { imageTag: "1.2.3", chartVersion: "1.2.3", key: secretId("pub"), sha: SHA } },
      { pub: publicKey },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const cli = cliRun(run.chains);
    expect(cli!.argv.slice(4).join(" ")).toBe(
      `verify --image-tag 1.2.3 --chart-version 1.2.3 --commit ${SHA} --json`,
    );
    expect(cli!.chain.filter((s) => s.field === "withSecretVariable").map((s) => s.args.name)).toEqual([
      "COSIGN_PUBLIC_KEY",
    ]);
    expect(run.queries.join("\n")).not.toContain("contract-public-key");
  }, 120_000);

  it("checks only presence without a key, as before", async () => {
    const run = await runModule({ fn: "verify", args: { imageTag: "1.2.3" } });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(cliRun(run.chains)!.argv.slice(4).join(" ")).toBe("verify --image-tag 1.2.3 --json");
  }, 120_000);
});

describe("attest in a GitHub Actions run", () => {
  const WORKFLOW_REF = "example/sample-app/.github/workflows/release.yaml@refs/tags/v1.2.3";
  const RUN_URL = "https://github.com/example/sample-app/actions/runs/4242/attempts/3";
  /** The plain env variables of the CLI's exec, by name. */
  const plainEnv = (chain: Step[]) =>
    Object.fromEntries(
      chain.filter((s) => s.field === "withEnvVariable").map((s) => [s.args.name, s.args.value]),
    );

  it("hands the CLI the run as GitHub's own variables, so pipeline attest records the workflow and the run", async () => {
    const run = await runModule(
      {
        fn: "attest",
        args: { key: secretId("cosign"), ...EVENT, workflowRef: WORKFLOW_REF, runUrl: RUN_URL },
      },
      { cosign: KEY, registry: PASSWORD },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.error).toBeUndefined();
    const cli = cliRun(run.chains)!;
    expect(cli.argv.slice(4, 5)).toEqual(["attest"]);
    expect(plainEnv(cli.chain)).toMatchObject({
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "example/sample-app",
      GITHUB_RUN_ID: "4242",
      GITHUB_RUN_ATTEMPT: "3",
      GITHUB_WORKFLOW_REF: WORKFLOW_REF,
    });
    // The run is not secret; the key still is.
    expect(cli.chain.filter((s) => s.field === "withSecretVariable").map((s) => s.args.name)).toContain(
      "COSIGN_PRIVATE_KEY",
    );
  }, 120_000);

  it("sets no GitHub variable without the arguments: a local builder, as before", async () => {
    const run = await runModule(
      { fn: "attest", args: { key: secretId("cosign"), ...EVENT } },
      { cosign: KEY },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(Object.keys(plainEnv(cliRun(run.chains)!.chain)).filter((n) => n.startsWith("GITHUB_"))).toEqual(
      [],
    );
  }, 120_000);

  it.each([
    ["attest", { key: secretId("cosign"), ...EVENT }],
    ["release", { ref: "refs/tags/v1.2.3", signingKey: secretId("cosign") }],
  ])(
    "%s refuses a run URL of another repository than the workflow ref, before running anything",
    async (fn, args) => {
      const run = await runModule(
        {
          fn,
          args: {
            ...args,
            workflowRef: WORKFLOW_REF,
            runUrl: "https://github.com/evil/sample-app/actions/runs/1/attempts/1",
          },
        },
        { cosign: KEY, registry: PASSWORD },
      );
      expect(run.exitCode).not.toBe(0);
      expect(`${run.stderr}${run.error ?? ""}`).toContain(
        '--workflow-ref names the repository "example/sample-app", --run-url "evil/sample-app"',
      );
      expect(allSteps(run).some((s) => s.field === "withExec")).toBe(false);
    },
    120_000,
  );
});
