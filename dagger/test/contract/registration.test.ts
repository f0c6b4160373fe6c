import { beforeAll, describe, expect, it } from "vitest";
import { decodeId } from "./engine.js";
import { allSteps, type ModuleRun, runModule } from "./harness.js";
import { type RegisteredFunction, registeredFunctions, typeName } from "./registration.js";

describe("module registration through the SDK entrypoint", () => {
  let run: ModuleRun;
  let functions: RegisteredFunction[];
  beforeAll(async () => {
    run = await runModule(null);
    functions = registeredFunctions(run);
  }, 120_000);

  it("registers the module without error", () => {
    expect(run.exitCode, run.stderr).toBe(0);
  });

  it("registers every stage function", () => {
    expect(functions.map((f) => f.name)).toEqual(
      [
        "attest",
        "build",
        "chartLint",
        "deploy",
        "dockerfiles",
        "githubRelease",
        "helmPackage",
        "helmPush",
        "helmTest",
        "images",
        "lint",
        "manifestMerge",
        "plan",
        "preview",
        "previewCleanup",
        "promote",
        "publish",
        "release",
        "releaseNotes",
        "rollback",
        "sbom",
        "sign",
        "test",
        "updateLatest",
        "verify",
        "version",
      ].sort((a, b) => a.localeCompare(b)),
    );
  });

  it("gives every function a one-line description and an example", () => {
    for (const fn of functions) {
      expect(fn.description, fn.name).toMatch(/^[A-Z][^\n]+\.\n/);
      expect(fn.description, fn.name).toMatch(/Example: `dagger call /);
      for (const arg of fn.args) expect(arg.description, `${fn.name}.${arg.name}`).not.toBe("");
    }
  });

  // Side effects must run on every call: the engine otherwise replays a cached result for up to
  // 7 days and pushes, promotes or deploys nothing. Pure functions keep the default cache.
  const NEVER_CACHED = [
    "attest",
    "deploy",
    "githubRelease",
    "helmPush",
    "helmTest",
    "manifestMerge",
    "preview",
    "previewCleanup",
    "promote",
    "publish",
    "release",
    "rollback",
    "sbom",
    "sign",
    "updateLatest",
    "verify",
  ];

  it("registers every side-effect function as never cached, and every pure one with the default cache", () => {
    const policies = Object.fromEntries(
      functions.map((f) => [f.name, f.ttl ? `${f.cache} ${f.ttl}` : f.cache]),
    );
    expect(policies).toEqual(
      Object.fromEntries(functions.map((f) => [f.name, NEVER_CACHED.includes(f.name) ? "Never" : "Default"])),
    );
    expect(functions.filter((f) => f.cache === "Never").map((f) => f.name)).toEqual(NEVER_CACHED);
  });

  it.each([
    ["build", "platforms", "[STRING]", true],
    ["publish", "password", "Secret", true],
    ["promote", "environment", "STRING", false],
    ["promote", "token", "Secret", true],
    ["deploy", "kubeconfig", "Secret", true],
    ["preview", "pr", "INTEGER", false],
    ["publish", "registryService", "Service", true],
    ["publish", "pr", "INTEGER", true],
    ["helmPush", "sha", "STRING", true],
    ["deploy", "apiServer", "Service", true],
    ["helmTest", "apiServer", "Service", true],
    ["promote", "password", "Secret", true],
    ["manifestMerge", "sources", "[STRING]", false],
    ["githubRelease", "token", "Secret", false],
    ["sign", "key", "Secret", true],
    ["sign", "actionsIdTokenRequestUrl", "Secret", true],
    ["sign", "actionsIdTokenRequestToken", "Secret", true],
    ["sign", "identityToken", "Secret", true],
    ["attest", "key", "Secret", true],
    ["attest", "actionsIdTokenRequestUrl", "Secret", true],
    ["attest", "identityToken", "Secret", true],
    ["sbom", "password", "Secret", true],
    ["release", "signingKey", "Secret", true],
    ["release", "actionsIdTokenRequestToken", "Secret", true],
    ["release", "identityToken", "Secret", true],
    ["release", "workflowRef", "STRING", true],
    ["release", "runUrl", "STRING", true],
    ["attest", "workflowRef", "STRING", true],
    ["attest", "runUrl", "STRING", true],
    ["verify", "key", "Secret", true],
    ["verify", "keyless", "BOOLEAN", true],
    ["verify", "certificateIdentityRegexp", "STRING", true],
    ["verify", "certificateOidcIssuer", "STRING", true],
  ])("declares %s(%s) as %s (optional: %s)", (fn, arg, type, optional) => {
    const found = functions.find((f) => f.name === fn)?.args.find((a) => a.name === arg);
    expect(found).toMatchObject({ type, optional });
  });

  it("returns Directory, File and Container values where they compose", () => {
    const returns = (name: string) => {
      const fn = allSteps(run).find((s) => s.field === "function" && s.args.name === name);
      return fn ? typeName(decodeId(String(fn.args.returnType))) : "";
    };
    expect(returns("build")).toBe("Directory");
    expect(returns("helmPackage")).toBe("File");
    expect(returns("images")).toBe("[Container]");
  });
});
