/**
 * Keyless signing on a real engine: `sign` and `attest` without a key run the real cosign in its
 * pinned image, each image and the chart pinned first to the digest the registry holds (a real
 * registry, reached as a remote host), with the OIDC token (or GitHub Actions' token request) and
 * the registry password only as secret variables, never in argv or a query.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/adapters/config/config-file.js";
import { IMAGE_PROGRAMS, TOOL_IMAGES } from "../../src/core/tools/images.js";
import { pushTestImage } from "../support/images.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import type { Step } from "./engine.js";
import { allSteps, runModule, secretId } from "./harness.js";

const TOKEN = "eyJ-contract-actions-id-token-request-token";
const URL_SECRET = "https://pipelines.example.invalid/oidc?contract-request-url";
const ID_TOKEN = "eyJ-contract-sigstore-id-token";
const PASSWORD = "fake-registry-password-keyless";
const STAND_IN = "registry.contract.test";

/** The stdout chains whose last exec runs cosign, with its argv. */
function cosignRuns(chains: Step[][]): { chain: Step[]; argv: string[] }[] {
  return chains
    .filter((c) => c.at(-1)?.field === "stdout")
    .map((chain) => ({
      chain,
      argv: ([...chain].reverse().find((s) => s.field === "withExec")?.args.args as string[]) ?? [],
    }))
    .filter((r) => r.argv[0] === "sh" && r.argv[3] === "cosign")
    .map((r) => ({ ...r, argv: r.argv.slice(3) }));
}

