/**
 * Issue #22's "done when", on a repository built in the test (test/support/adopt-repo.ts): a root
 * main package, exported version variables outside main named only by the Makefile's -X, a nested
 * e2e module, tests that need -short, and a chart with a values.schema.json, a required value, an
 * image key per component and a CRD with CEL rules. It goes through `init`, `config check
 * --strict`, `plan`, the host runner's lint, test, chart-lint, build, images and publish, `gitops
 * init`, and promotions: one into a gitops repository scaffolded without the required value is
 * refused with helm's error and changes nothing; one into the repository `gitops init` seeded
 * lands, and `helm template` of what it committed renders the promoted images.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/adapters/config/config-file.js";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { adoptRepoFiles, environmentValues } from "../support/adopt-repo.js";
import { type CliResult, runCli, runCliAsync } from "../support/cli.js";
import { docker, ensureLocalBase } from "../support/docker.js";
import { git, repoWithFiles } from "../support/git.js";
import { makeGitopsRemote } from "../support/gitops.js";
import { ensureK8sSchemas, schemaLocation } from "../support/k8s-schemas.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool, skipWithout, skipWithoutDocker } from "../support/tools.js";

const skip =
  skipWithout("go", "helm", "kubeconform", "golangci-lint", "docker-registry") || skipWithoutDocker();
const made: string[] = [];

afterAll(() => {
  if (made.length) docker("rmi", "-f", ...made);
  removeTempDirs();
});

/** The host tools on PATH and offline Kubernetes schemas for kubeconform. */
function cliEnv(kubernetesVersion: string): Record<string, string> {
  return {
    KUBECONFORM_SCHEMA_LOCATION: schemaLocation(ensureK8sSchemas(kubernetesVersion)),
    PATH: [
      ...new Set([
        ...["go", "helm", "kubeconform", "docker", "golangci-lint"].map((t) => dirname(findTool(t)!)),
        ...(process.env.PATH ?? "").split(":"),
      ]),
    ].join(":"),
  };
}

const out = (r: CliResult) => `${r.stdout}\n${r.stderr}`;
const commits = (remote: string) => Number(git(remote, "rev-list", "--count", "--all"));

