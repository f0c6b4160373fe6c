/**
 * Registry logins per host through the SDK entrypoint: `--registry-hosts` with
 * `--registry-usernames/--registry-passwords` give a host its own login, which wins there over
 * `--username/--password`; the password stays the caller's Secret (never a query, never a
 * setSecret), and a CLI step gets each host's login as REGISTRY_<HOST>_USERNAME/_PASSWORD.
 */
import { describe, expect, it } from "vitest";
import type { Step } from "./engine.js";
import { allSteps, runModule, secretId } from "./harness.js";

const PASSWORD = "quay-robot-pa55word-contract";
const GHCR = "ghcr-token-contract";

/** The stdout chains whose last exec runs the project's CLI. */
const cliChains = (chains: Step[][]) =>
  chains.filter(
    (c) =>
      c.at(-1)?.field === "stdout" &&
      (
        [...c].reverse().find((s) => s.field === "withExec")?.args.args as string[] | undefined
      )?.[1]?.endsWith("dist/bin/pipeline.js"),
  );

const quayLogin = {
  registryHosts: ["quay.io"],
  registryUsernames: [secretId("quay-user")],
  registryPasswords: [secretId("quay-password")],
};
const secrets = { "quay-user": "acme+robot\n", "quay-password": PASSWORD, ghcr: GHCR };

describe("registry logins per host", () => {
  it("publishes to a registry with its own login, the password only as the caller's secret", async () => {
    const run = await runModule(
      {
        fn: "publish",
        args: { registry: "quay.io/acme", username: "octocat", password: secretId("ghcr"), ...quayLogin },
      },
      secrets,
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const auths = allSteps(run)
      .filter((s) => s.field === "withRegistryAuth")
      .map((s) => s.args);
    expect(auths.length).toBeGreaterThan(0);
    for (const auth of auths) {
      expect(auth).toMatchObject({
        address: expect.stringMatching(/^quay\.io\/acme\//),
        username: "acme+robot",
      });
      expect(String(auth.secret)).toContain(secretId("quay-password"));
    }
    const queries = run.queries.join("\n");
    expect(queries).not.toContain(PASSWORD);
    expect(queries).not.toContain(GHCR);
    expect(queries).not.toMatch(/setSecret/);
  }, 120_000);

  it.each([
    [
      "a host without its password",
      { registry: "quay.io/acme", registryHosts: ["quay.io"], registryUsernames: [secretId("quay-user")] },
      /publish: --registry-hosts names 1 host\(s\) but --registry-usernames gives 1 and --registry-passwords 0/,
    ],
    [
      "a registry that has no login of its own and no --username/--password",
      { registry: "docker.io/acme", ...quayLogin },
      /publish --password is required/,
    ],
  ])(
    "refuses %s before sending any query",
    async (_, args, message) => {
      const run = await runModule({ fn: "publish", args }, secrets);
      expect(run.error).toMatch(message);
      const work = run.chains.filter(
        (c) => !["currentModule", "currentFunctionCall", "#opaque", "error"].includes(c[0]!.field),
      );
      expect(work).toEqual([]);
    },
    120_000,
  );

  it("hands a CLI step each login under its own variables: promote's verify", async () => {
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
          password: secretId("ghcr"),
          ...quayLogin,
        },
      },
      { ...secrets, gitops: "t" },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const steps = cliChains(run.chains)[0]!;
    const plain = Object.fromEntries(
      steps.filter((s) => s.field === "withEnvVariable").map((s) => [s.args.name, s.args.value]),
    );
    expect(plain).toMatchObject({ REGISTRY_USERNAME: "octocat", REGISTRY_QUAY_IO_USERNAME: "acme+robot" });
    const secret = Object.fromEntries(
      steps.filter((s) => s.field === "withSecretVariable").map((s) => [s.args.name, String(s.args.secret)]),
    );
    expect(secret.REGISTRY_PASSWORD).toContain(secretId("ghcr"));
    expect(secret.REGISTRY_QUAY_IO_PASSWORD).toContain(secretId("quay-password"));
    expect(run.queries.join("\n")).not.toContain(PASSWORD);
  }, 120_000);
});
