/**
 * githubRelease on a real engine: the CLI's own `github-release` in the Node image with git, plus
 * the pinned Go toolchain it cross-compiles the archives with, the whole repository mounted, and
 * the token only as a secret variable.
 */
import { describe, expect, it } from "vitest";
import { TOOL_IMAGES } from "../../src/core/tools/images.js";
import { decodeId, type Step } from "./engine.js";
import { allSteps, runModule, SOURCE_ID, secretId } from "./harness.js";

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

describe("githubRelease", () => {
  it("runs the CLI's github-release with Go, the repository and GITHUB_TOKEN as a secret", async () => {
    const token = "ghs_Release-token-value-42";
    const run = await runModule(
      {
        fn: "githubRelease",
        args: { token: secretId("github"), tag: "v1.2.3", repository: "acme/sample-app" },
      },
      { github: token },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.error).toBeUndefined();
    const cli = cliRun(run.chains);
    expect(cli?.argv.join(" ")).toBe(
      "node /pipeline/dist/bin/pipeline.js --config /repo/pipeline.yaml github-release --tag v1.2.3 --json",
    );
    const steps = cli!.chain;
    expect(steps.find((s) => s.field === "from")?.args.address).toBe(TOOL_IMAGES.nodeGit);
    // Go comes from the same pinned golang image the build stage uses, and is first on PATH.
    const goroot = steps.find((s) => s.field === "withDirectory" && s.args.path === "/usr/local/go");
    const golang = decodeId(String(goroot?.args.source));
    expect(golang.find((s) => s.field === "from")?.args.address).toBe(TOOL_IMAGES.golang("1.26"));
    expect(steps.find((s) => s.field === "withEnvVariable" && s.args.name === "PATH")?.args).toMatchObject({
      value: "/usr/local/go/bin:${PATH}",
      expand: true,
    });
    // The whole repository (history for the notes, the Go module, LICENSE), not a slice of it.
    const repo = steps.find((s) => s.field === "withMountedDirectory" && s.args.path === "/repo");
    expect(repo?.args.source).toBe(SOURCE_ID);
    expect(steps.filter((s) => s.field === "withSecretVariable").map((s) => s.args.name)).toEqual([
      "GITHUB_TOKEN",
    ]);
    expect(
      steps.find((s) => s.field === "withEnvVariable" && s.args.name === "GITHUB_REPOSITORY")?.args.value,
    ).toBe("acme/sample-app");
    expect(steps.some((s) => s.field === "withEnvVariable" && s.args.name === "PIPELINE_RUN_ID")).toBe(true);
    expect(run.queries.join("\n")).not.toContain(token);
    expect(allSteps(run).some((s) => s.field === "plaintext")).toBe(false);
  }, 120_000);
});

describe("githubRelease with sboms", () => {
  it("mounts the SBOM folder outside the repository and passes it as --sbom-dir", async () => {
    const run = await runModule(
      {
        fn: "githubRelease",
        args: { token: secretId("github"), tag: "v1.2.3", sboms: SOURCE_ID },
      },
      { github: "ghs_Release-token-value-43" },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const cli = cliRun(run.chains);
    expect(cli?.argv.join(" ")).toBe(
      "node /pipeline/dist/bin/pipeline.js --config /repo/pipeline.yaml github-release --tag v1.2.3 --sbom-dir /sboms --json",
    );
    const sboms = cli!.chain.find((s) => s.field === "withMountedDirectory" && s.args.path === "/sboms");
    expect(sboms?.args.source).toBe(SOURCE_ID);
  }, 120_000);
});

describe("githubRelease with registrySboms", () => {
  it("passes --registry-sboms and the registry, the password only as the REGISTRY_PASSWORD secret", async () => {
    const password = "registry-password-value-44";
    const run = await runModule(
      {
        fn: "githubRelease",
        args: {
          token: secretId("github"),
          tag: "v1.2.3",
          registrySboms: true,
          registry: "ghcr.io/acme",
          username: "octocat",
          password: secretId("registry"),
        },
      },
      { github: "ghs_Release-token-value-45", registry: password },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.error).toBeUndefined();
    const cli = cliRun(run.chains);
    expect(cli?.argv.join(" ")).toBe(
      "node /pipeline/dist/bin/pipeline.js --config /repo/pipeline.yaml github-release --tag v1.2.3 --registry-sboms --registry ghcr.io/acme --json",
    );
    const steps = cli!.chain;
    expect(steps.filter((s) => s.field === "withSecretVariable").map((s) => s.args.name)).toEqual([
      "GITHUB_TOKEN",
      "REGISTRY_PASSWORD",
    ]);
    expect(
      steps.find((s) => s.field === "withEnvVariable" && s.args.name === "REGISTRY_USERNAME")?.args.value,
    ).toBe("octocat");
    expect(run.queries.join("\n")).not.toContain(password);
  }, 120_000);
});
