/**
 * Workflow replay: every workflow an event starts, its `dagger call` steps in job order, through
 * the SDK entrypoint, against recording engines that share what was published. What a later step
 * deploys, promotes or verifies must have been published earlier in the same run.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { findTool } from "../support/tools.js";
import { runModule } from "./harness.js";
import { type RegisteredFunction, registeredFunctions } from "./registration.js";
import {
  type Checkout,
  type GithubEvent,
  type LedgerEntry,
  REPLAY_RUN,
  replay,
  workflowsDir,
} from "./replay.js";

const sha = (c: string) => c.repeat(40);
const released: Checkout["tags"] = [{ name: "v1.2.3", commit: sha("1"), annotated: true }];
const owner = { actor: "octocat", repositoryOwner: "example" };

const pullRequest: GithubEvent = {
  name: "pull_request",
  action: "synchronize",
  ref: "refs/pull/42/merge",
  // GitHub checks out a merge commit, detached; the PR's head is another commit.
  sha: sha("e"),
  pullRequest: { number: 42, headSha: sha("b") },
  checkout: { sha: sha("e"), branch: "", tags: released, distance: 4 },
  ...owner,
};

const pushMain: GithubEvent = {
  name: "push",
  ref: "refs/heads/main",
  sha: sha("c"),
  checkout: { sha: sha("c"), branch: "main", tags: released, distance: 7 },
  ...owner,
};

const rcTag: GithubEvent = {
  name: "push",
  ref: "refs/tags/v1.3.0-rc.1",
  sha: sha("d"),
  checkout: {
    sha: sha("d"),
    branch: "",
    tags: [...released, { name: "v1.3.0-rc.1", commit: sha("d"), annotated: true }],
    distance: 0,
  },
  ...owner,
};

const releaseCheckout: Checkout = {
  sha: sha("f"),
  branch: "",
  tags: [...released, { name: "v1.3.0", commit: sha("f"), annotated: true }],
  distance: 0,
};
const releaseTag: GithubEvent = {
  name: "push",
  ref: "refs/tags/v1.3.0",
  sha: sha("f"),
  checkout: releaseCheckout,
  ...owner,
};

const promoteProd: GithubEvent = {
  name: "workflow_dispatch",
  workflow: "promote-prod.yaml",
  ref: "refs/heads/main",
  sha: sha("c"),
  inputs: { tag: "v1.3.0" },
  checkout: { sha: sha("c"), branch: "main", tags: releaseCheckout.tags, distance: 7 },
  refs: { "refs/tags/v1.3.0": releaseCheckout },
  ...owner,
};

const consumed = (ledger: LedgerEntry[]) => ledger.filter((e) => e.action === "consumed");

describe("workflow replay", () => {
  let functions: RegisteredFunction[];
  // The chart registry: the module pushes the chart from its own process, so a real registry on
  // loopback stands in for it (reached under a made-up remote name).
  let charts: TestRegistry;
  const replayed = (
    event: GithubEvent,
    options: Omit<Parameters<typeof replay>[2], "chartRegistryPort"> = {},
  ) => replay(event, functions, { ...options, chartRegistryPort: charts.port });
  /** The chart versions the stand-in registry holds. */
  const chartTags = async (): Promise<string[]> => {
    const response = await fetch(`http://${charts.host}/v2/charts/sample-app/tags/list`);
    return response.ok ? ((await response.json()) as { tags: string[] }).tags : [];
  };
  beforeAll(async () => {
    for (const tool of ["jq", "helm"])
      if (!findTool(tool))
        throw new Error(`${tool} is required: the replay runs the workflows' steps with it`);
    charts = await startRegistry();
    functions = registeredFunctions(await runModule(null));
  }, 120_000);
  afterAll(async () => {
    await charts?.remove();
  });

  it("pull request: publish, helm-push and preview agree on the tag and chart version", async () => {
    const run = await replayed(pullRequest);
    expect(run.failures).toEqual([]);
    expect(run.calls).toEqual(
      expect.arrayContaining([
        "pr.yaml publish: publish",
        "pr.yaml publish: helmPush",
        "pr.yaml preview: preview",
        "dagger-smoke.yaml smoke: build",
      ]),
    );
    expect(consumed(run.ledger).map((e) => e.ref)).toEqual([
      `ghcr.io/example/sample-app-api:pr-42-${sha("b").slice(0, 7)}`,
      `ghcr.io/example/sample-app-migrator:pr-42-${sha("b").slice(0, 7)}`,
      `ghcr.io/example/sample-app-worker:pr-42-${sha("b").slice(0, 7)}`,
      `0.0.0-pr-42-${sha("b").slice(0, 7)}`,
    ]);
    expect(run.violations).toEqual([]);
    expect(await chartTags()).toContain(`0.0.0-pr-42-${sha("b").slice(0, 7)}`);
  }, 600_000);

  it("catches a PR workflow whose publish and helm-push are not given the event", async () => {
    // The workflow before this check: the module planned publish and helm-push from the detached
    // merge checkout, so they pushed another tag than the one preview deployed.
    const text = readFileSync(join(workflowsDir, "pr.yaml"), "utf8").replace(
      /(args: (?:publish|helm-push)) --ref \$\{\{[^}]*\}\} --sha \$\{\{[^}]*\}\} --pr \$\{\{[^}]*\}\}/g,
      "$1",
    );
    expect(text).not.toMatch(/args: publish --ref/);
    const run = await replayed(pullRequest, {
      overrides: { "pr.yaml": text },
      only: ["pr.yaml"],
      jobs: ["plan", "publish", "preview"],
    });
    expect(run.failures).toEqual([]);
    // The detached merge checkout made the module publish `head`; preview deployed the PR's tag.
    expect(run.violations.join("\n")).toMatch(
      /^pr\.yaml job preview: preview uses image ghcr\.io\/example\/sample-app-api:pr-42-bbbbbbb, never published before \(published: ghcr\.io\/example\/sample-app-api:head,/m,
    );
    expect(run.violations.join("\n")).toMatch(
      /preview uses chart 0\.0\.0-pr-42-bbbbbbb, never published before \(published: 0\.0\.0-head\)/,
    );
  }, 600_000);

  it("push to main: the release promotes staging to what it published", async () => {
    const run = await replayed(pushMain);
    expect(run.failures).toEqual([]);
    expect(run.calls).toEqual(
      expect.arrayContaining(["main.yaml release: plan", "main.yaml release: release"]),
    );
    expect(consumed(run.ledger).map((e) => e.ref)).toContain(
      `ghcr.io/example/sample-app-api:sha-${sha("c").slice(0, 7)}`,
    );
    expect(run.violations).toEqual([]);
  }, 600_000);

  it("release candidate tag: the release promotes uat to the rc it published", async () => {
    const run = await replayed(rcTag);
    expect(run.failures).toEqual([]);
    expect(run.calls).toEqual(
      expect.arrayContaining([
        "release-candidate.yaml release: plan",
        "release-candidate.yaml release: release",
      ]),
    );
    expect(consumed(run.ledger).map((e) => e.ref)).toContain("1.3.0-rc.1");
    expect(run.violations).toEqual([]);
  }, 600_000);

  it("release tag, then promote to production: latest, verify and promote find what the release published", async () => {
    const ledger: LedgerEntry[] = [];
    const release = await replayed(releaseTag, { ledger });
    expect(release.failures).toEqual([]);
    expect(release.calls).toEqual(
      expect.arrayContaining(["release.yaml release: plan", "release.yaml release: release"]),
    );
    // With the signing key, the release's sign stage runs after publish and helm-push, on what they pushed.
    const supplyChain = release.cliCommands.filter((c) =>
      /^pipeline --config \S+ (sbom|sign|attest) /.test(c),
    );
    expect(supplyChain.map((c) => c.split(" ")[3])).toEqual(["sbom", "sign", "attest"]);
    expect(supplyChain[2]).toContain(`--commit ${sha("f")} --git-ref refs/tags/v1.3.0`);
    expect(supplyChain.join("\n")).not.toMatch(/COSIGN|--key/);
    // The provenance names this workflow and run: the module hands them to the CLI as GitHub's variables.
    const attestIndex = release.cliCommands.indexOf(supplyChain[2]!);
    expect(release.cliVariables[attestIndex]).toMatchObject({
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "example/sample-app",
      GITHUB_RUN_ID: REPLAY_RUN.id,
      GITHUB_RUN_ATTEMPT: REPLAY_RUN.attempt,
      GITHUB_WORKFLOW_REF: "example/sample-app/.github/workflows/release.yaml@refs/tags/v1.3.0",
    });
    const prod = await replayed(promoteProd, { ledger });
    expect(prod.failures).toEqual([]);
    // Production verifies with the release's public key, against the tag's commit.
    expect(prod.cliCommands.find((c) => c.includes(" verify "))).toContain(`--commit ${sha("f")}`);
    expect(prod.calls).toEqual(
      expect.arrayContaining([
        "promote-prod.yaml promote: plan",
        "promote-prod.yaml promote: verify",
        "promote-prod.yaml promote: promote",
        "promote-prod.yaml promote: githubRelease",
      ]),
    );
    const used = consumed(ledger).map((e) => `${e.where.split(":")[0]} ${e.ref}`);
    expect(used).toEqual(
      expect.arrayContaining([
        "release.yaml job release ghcr.io/example/sample-app-api:1.3.0",
        "promote-prod.yaml job promote ghcr.io/example/sample-app-worker:1.3.0",
        "promote-prod.yaml job promote 1.3.0",
      ]),
    );
    // The GitHub release carries the SBOMs the release attached to the images it published.
    const githubRelease = prod.cliCommands.find((c) => c.includes(" github-release "));
    expect(githubRelease).toContain("github-release --tag v1.3.0 --registry-sboms --json");
    expect(
      consumed(ledger)
        .filter((e) => e.where.endsWith(": githubRelease"))
        .map((e) => e.ref),
    ).toEqual([
      "ghcr.io/example/sample-app-api:1.3.0",
      "ghcr.io/example/sample-app-migrator:1.3.0",
      "ghcr.io/example/sample-app-worker:1.3.0",
    ]);
    expect(prod.violations).toEqual([]);
  }, 600_000);

  it("release tag in a repository without COSIGN_PRIVATE_KEY: SBOMs by the pipeline, then cosign signs and attests the pushed digests keylessly", async () => {
    // GitHub expands a secret the repository does not have to an empty string.
    const text = readFileSync(join(workflowsDir, "release.yaml"), "utf8").replaceAll(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template.
      "${{ secrets.COSIGN_PRIVATE_KEY }}",
      '""',
    );
    const run = await replayed(releaseTag, { overrides: { "release.yaml": text }, only: ["release.yaml"] });
    expect(run.failures).toEqual([]);
    expect(run.calls).toContain("release.yaml release: release");
    // SBOMs need no key; signatures and provenance are cosign's, not the CLI's.
    expect(run.cliCommands.filter((c) => / (sbom|sign|attest) /.test(c)).map((c) => c.split(" ")[3])).toEqual(
      ["sbom"],
    );
    expect(run.cliCommands.some((c) => c.includes(" latest "))).toBe(true);
    // By the digests publish and helm-push answered, never by tag; the predicate as a file.
    const published = `@sha256:${"0".repeat(64)}`;
    const signs = run.cosignCommands.filter((c) => c.startsWith("cosign sign "));
    const attests = run.cosignCommands.filter((c) => c.startsWith("cosign attest "));
    const images = ["api", "migrator", "worker"].map((b) => `ghcr.io/example/sample-app-${b}${published}`);
    expect(signs.map((c) => c.split(" ").at(-1))).toEqual([
      ...images,
      expect.stringMatching(/^charts\.contract\.test:\d+\/charts\/sample-app@sha256:[a-f0-9]{64}$/),
    ]);
    expect(signs.every((c) => c.includes(" --recursive "))).toBe(true);
    expect(attests.map((c) => c.split(" ").at(-1))).toEqual(signs.map((c) => c.split(" ").at(-1)));
    for (const attest of attests)
      expect(attest).toContain("--type slsaprovenance1 --predicate /predicate/slsa-provenance.json");
    // Each predicate names this workflow as the builder and this run.
    expect(run.predicates).toHaveLength(attests.length);
    for (const predicate of run.predicates)
      expect(predicate).toMatchObject({
        runDetails: {
          builder: {
            id: "https://github.com/example/sample-app/.github/workflows/release.yaml@refs/tags/v1.3.0",
          },
          metadata: {
            invocationId: `https://github.com/example/sample-app/actions/runs/${REPLAY_RUN.id}/attempts/${REPLAY_RUN.attempt}`,
          },
        },
      });
    expect(run.cosignCommands.join("\n")).not.toMatch(/:1\.3\.0( |$)|token|password/);
    expect(run.violations).toEqual([]);
  }, 600_000);

  it("release candidate without COSIGN_PRIVATE_KEY: signed keylessly before uat is promoted", async () => {
    const text = readFileSync(join(workflowsDir, "release-candidate.yaml"), "utf8").replaceAll(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template.
      "${{ secrets.COSIGN_PRIVATE_KEY }}",
      '""',
    );
    const run = await replayed(rcTag, {
      overrides: { "release-candidate.yaml": text },
      only: ["release-candidate.yaml"],
    });
    expect(run.failures).toEqual([]);
    expect(run.cosignCommands.filter((c) => c.startsWith("cosign sign ")).length).toBe(4);
    expect(run.cosignCommands.filter((c) => c.startsWith("cosign attest ")).length).toBe(4);
    expect(run.violations).toEqual([]);
  }, 600_000);

  it("promote to production without COSIGN_PUBLIC_KEY: verify keylessly, against the tag's commit", async () => {
    const ledger: LedgerEntry[] = [];
    await replayed(releaseTag, { ledger, only: ["release.yaml"] });
    const text = readFileSync(join(workflowsDir, "promote-prod.yaml"), "utf8").replaceAll(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template.
      "${{ secrets.COSIGN_PUBLIC_KEY }}",
      '""',
    );
    const prod = await replayed(promoteProd, { ledger, overrides: { "promote-prod.yaml": text } });
    expect(prod.failures).toEqual([]);
    const verify = prod.cliCommands.find((c) => c.includes(" verify "));
    expect(verify).toContain(`--commit ${sha("f")}`);
    expect(verify).toContain("--keyless");
    expect(verify).not.toContain("--key ");
    expect(prod.violations).toEqual([]);
  }, 600_000);

  it("lightweight release tag: latest is decided from git, as the plan decides it, not from the tag's name", async () => {
    const lightweight: GithubEvent = {
      ...releaseTag,
      checkout: {
        ...releaseCheckout,
        tags: [...released, { name: "v1.3.0", commit: sha("f"), annotated: false }],
      },
    };
    const run = await replayed(lightweight, { only: ["release.yaml"] });
    expect(run.failures).toEqual([]);
    const latest = run.cliCommands.filter((c) => c.includes(" latest "));
    expect(latest).toHaveLength(3);
    for (const command of latest)
      expect(command).toMatch(
        / latest ghcr\.io\/example\/sample-app-\w+ --version 1\.3\.0 --tag-type lightweight --json$/,
      );
  }, 600_000);
});
