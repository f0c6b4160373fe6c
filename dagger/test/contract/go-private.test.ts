/**
 * Private Go modules in the module: with `go.private` and a token Secret, every Go container gets
 * GOPRIVATE, a git credential helper that reads the token from a secret variable, and the token
 * itself only as that secret variable: never in an env value, an argv or any query the engine sees.
 */
import { describe, expect, it } from "vitest";
import type { Step } from "./engine.js";
import { allSteps, runModule, secretId } from "./harness.js";

const TOKEN = "fake-private-module-token-for-tests";
const yaml = ["app: sample-app", "go:", "  private: [github.com/acme/*, git.acme.dev]", ""].join("\n");
const answer = (chain: Step[]) =>
  chain.at(-1)?.field === "contents" &&
  chain.some((s) => s.field === "file" && s.args.path === "pipeline.yaml")
    ? yaml
    : undefined;

describe("go.private with a token", () => {
  it("reaches the Go containers as GOPRIVATE and a secret variable read by git's credential helper", async () => {
    const run = await runModule(
      {
        fn: "build",
        args: {
          platforms: ["linux/amd64"],
          version: "1.2.3",
          commit: "abc1234",
          goPrivateToken: secretId("go"),
        },
        answer,
      },
      { go: TOKEN },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const steps = allSteps(run);
    const env = Object.fromEntries(
      steps
        .filter((s) => s.field === "withEnvVariable")
        .map((s) => [String(s.args.name), String(s.args.value)]),
    );
    expect(env.GOPRIVATE).toBe("github.com/acme/*,git.acme.dev");
    expect(env.GIT_CONFIG_KEY_0).toBe("credential.helper");
    expect(env.GIT_CONFIG_VALUE_0).toContain("$GOPRIVATE_TOKEN");
    const secrets = steps.filter((s) => s.field === "withSecretVariable");
    expect(secrets.map((s) => s.args.name)).toContain("GOPRIVATE_TOKEN");
    // The token is set before `go mod download`, the first command that fetches modules.
    const chain = run.chains.find((c) => c.some((s) => s.field === "withSecretVariable"));
    const order = (chain ?? steps).map((s) =>
      s.field === "withExec" ? (s.args.args as string[]).join(" ") : s.field,
    );
    expect(order.indexOf("withSecretVariable")).toBeLessThan(order.indexOf("go mod download"));
    for (const query of run.queries) expect(query).not.toContain(TOKEN);
  }, 120_000);
});
