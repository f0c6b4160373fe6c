/** How the workflows `pipeline init` writes log in to each registry (core/init/registry-logins.ts, workflows.ts). */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the workflows hold GitHub expressions, ${{ ... }}
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { planInit, planWorkflows } from "../../src/core/init/plan.js";
import { githubLogins } from "../../src/core/init/registry-logins.js";
import { initWorkflows } from "../../src/core/init/workflows.js";

const GHCR = "--username ${{ github.actor }} --password env:GITHUB_TOKEN";
const QUAY =
  "--registry-hosts quay.io --registry-usernames env:REGISTRY_QUAY_IO_USERNAME --registry-passwords env:REGISTRY_QUAY_IO_PASSWORD";

describe("githubLogins", () => {
  it.each([
    ["no registry chosen yet: ghcr.io, as init picks for a GitHub origin", [], GHCR, ["GITHUB_TOKEN"], true],
    ["ghcr.io: the job's own GITHUB_TOKEN", ["ghcr.io"], GHCR, ["GITHUB_TOKEN"], true],
    [
      "another host: its own secrets, no GITHUB_TOKEN and no packages permission",
      ["quay.io"],
      QUAY,
      ["REGISTRY_QUAY_IO_USERNAME", "REGISTRY_QUAY_IO_PASSWORD"],
      false,
    ],
    [
      "ghcr.io and two others: the token for ghcr.io, one pair per other host, in order",
      ["ghcr.io", "quay.io", "registry.acme.dev:5000"],
      `${GHCR} --registry-hosts quay.io,registry.acme.dev:5000 --registry-usernames env:REGISTRY_QUAY_IO_USERNAME,env:REGISTRY_REGISTRY_ACME_DEV_5000_USERNAME --registry-passwords env:REGISTRY_QUAY_IO_PASSWORD,env:REGISTRY_REGISTRY_ACME_DEV_5000_PASSWORD`,
      [
        "GITHUB_TOKEN",
        "REGISTRY_QUAY_IO_USERNAME",
        "REGISTRY_QUAY_IO_PASSWORD",
        "REGISTRY_REGISTRY_ACME_DEV_5000_USERNAME",
        "REGISTRY_REGISTRY_ACME_DEV_5000_PASSWORD",
      ],
      true,
    ],
  ])("%s", (_, hosts, args, env, packages) => {
    const logins = githubLogins(hosts);
    expect(logins.args).toBe(args);
    expect(Object.keys(logins.env)).toEqual(env);
    for (const [name, value] of Object.entries(logins.env)) expect(value).toBe(`\${{ secrets.${name} }}`);
    expect(logins.packages).toBe(packages);
  });
});

interface Step {
  env?: Record<string, string>;
  with?: { args?: string };
}
type Workflow = { jobs: Record<string, { permissions: Record<string, string>; steps: Step[] }> };

/** Every step of the workflows that reaches a registry, with its job's permissions. */
function registrySteps(files: { path: string; text: string }[]) {
  return files.flatMap((f) =>
    Object.values((parse(f.text) as Workflow).jobs).flatMap((job) =>
      job.steps
        .filter((s) => /--registry-hosts|--password/.test(s.with?.args ?? ""))
        .map((s) => ({ path: f.path, permissions: job.permissions, args: s.with!.args!, env: s.env ?? {} })),
    ),
  );
}

describe("initWorkflows: each registry step's logins", () => {
  it.each([
    ["ghcr.io", ["ghcr.io"], [GHCR], "write"],
    ["quay.io only", ["quay.io"], [QUAY], undefined],
    ["ghcr.io and quay.io", ["ghcr.io", "quay.io"], [GHCR, QUAY], "write"],
  ])("%s", (_, hosts, fragments, packages) => {
    const steps = registrySteps(initWorkflows("github.com/acme/pipeline@v1.4.0", "main", hosts));
    // release, pull request and promote.
    expect(steps.map((s) => s.path)).toEqual([
      ".github/workflows/pipeline.yaml",
      ".github/workflows/pipeline-pr.yaml",
      ".github/workflows/pipeline-promote.yaml",
    ]);
    for (const step of steps) {
      for (const fragment of fragments) expect(step.args).toContain(fragment);
      // Every secret the module reads is in the step's env, from the repository's secrets; no
      // secret expression is ever argv text.
      for (const [, name] of step.args.matchAll(/env:([A-Z0-9_]+)/g))
        expect(step.env[name!], `${step.path}: ${name}`).toBe(`\${{ secrets.${name} }}`);
      expect(step.args).not.toContain("secrets.");
      const wanted = step.path.endsWith("promote.yaml") && packages ? "read" : packages;
      expect(step.permissions.packages).toBe(wanted);
    }
  });
});

describe("pipeline init's registry logins", () => {
  const listing = (originUrl: string | null) => ({
    name: "shop",
    files: ["go.mod", "cmd/shop/main.go"],
    texts: { "go.mod": "module github.com/acme/shop\n", "cmd/shop/main.go": "package main\n" },
    defaultBranch: "main",
    originUrl,
  });
  const options = { module: "github.com/acme/pipeline@v1.4.0", schema: "./pipeline.schema.json" };

  it("says the workflows log in to ghcr.io with the job's token for a GitHub origin", () => {
    const plan = planInit(listing("https://github.com/acme/shop.git"), options);
    expect(plan.findings).toContain(
      "the workflows log in to ghcr.io (ghcr.io with the job's GITHUB_TOKEN), and read GITOPS_TOKEN for the gitops repository",
    );
  });

  it("writes, for a config already there, only the workflows, with each of its registries' logins", () => {
    const plan = planWorkflows(
      {
        defaultBranch: "trunk",
        image: { registry: "quay.io/acme", registries: [], releaseRegistry: "docker.io/acme" },
        chart: { registry: "oci://quay.io/acme/charts" },
      },
      options.module,
    );
    expect(plan.files.map((f) => f.path)).toEqual([
      ".github/workflows/pipeline.yaml",
      ".github/workflows/pipeline-pr.yaml",
      ".github/workflows/pipeline-promote.yaml",
    ]);
    expect(plan.files[0]!.text).toContain('branches: ["trunk"]');
    expect(plan.files[0]!.text).not.toContain("GITHUB_TOKEN");
    expect(plan.findings).toEqual([
      "the workflows log in to quay.io, docker.io; create the repository secrets REGISTRY_QUAY_IO_USERNAME and REGISTRY_QUAY_IO_PASSWORD (quay.io), REGISTRY_DOCKER_IO_USERNAME and REGISTRY_DOCKER_IO_PASSWORD (docker.io), and read GITOPS_TOKEN for the gitops repository",
    ]);
  });
});