describe.skipIf(skip)("(d) a service with its own release tooling, adopted with pipeline init", () => {
  let repo: string;
  let registry: TestRegistry;
  let env: Record<string, string>;
  let init: CliResult;
  let config: ReturnType<typeof loadConfig>;
  let plan: { version: string; tags: { image: string }; chart: { version: string }; event: { sha: string } };

  beforeAll(async () => {
    registry = await startRegistry();
    repo = repoWithFiles(adoptRepoFiles());
    init = runCli(["init", "--module", "github.com/acme/pipeline@v1.0.0"], { cwd: repo });
    // What init can't know: the registries, the gitops repository, a base that needs no pull; and
    // the zone the chart requires, which each environment's values must give.
    const written = readFileSync(join(repo, "pipeline.yaml"), "utf8");
    writeFileSync(
      join(repo, "pipeline.yaml"),
      written
        .replace('repo: ""', "repo: https://git.example/acme/gitops.git")
        .concat(
          `image:\n  registry: ${registry.host}/acme\n  base: ${ensureLocalBase()}\n  user: ""\nplatforms: [linux/amd64]\ncoverage: { minimum: 0 }\n`,
        )
        .replace(/^chart:\n/m, `chart:\n  registry: oci://${registry.host}/charts\n`),
    );
    for (const environment of ["staging", "uat", "prod"])
      writeFileSync(join(repo, `environments/${environment}/values.yaml`), environmentValues(environment));
    writeFileSync(join(repo, "environments/preview.yaml"), environmentValues("preview"));
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "pipeline init");
    config = loadConfig(join(repo, "pipeline.yaml"));
    env = cliEnv(config.chart.kubernetesVersion);
    const planned = runCli(["plan", "--json"], { cwd: repo, env });
    expect(planned.code, planned.stderr).toBe(0);
    plan = JSON.parse(planned.stdout);
  }, 300_000);

  afterAll(async () => {
    await registry?.stop();
  });

  it("writes what the repository's own tooling says, and config check --strict passes", () => {
    expect(init.code, out(init)).toBe(0);
    const written = parse(readFileSync(join(repo, "pipeline.yaml"), "utf8"));
    expect(written.go).toEqual({
      source: ".",
      version: "1.26.1",
      binaries: { dns: { main: "." } },
      ldflags:
        "-s -w -X example.com/dns/pkg/version.Version={{.Version}} -X example.com/dns/pkg/version.GitCommit={{.Commit}}",
    });
    expect(written.test).toEqual({ flags: ["-short"] });
    expect(written.images).toEqual({
      dns: { binaries: { dns: "/app/dns" }, values: "image" },
      "dns-webhook": { binaries: { webhook: "/app/webhook" }, values: "webhook.image" },
    });
    expect(written.chart.kubernetesVersion).toBe("1.25.0");
    expect(init.stdout).toContain("nested Go modules e2e: not linted");
    expect(init.stdout).toContain("golangci-lint v2.14.0 pinned in Makefile");
    const check = runCli(["config", "check", "--strict"], { cwd: repo, env });
    expect(check.code, out(check)).toBe(0);
    expect(check.stderr).toBe("");
  });

  it("lints the service's own module only, and says the host's golangci-lint is not the pinned one", async () => {
    const lint = await runCliAsync(["lint", "--runner", "host"], { cwd: repo, env });
    expect(lint.code, out(lint)).toBe(0);
    expect(lint.stdout).toContain("but the host's golangci-lint is v2.15.0, not v2.14.0 (from Makefile)");
    // Listed, the nested module is linted too: its test file is not gofmt-clean.
    writeFileSync(
      join(repo, "pipeline-lint.yaml"),
      `${readFileSync(join(repo, "pipeline.yaml"), "utf8")}lint: { modules: [., e2e] }\n`,
    );
    const both = await runCliAsync(["--config", "pipeline-lint.yaml", "lint", "--runner", "host"], {
      cwd: repo,
      env,
    });
    expect(both.code, out(both)).toBe(1);
    expect(out(both)).toContain("lint (gofmt in e2e)");
    expect(out(both)).toContain("./e2e_test.go");
  }, 600_000);

  it("tests with -short; without it, the failure shows the failing test's own output", async () => {
    const test = await runCliAsync(["test", "--runner", "host"], { cwd: repo, env });
    expect(test.code, out(test)).toBe(0);
    writeFileSync(
      join(repo, "pipeline-full.yaml"),
      readFileSync(join(repo, "pipeline.yaml"), "utf8").replace(/^test:\n.*\n.*\n/m, ""),
    );
    const full = await runCliAsync(["--config", "pipeline-full.yaml", "test", "--runner", "host"], {
      cwd: repo,
      env,
    });
    expect(full.code, out(full)).toBe(1);
    expect(out(full)).toContain("go test failed in 1 package(s), 1 test(s): example.com/dns/internal/probe");
    expect(out(full)).toContain("--- TestReachesTheNetwork");
    expect(out(full)).toContain("probe_test.go:9: no network here: this test runs only without -short");
  }, 600_000);

  it("lints the chart at the Kubernetes version its CRDs need", async () => {
    const lint = await runCliAsync(["chart-lint", "--runner", "host"], { cwd: repo, env });
    expect(lint.code, out(lint)).toBe(0);
  }, 300_000);

  it("builds, loads and publishes one image per chart key, stamping the Makefile's variables", async () => {
    for (const stage of ["build", "images", "publish"]) {
      const run = await runCliAsync([stage, "--runner", "host", "--platforms", "linux/amd64"], {
        cwd: repo,
        env,
      });
      expect(run.code, `${stage}: ${out(run)}`).toBe(0);
    }
    for (const image of ["dns", "dns-webhook"])
      made.push(`${config.image.registry}/${image}:${plan.tags.image}-amd64`);
    const stamped = docker("run", "--rm", `${config.image.registry}/dns:${plan.tags.image}-amd64`, "version");
    expect(stamped).toBe(`${plan.version} ${plan.event.sha}`);
    const client = new RegistryClient({ host: registry.host });
    for (const image of ["dns", "dns-webhook"])
      expect(await client.resolve(`acme/${image}`, plan.tags.image)).not.toBeNull();
  }, 900_000);

  it("refuses a promotion whose values the chart's schema rejects, with helm's error, changing nothing", () => {
    // A gitops repository scaffolded without the app's values: no zone, which the chart requires.
    const remote = makeGitopsRemote([config]);
    const before = commits(remote);
    const refs = git(remote, "for-each-ref");
    const promote = runCli(
      [
        "promote",
        "--env",
        "staging",
        "--image-tag",
        plan.tags.image,
        "--chart-version",
        plan.chart.version,
        "--repo",
        remote,
      ],
      { cwd: repo, env },
    );
    expect(promote.code, out(promote)).toBe(1);
    expect(promote.stderr).toContain("promote staging: the chart charts/dns does not render");
    expect(promote.stderr).toMatch(
      /helm said: Error: values don't meet the specifications of the schema\(s\) in the following chart\(s\): dns: .*zone/,
    );
    expect(promote.stderr).toContain("nothing was committed or pushed");
    expect(commits(remote)).toBe(before);
    expect(git(remote, "for-each-ref")).toBe(refs);
  });

  it("seeds gitops init from the repository's environments, and a promotion there lands and renders", () => {
    const work = join(tempDir("pipeline-gitops-init-"), "gitops");
    const seeded = runCli(["gitops", "init", work], { cwd: repo, env });
    expect(seeded.code, out(seeded)).toBe(0);
    expect(seeded.stdout).toContain(
      "staging: seeded from the app repository's environments/staging/values.yaml",
    );
    const values = readFileSync(join(work, "environments/staging/values.yaml"), "utf8");
    expect(values).toContain("zone: staging.example.org");
    expect(parse(values).image).toEqual({ repository: `${config.image.registry}/dns`, tag: "" });
    const remote = join(tempDir("pipeline-gitops-remote-"), "gitops.git");
    execFileSync("git", ["clone", "-q", "--bare", work, remote]);
    const promote = runCli(
      [
        "promote",
        "--env",
        "staging",
        "--image-tag",
        plan.tags.image,
        "--chart-version",
        plan.chart.version,
        "--repo",
        remote,
        "--json",
      ],
      { cwd: repo, env },
    );
    expect(promote.code, out(promote)).toBe(0);
    expect(JSON.parse(promote.stdout)).toMatchObject({
      changed: true,
      validation: "rendered charts/dns with the committed values",
    });
    const clone = join(tempDir("pipeline-gitops-clone-"), "gitops");
    git(dirname(clone), "clone", "-q", remote, clone);
    const manifests = execFileSync(
      findTool("helm")!,
      [
        "template",
        "dns",
        join(repo, "charts/dns"),
        "--values",
        join(clone, "environments/staging/values.yaml"),
        "--kube-version",
        "1.25.0",
      ],
      { encoding: "utf8" },
    );
    expect(manifests).toContain(`image: "${config.image.registry}/dns:${plan.tags.image}"`);
    expect(manifests).toContain(`image: "${config.image.registry}/dns-webhook:${plan.tags.image}"`);
    expect(manifests).toContain('value: "staging.example.org"');
    const preview = runCli(
      [
        "preview",
        "up",
        "--pr",
        "7",
        "--image-tag",
        plan.tags.image,
        "--chart-version",
        plan.chart.version,
        "--repo",
        remote,
      ],
      { cwd: repo, env },
    );
    expect(preview.code, out(preview)).toBe(0);
  });

  it("renders the pushed chart instead with gitops.validate: registry, refusing a version the registry lacks", () => {
    const packaged = tempDir("pipeline-chart-");
    execFileSync(findTool("helm")!, [
      "package",
      join(repo, "charts/dns"),
      "--version",
      plan.chart.version,
      "--destination",
      packaged,
    ]);
    const pushed = runCli(
      ["chart", "push", join(packaged, `dns-${plan.chart.version}.tgz`), config.chart.registry],
      { cwd: repo, env },
    );
    expect(pushed.code, out(pushed)).toBe(0);
    writeFileSync(
      join(repo, "pipeline-registry.yaml"),
      readFileSync(join(repo, "pipeline.yaml"), "utf8").replace(
        /^gitops:\n/m,
        "gitops:\n  validate: registry\n",
      ),
    );
    const remote = makeGitopsRemote([config]);
    const promote = (version: string) =>
      runCli(
        [
          "--config",
          "pipeline-registry.yaml",
          "promote",
          "--env",
          "uat",
          "--image-tag",
          plan.tags.image,
          "--chart-version",
          version,
          "--repo",
          remote,
        ],
        { cwd: repo, env },
      );
    const refused = promote(plan.chart.version);
    expect(refused.code, out(refused)).toBe(1);
    expect(refused.stderr).toContain(
      `the chart oci://${registry.host}/charts/dns:${plan.chart.version} does not render`,
    );
    const missing = promote("9.9.9");
    expect(missing.code, out(missing)).toBe(1);
    expect(missing.stderr).toContain(
      `oci://${registry.host}/charts/dns:9.9.9: no such chart in the registry`,
    );
  });
});

