/**
 * The workflows `pipeline init` writes for another repository call the module that exists: every
 * step passes the constructor's `--source .`, names a registered function, and only arguments that
 * function declares.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the workflows hold GitHub expressions, ${{ ... }}
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { planInit, planWorkflows } from "../../src/core/init/plan.js";
import { githubRunEnv } from "../../src/core/supply-chain/provenance.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { runModule } from "./harness.js";
import { type RegisteredFunction, registeredFunctions } from "./registration.js";

const camel = (kebab: string) => kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: { verb?: string; module?: string; args?: string };
}

const plan = planInit(
  {
    name: "shop",
    files: ["go.mod", "cmd/shop/main.go"],
    texts: { "go.mod": "module github.com/acme/shop\n", "cmd/shop/main.go": "package main\n" },
    defaultBranch: "master",
    originUrl: null,
  },
  { module: "github.com/acme/pipeline@v1.4.0", schema: "./pipeline.schema.json" },
);
/** The workflows for a config that pushes to ghcr.io and copies releases to quay.io. */
const twoRegistries = planWorkflows(
  {
    defaultBranch: "master",
    image: { registry: "ghcr.io/acme", releaseRegistry: "quay.io/acme" },
    chart: { registry: "oci://ghcr.io/acme/charts" },
  },
  "github.com/acme/pipeline@v1.4.0",
);
const callsOf = (files: { path: string; text: string }[]) =>
  files
    .filter((f) => f.path.startsWith(".github/workflows/"))
    .flatMap((f) =>
      Object.values((parse(f.text) as { jobs: Record<string, { steps: Step[] }> }).jobs).flatMap((job) =>
        job.steps
          .filter((s) => s.uses?.startsWith("dagger/dagger-for-github@") && s.with?.verb === "call")
          .map((s) => ({ where: f.path, module: s.with!.module, args: s.with!.args!, env: s.env ?? {} })),
      ),
    );
const calls = [...callsOf(plan.files), ...callsOf(twoRegistries.files)];

describe("the workflows pipeline init writes", () => {
  let functions: RegisteredFunction[];
  beforeAll(async () => {
    functions = registeredFunctions(await runModule(null));
  }, 120_000);

  it("has a dagger call in each of the three workflows", () => {
    expect(new Set(calls.map((c) => c.where)).size).toBe(3);
  });

  it("logs in to a registry other than ghcr.io with its own secrets, lists of the types the module declares", () => {
    const logins = callsOf(twoRegistries.files).filter((c) => c.args.includes("--registry-hosts"));
    expect(logins.map((c) => c.where)).toEqual([
      ".github/workflows/pipeline.yaml",
      ".github/workflows/pipeline-pr.yaml",
      ".github/workflows/pipeline-promote.yaml",
    ]);
    for (const call of logins) {
      const fn = functions.find((f) => f.name === camel(call.args.split(/\s+/)[2]!))!;
      const type = (name: string) => fn.args.find((a) => a.name === name)?.type;
      expect([type("registryHosts"), type("registryUsernames"), type("registryPasswords")]).toEqual([
        "[STRING]",
        "[Secret]",
        "[Secret]",
      ]);
      const value = (flag: string) => new RegExp(`--${flag} (\\S+)`).exec(call.args)![1]!;
      expect(value("registry-hosts")).toBe("quay.io");
      expect(value("registry-usernames")).toBe("env:REGISTRY_QUAY_IO_USERNAME");
      expect(value("registry-passwords")).toBe("env:REGISTRY_QUAY_IO_PASSWORD");
      expect(call.env).toMatchObject({
        GITHUB_TOKEN: "${{ secrets.GITHUB_TOKEN }}",
        REGISTRY_QUAY_IO_USERNAME: "${{ secrets.REGISTRY_QUAY_IO_USERNAME }}",
        REGISTRY_QUAY_IO_PASSWORD: "${{ secrets.REGISTRY_QUAY_IO_PASSWORD }}",
      });
    }
  });

  it.each(calls)("$where: $args calls a registered function with declared arguments", (call) => {
    expect(call.module).toBe("github.com/acme/pipeline@v1.4.0");
    const tokens = call.args
      .replace(/\$\{\{[^}]*\}\}/g, "EXPR")
      .trim()
      .split(/\s+/);
    expect(tokens.slice(0, 2)).toEqual(["--source", "."]);
    const fn = functions.find((f) => f.name === camel(tokens[2]!));
    expect(fn, `${tokens[2]} is not a registered function`).toBeDefined();
    const declared = fn!.args.map((a) => a.name);
    for (const flag of tokens.slice(3).filter((t) => t.startsWith("--"))) {
      expect(declared, `${call.where}: ${tokens[2]} ${flag}`).toContain(camel(flag.slice(2)));
    }
  });
});