describe("sign and attest without a key", () => {
  let registry: TestRegistry;
  let host: string;
  let pipelineYaml: string;
  const digests: Record<string, string> = {};

  beforeAll(async () => {
    registry = await startRegistry();
    host = `${STAND_IN}:${registry.port}`;
    pipelineYaml = readFileSync(resolve(import.meta.dirname, "../../../pipeline.yaml"), "utf8")
      .replace(/^ {2}registry: .*$/m, `  registry: ${host}/example\n  insecureRegistries: [${host}]`)
      .replace(/^ {2}registry: oci:.*$/m, `  registry: oci://${host}/charts`);
    const config = loadConfig(resolve(import.meta.dirname, "../../../pipeline.yaml"));
    for (const image of config.images) {
      // An older push under the release tag, then the release: the tag is what the registry holds now.
      await pushTestImage(registry.host, {
        repository: `example/${image.name}`,
        tag: "1.2.3",
        architecture: "amd64",
      });
      digests[image.name] = (
        await pushTestImage(registry.host, {
          repository: `example/${image.name}`,
          tag: "1.2.3",
          architecture: "amd64",
        })
      ).digest;
    }
    digests.chart = (
      await pushTestImage(registry.host, {
        repository: "charts/sample-app",
        tag: "1.2.3",
        architecture: "amd64",
      })
    ).digest;
  });
  afterAll(async () => {
    await registry?.remove();
  });

  const answer = (chain: Step[]) => {
    const last = chain.at(-1)!;
    if (last.field === "contents" && chain.some((s) => s.field === "file" && s.args.path === "pipeline.yaml"))
      return pipelineYaml;
    return undefined;
  };

  it("signs each image and the chart by the digest the registry holds, the OIDC request and password only as secret variables", async () => {
    const run = await runModule(
      {
        fn: "sign",
        args: {
          ref: "refs/tags/v1.2.3",
          username: "me",
          password: secretId("registry"),
          actionsIdTokenRequestUrl: secretId("url"),
          actionsIdTokenRequestToken: secretId("token"),
        },
        remoteHosts: { [STAND_IN]: registry.port },
        answer,
      },
      { url: URL_SECRET, token: TOKEN, registry: PASSWORD },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.error).toBeUndefined();
    const runs = cosignRuns(run.chains);
    const config = loadConfig(resolve(import.meta.dirname, "../../../pipeline.yaml"));
    expect(runs.map((r) => r.argv.slice(1))).toEqual([
      ...config.images.map((image) => [
        "sign",
        "--yes",
        "--recursive",
        "--allow-http-registry",
        "--allow-insecure-registry",
        `${host}/example/${image.name}@${digests[image.name]}`,
      ]),
      [
        "sign",
        "--yes",
        "--recursive",
        "--allow-http-registry",
        "--allow-insecure-registry",
        `${host}/charts/sample-app@${digests.chart}`,
      ],
    ]);
    const last = runs.at(-1)!.chain;
    // cosign's own image has no shell: its binary runs in the pinned alpine, where the login and
    // the signing share one exec.
    expect(last.find((s) => s.field === "from")?.args.address).toBe(TOOL_IMAGES.alpine);
    expect(JSON.stringify(last)).toContain(TOOL_IMAGES.cosign);
    expect(JSON.stringify(last)).toContain(IMAGE_PROGRAMS.cosign);
    expect(
      last
        .filter((s) => s.field === "withSecretVariable")
        .map((s) => s.args.name)
        .sort(),
    ).toEqual(["ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL", "REGISTRY_PASSWORD"]);
    expect(last.some((s) => s.field === "withMountedTemp" && s.args.path === "/cosign-docker")).toBe(true);
    // The password never travels as a new secret built in module code (setSecret would carry it).
    expect(run.queries.join("\n")).not.toMatch(/setSecret/);
    const queries = run.queries.join("\n");
    expect(queries).not.toContain(TOKEN);
    expect(queries).not.toContain("contract-request-url");
    expect(queries).not.toContain(PASSWORD);
    for (const { argv } of runs) expect(argv.join(" ")).not.toMatch(/token|password|--key/i);
    // No exec of the project's CLI: keyless signing is cosign's own.
    expect(
      allSteps(run).some((s) => s.field === "withExec" && String(s.args.args).includes("pipeline.js sign")),
    ).toBe(false);
  }, 120_000);

  it("attests each digest with the SLSA predicate as a file, the identity token only as SIGSTORE_ID_TOKEN", async () => {
    const run = await runModule(
      {
        fn: "attest",
        args: { ref: "refs/tags/v1.2.3", identityToken: secretId("id") },
        remoteHosts: { [STAND_IN]: registry.port },
        answer,
      },
      { id: ID_TOKEN },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.error).toBeUndefined();
    const runs = cosignRuns(run.chains);
    const config = loadConfig(resolve(import.meta.dirname, "../../../pipeline.yaml"));
    const predicateFile = "/predicate/slsa-provenance.json";
    expect(runs.map((r) => r.argv.at(-1))).toEqual([
      ...config.images.map((image) => `${host}/example/${image.name}@${digests[image.name]}`),
      `${host}/charts/sample-app@${digests.chart}`,
    ]);
    for (const { argv } of runs)
      expect(argv.slice(1, 7)).toEqual([
        "attest",
        "--yes",
        "--type",
        "slsaprovenance1",
        "--predicate",
        predicateFile,
      ]);
    const last = runs.at(-1)!.chain;
    const file = last.find((s) => s.field === "withNewFile" && s.args.path === predicateFile);
    const predicate = JSON.parse(String(file?.args.contents)) as {
      buildDefinition: { resolvedDependencies: { uri: string; digest: { gitCommit: string } }[] };
    };
    expect(predicate.buildDefinition.resolvedDependencies[0]).toEqual({
      uri: "git+https://github.com/example/sample-app@refs/tags/v1.2.3",
      // The commit the tag v1.2.3 points at in the checkout.
      digest: { gitCommit: "e".repeat(40) },
    });
    expect(
      last
        .filter((s) => s.field === "withSecretVariable")
        .map((s) => s.args.name)
        .sort(),
    ).toEqual(["SIGSTORE_ID_TOKEN"]);
    expect(run.queries.join("\n")).not.toContain(ID_TOKEN);
    for (const { argv } of runs) expect(argv.join(" ")).not.toMatch(/token|eyJ|--key/i);
  }, 120_000);

  it("names the workflow as the builder and the run in the predicate when given them, none of the runner's environment reaching the module", async () => {
    const workflowRef = "example/sample-app/.github/workflows/release.yaml@refs/tags/v1.2.3";
    const runUrl = "https://github.com/example/sample-app/actions/runs/4242/attempts/1";
    const predicateOf = async (args: Record<string, unknown>) => {
      const run = await runModule(
        {
          fn: "attest",
          args: { ref: "refs/tags/v1.2.3", identityToken: secretId("id"), ...args },
          remoteHosts: { [STAND_IN]: registry.port },
          answer,
        },
        { id: ID_TOKEN },
      );
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.error).toBeUndefined();
      const file = cosignRuns(run.chains)
        .at(-1)!
        .chain.find((s) => s.field === "withNewFile" && s.args.path === "/predicate/slsa-provenance.json");
      return JSON.parse(String(file?.args.contents)) as {
        buildDefinition: { buildType: string; externalParameters: Record<string, unknown> };
        runDetails: { builder: { id: string }; metadata: Record<string, unknown> };
      };
    };
    const predicate = await predicateOf({ workflowRef, runUrl });
    expect(predicate.runDetails.builder.id).toBe(`https://github.com/${workflowRef}`);
    expect(predicate.runDetails.metadata).toEqual({ invocationId: runUrl });
    expect(predicate.buildDefinition.buildType).toBe("https://actions.github.io/buildtypes/workflow/v1");
    expect(predicate.buildDefinition.externalParameters).toEqual({
      workflow: {
        ref: "refs/tags/v1.2.3",
        repository: "https://github.com/example/sample-app",
        path: ".github/workflows/release.yaml",
      },
    });
    // Without them, the module (which sees no runner variables) records a local builder.
    const local = await predicateOf({});
    expect(local.runDetails.builder.id).toBe("urn:pipeline:builder:local");
    expect(local.runDetails.metadata).toEqual({});
  }, 240_000);

  it("refuses without a key and without an OIDC identity", async () => {
    for (const fn of ["sign", "attest"]) {
      const run = await runModule({ fn, args: { ref: "refs/tags/v1.2.3" } });
      expect(run.exitCode).not.toBe(0);
      expect(`${run.stderr}${run.error ?? ""}`).toContain(`${fn} needs --key`);
      expect(`${run.stderr}${run.error ?? ""}`).toContain("--identity-token env:SIGSTORE_ID_TOKEN");
    }
  }, 120_000);
});