/** `npm --prefix <this checkout> run -s pipeline -- <args>` from `cwd`, as docs/adopt.md says to run it. */
function npmPrefix(cwd: string, args: string[]): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env };
  // vitest's own npm must not leak its directory or config into this one.
  for (const name of Object.keys(env)) if (/^npm_/i.test(name) || name === "INIT_CWD") delete env[name];
  const checkout = resolve(import.meta.dirname, "../../..");
  return new Promise((done) => {
    const child = spawn("npm", ["--prefix", checkout, "run", "-s", "pipeline", "--", ...args], { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}

describe.skipIf(skipWithout("npm"))("pipeline init through npm --prefix, as docs/adopt.md runs it", () => {
  it("sets up the directory npm was run from (INIT_CWD), and later commands find its pipeline.yaml", async () => {
    const user = repoWithFiles(adoptRepoFiles());
    const init = await npmPrefix(user, ["init", "--json", "--module", "github.com/acme/pipeline@v1.0.0"]);
    expect(init.code, out(init)).toBe(0);
    expect(realpathSync(JSON.parse(init.stdout).root)).toBe(realpathSync(user));
    expect(existsSync(join(user, "pipeline.yaml"))).toBe(true);
    const check = await npmPrefix(user, ["config", "check", "--json"]);
    expect(check.code, out(check)).toBe(0);
    expect(check.stdout).toContain('"app": "dns"');
  }, 300_000);
});