describe("the release workflow pipeline init writes", () => {
  let functions: RegisteredFunction[];
  beforeAll(async () => {
    functions = registeredFunctions(await runModule(null));
  }, 120_000);
  afterAll(removeTempDirs);

  const workflow = parse(plan.files.find((f) => f.path === ".github/workflows/pipeline.yaml")!.text) as {
    jobs: { release: { permissions: Record<string, string>; steps: Step[] } };
  };
  const job = workflow.jobs.release;
  /** The flags the signing step hands to `release`, run in bash as the runner runs it. */
  const signingFlags = (env: Record<string, string>): string => {
    const step = job.steps.find((s) => s.id === "signing")!;
    const output = join(tempDir("init-signing-"), "output");
    writeFileSync(output, "");
    execFileSync("bash", ["-eo", "pipefail", "-c", step.run!], {
      env: { PATH: process.env.PATH, GITHUB_OUTPUT: output, ...env },
      stdio: "pipe",
    });
    return /^flags=(.*)$/m.exec(readFileSync(output, "utf8"))![1]!;
  };
  const release = () => job.steps.find((s) => / release /.test(` ${s.with?.args ?? ""} `))!;

  it("may request an OIDC token, for keyless signing", () => {
    expect(job.permissions).toMatchObject({ "id-token": "write", packages: "write", contents: "read" });
  });

  it.each([
    ["with the repository's COSIGN_PRIVATE_KEY", { COSIGN_PRIVATE_KEY: "fake-pem" }, ["signing-key"]],
    [
      "keylessly without it",
      { COSIGN_PRIVATE_KEY: "" },
      ["actions-id-token-request-url", "actions-id-token-request-token"],
    ],
  ])("signs %s, through release arguments the module declares, secrets only as env:", (_, env, want) => {
    const flags = signingFlags(env);
    expect(release().with!.args).toContain("${{ steps.signing.outputs.flags }}");
    const tokens = flags.split(/\s+/);
    const names = tokens.filter((t) => t.startsWith("--")).map((t) => t.slice(2));
    expect(names).toEqual(want);
    const declared = functions.find((f) => f.name === "release")!.args;
    for (const name of names) {
      const arg = declared.find((a) => a.name === camel(name));
      expect(arg, `release --${name}`).toBeDefined();
      expect(arg!.type).toBe("Secret");
      expect(tokens[tokens.indexOf(`--${name}`) + 1]).toMatch(/^env:[A-Z_]+$/);
    }
  });

  it("names its workflow and run, as GitHub's context gives them, so the provenance records both", () => {
    // What GitHub's runner expands for a tag push of acme/shop, run 42, first attempt.
    const context: Record<string, string> = {
      "github.workflow_ref": "acme/shop/.github/workflows/pipeline.yaml@refs/tags/v1.2.3",
      "github.server_url": "https://github.com",
      "github.repository": "acme/shop",
      "github.run_id": "42",
      "github.run_attempt": "1",
    };
    const args = release().with!.args!.replace(
      /\$\{\{\s*([\w.]+)\s*\}\}/g,
      (m, path: string) => context[path] ?? m,
    );
    const value = (flag: string) => new RegExp(`--${flag} (\\S+)`).exec(args)?.[1];
    const env = githubRunEnv({ workflowRef: value("workflow-ref"), runUrl: value("run-url") });
    expect(env).toEqual({
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "acme/shop",
      GITHUB_RUN_ID: "42",
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_WORKFLOW_REF: "acme/shop/.github/workflows/pipeline.yaml@refs/tags/v1.2.3",
    });
    for (const name of ["workflowRef", "runUrl"])
      expect(functions.find((f) => f.name === "release")!.args.find((a) => a.name === name)?.type).toBe(
        "STRING",
      );
  });

  it("hands the key to the release step only through its env", () => {
    expect(release().env).toMatchObject({ COSIGN_PRIVATE_KEY: "${{ secrets.COSIGN_PRIVATE_KEY }}" });
  });
});