describe("verify without a key", () => {
  /** The stdout chain that runs the project's CLI, with its argv. */
  const cliRun = (chains: Step[][]) =>
    chains
      .filter((c) => c.at(-1)?.field === "stdout")
      .map((chain) => ({
        chain,
        argv: ([...chain].reverse().find((s) => s.field === "withExec")?.args.args as string[]) ?? [],
      }))
      .find((r) => r.argv.some((a) => a.endsWith("dist/bin/pipeline.js")));

  it("runs pipeline verify --keyless in the CLI container with the pinned cosign binary next to it", async () => {
    const run = await runModule({
      fn: "verify",
      args: {
        imageTag: "1.2.3",
        chartVersion: "1.2.3",
        keyless: true,
        certificateIdentityRegexp: "^https://github\\.com/example/sample-app/",
        sha: "f".repeat(40),
      },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const cli = cliRun(run.chains)!;
    const argv = cli.argv.slice(cli.argv.findIndex((a) => a.endsWith("dist/bin/pipeline.js")) + 1);
    expect(argv.join(" ")).toContain(
      `verify --image-tag 1.2.3 --chart-version 1.2.3 --commit ${"f".repeat(40)} --keyless --certificate-identity-regexp ^https://github\\.com/example/sample-app/`,
    );
    const cosign = cli.chain.find((s) => s.field === "withFile" && s.args.path === "/usr/local/bin/cosign");
    expect(cosign).toBeDefined();
    expect(JSON.stringify(cosign)).toContain(TOOL_IMAGES.cosign);
    expect(JSON.stringify(cosign)).toContain(IMAGE_PROGRAMS.cosign);
    // No OIDC token to verify: nothing secret but the registry password would be passed.
    expect(cli.chain.filter((s) => s.field === "withSecretVariable")).toEqual([]);
  }, 120_000);

  it("verifies with the public key without cosign when given one", async () => {
    const run = await runModule(
      { fn: "verify", args: { imageTag: "1.2.3", key: secretId("pub"), sha: "f".repeat(40) } },
      { pub: "fake-public-key" },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const cli = cliRun(run.chains)!;
    expect(cli.argv.join(" ")).not.toContain("--keyless");
    expect(cli.chain.some((s) => s.field === "withFile" && s.args.path === "/usr/local/bin/cosign")).toBe(
      false,
    );
  }, 120_000);
});
