/**
 * Keyless signing on a real engine: `sign` without a key runs the real cosign in its pinned image,
 * with the GitHub Actions OIDC token request only as secret variables and the registry login only
 * as a mounted docker config, never in argv or a query.
 */
import { describe, expect, it } from "vitest";
import { IMAGE_PROGRAMS, TOOL_IMAGES } from "../../src/core/tool-images.js";
import type { Step } from "./engine.js";
import { allSteps, runModule, secretId } from "./harness.js";

const TOKEN = "eyJ-contract-actions-id-token-request-token";
const URL_SECRET = "https://pipelines.example.invalid/oidc?contract-request-url";
const PASSWORD = "fake-registry-password-keyless";

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

describe("sign without a key, in GitHub Actions", () => {
  it("runs the pinned cosign binary: sign --yes, the OIDC token and the registry password only as secret variables", async () => {
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
      },
      { url: URL_SECRET, token: TOKEN, registry: PASSWORD },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.error).toBeUndefined();
    const runs = cosignRuns(run.chains);
    expect(runs.length).toBeGreaterThan(0);
    for (const { argv } of runs) expect(argv.slice(1, 4)).toEqual(["sign", "--yes", "--recursive"]);
    expect(runs.map((r) => r.argv[4]).some((ref) => ref?.endsWith(":1.2.3"))).toBe(true);
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

  it("refuses without a key and without an OIDC token source", async () => {
    const run = await runModule({ fn: "sign", args: { ref: "refs/tags/v1.2.3" } });
    expect(run.exitCode).not.toBe(0);
    expect(`${run.stderr}${run.error ?? ""}`).toContain("sign needs --key");
  }, 120_000);
});
