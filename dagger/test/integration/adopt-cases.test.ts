/**
 * Issue #22's "done when", the cases adopt-repo.test.ts leaves: repositories built in the test
 * (test/support/adopt-cases.ts), each through `init`, `config check --strict`, `plan`, the host
 * runner's build, images and publish, and a promotion whose committed values `helm template`
 * renders:
 * (a) a chart on its own version line (Chart.yaml 2.7.0 shipping app 0.31.0);
 * (b) a chart whose template defaults the image tag to `v{{ .Chart.AppVersion }}`;
 * (c) release branches with tags (v1.4 with v1.4.0 and v1.4.1; main past them);
 * (d) a tool image no chart reads (`values: none`), published to a mirror that takes its own login.
 * One registry serves every case (a namespace each); the mirror of (d) wants basic auth.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { loginVariables } from "../../src/core/registry/logins.js";
import { adjustConfig, chartYaml, commitAll, serviceFiles, tagRelease } from "../support/adopt-cases.js";
import { type CliResult, runCli, runCliAsync } from "../support/cli.js";
import { docker, ensureLocalBase } from "../support/docker.js";
import { git, repoWithFiles } from "../support/git.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool, skipWithout, skipWithoutDocker } from "../support/tools.js";

const skip = skipWithout("go", "helm", "docker-registry", "htpasswd") || skipWithoutDocker();
const MODULE = "github.com/acme/pipeline@v1.0.0";
const made: string[] = [];
let registry: TestRegistry;
let base: string;

beforeAll(async () => {
  if (skip) return;
  registry = await startRegistry();
  base = ensureLocalBase();
}, 120_000);

afterAll(async () => {
  if (made.length) docker("rmi", "-f", ...made);
  await registry?.remove();
  removeTempDirs();
});

/** The host tools on PATH. */
const env: Record<string, string> = {
  PATH: [
    ...new Set([
      ...["go", "helm", "docker"].map((t) => dirname(findTool(t) ?? "/usr/bin/true")),
      ...(process.env.PATH ?? "").split(":"),
    ]),
  ].join(":"),
};
const out = (r: CliResult) => `${r.stdout}\n${r.stderr}`;

interface Plan {
  version: string;
  rule: string;
  stages: string[];
  tags: { image: string };
  chart: { version: string; appVersion: string; push: boolean };
  event: { sha: string };
}

/**
 * `pipeline init` in `repo`, then what init cannot know set as a user would (adjustConfig: the
 * registry under `ns`, a base that needs no pull, one platform, the gitops repository) plus
 * `edit`, committed as the adoption commit; returns init's result and the config it wrote.
 */
function adopt(repo: string, ns: string, edit: Parameters<typeof adjustConfig>[2] = []) {
  const init = runCli(["init", "--module", MODULE], { cwd: repo });
  expect(init.code, out(init)).toBe(0);
  const written = parse(readFileSync(join(repo, "pipeline.yaml"), "utf8"));
  writeFileSync(
    join(repo, "pipeline.yaml"),
    adjustConfig(
      readFileSync(join(repo, "pipeline.yaml"), "utf8"),
      { registry: `${registry.host}/${ns}`, base, charts: `oci://${registry.host}/charts-${ns}` },
      edit,
    ),
  );
  commitAll(repo, "Adopt the pipeline: pipeline init");
  const check = runCli(["config", "check", "--strict"], { cwd: repo, env });
  expect(check.code, out(check)).toBe(0);
  expect(check.stderr).toBe("");
  return { init, written };
}

/** `pipeline plan --json` of `ref` (default: the checkout's). */
function plan(repo: string, ref?: string): Plan {
  const planned = runCli(["plan", "--json", ...(ref ? ["--ref", ref] : [])], { cwd: repo, env });
  expect(planned.code, out(planned)).toBe(0);
  return JSON.parse(planned.stdout) as Plan;
}

/** The host runner's build, images and publish of `ref`, for linux/amd64; the loaded images are removed after. */
async function ship(repo: string, ref: string | undefined, images: string[], tag: string, extra = {}) {
  for (const stage of ["build", "images", "publish"]) {
    const run = await runCliAsync(
      [stage, "--runner", "host", "--platforms", "linux/amd64", ...(ref ? ["--ref", ref] : [])],
      { cwd: repo, env: { ...env, ...extra } },
    );
    expect(run.code, `${stage}: ${out(run)}`).toBe(0);
  }
  for (const image of images) made.push(`${image}:${tag}-amd64`);
}

/** What a registry holds for `repository:reference` (null: nothing). */
function resolve(
  host: string,
  repository: string,
  reference: string,
  credentials?: { username: string; password: string },
) {
  return new RegistryClient({ host, credentials }).resolve(repository, reference);
}

/**
 * `gitops init` from the repository's environments, a promotion of `imageTag`/`chartVersion` to
 * staging, and `helm template` of the chart with the values the promotion committed; returns the
 * rendered manifests and the committed files of staging.
 */
function promoteAndRender(repo: string, app: string, imageTag: string, chartVersion: string) {
  const work = join(tempDir("pipeline-gitops-init-"), "gitops");
  const seeded = runCli(["gitops", "init", work], { cwd: repo, env });
  expect(seeded.code, out(seeded)).toBe(0);
  const remote = join(tempDir("pipeline-gitops-remote-"), "gitops.git");
  execFileSync("git", ["clone", "-q", "--bare", work, remote]);
  const promote = runCli(
    [
      "promote",
      "--env",
      "staging",
      "--image-tag",
      imageTag,
      "--chart-version",
      chartVersion,
      "--repo",
      remote,
      "--json",
    ],
    { cwd: repo, env },
  );
  expect(promote.code, out(promote)).toBe(0);
  expect(JSON.parse(promote.stdout)).toMatchObject({
    changed: true,
    validation: `rendered charts/${app} with the committed values`,
  });
  const clone = join(tempDir("pipeline-gitops-clone-"), "gitops");
  git(dirname(clone), "clone", "-q", remote, clone);
  const values = join(clone, "environments/staging/values.yaml");
  const manifests = execFileSync(
    findTool("helm")!,
    ["template", app, join(repo, `charts/${app}`), "--values", values],
    { encoding: "utf8" },
  );
  return {
    manifests,
    values: readFileSync(values, "utf8"),
    application: readFileSync(join(clone, `apps/staging/${app}.yaml`), "utf8"),
  };
}

describe.skipIf(skip)("(a) a chart on its own version line: Chart.yaml 2.7.0 ships app 0.31.0", () => {
  const app = "ledger";
  let repo: string;
  let adopted: ReturnType<typeof adopt>;
  let release: Plan;

  beforeAll(() => {
    repo = repoWithFiles(
      serviceFiles({ app, binaries: [app], chart: { version: "2.6.0", appVersion: "0.30.0" } }),
    );
    tagRelease(repo, "v0.30.0");
    // The next release changed the chart and raised its own version, as chart-testing wants.
    writeFileSync(join(repo, `charts/${app}/Chart.yaml`), chartYaml(app, "2.7.0", "0.31.0"));
    writeFileSync(
      join(repo, `charts/${app}/values.yaml`),
      `image:\n  repository: registry.example/${app}\n  tag: ""\nreplicas: 1\n`,
    );
    commitAll(repo, "Release 0.31.0 with chart 2.7.0");
    tagRelease(repo, "v0.31.0");
    adopted = adopt(repo, "a");
    // The first release after adoption changes the chart again: chart 2.8.0 ships app 0.32.0.
    writeFileSync(join(repo, `charts/${app}/Chart.yaml`), chartYaml(app, "2.8.0", "0.32.0"));
    writeFileSync(
      join(repo, `charts/${app}/values.yaml`),
      `image:\n  repository: registry.example/${app}\n  tag: ""\nreplicas: 2\n`,
    );
    commitAll(repo, "Release 0.32.0 with chart 2.8.0");
    tagRelease(repo, "v0.32.0");
    release = plan(repo, "refs/tags/v0.32.0");
  }, 120_000);

  it("init tells the chart's own line from its appVersion and the newest tag", () => {
    expect(adopted.written.chart.version).toBe("chart");
    expect(adopted.init.stdout).toContain(
      "chart.version: chart: Chart.yaml's version 2.7.0 is a line of its own (its appVersion 0.31.0 is the newest release, v0.31.0)",
    );
  });

  it("plans the release at the app's version with the chart at Chart.yaml's, never backwards", () => {
    expect(release).toMatchObject({
      version: "0.32.0",
      tags: { image: "0.32.0" },
      chart: { version: "2.8.0", appVersion: "0.32.0", push: true },
    });
    expect(release.stages).toEqual(expect.arrayContaining(["build", "images", "publish", "helm-push"]));
    // main after the release: above every release of the chart's line.
    const main = plan(repo, "refs/heads/main");
    expect(main.chart.version).toBe(`2.8.1-sha-${main.event.sha.slice(0, 7)}`);
  });

  it("builds, publishes and promotes 0.32.0 with chart 2.8.0; the committed values render the pushed tag", async () => {
    const image = `${registry.host}/a/${app}`;
    await ship(repo, "refs/tags/v0.32.0", [image], "0.32.0");
    expect(docker("run", "--rm", `${image}:0.32.0-amd64`, "version")).toBe(`${app} 0.32.0`);
    expect(await resolve(registry.host, `a/${app}`, "0.32.0")).not.toBeNull();
    const promoted = promoteAndRender(repo, app, "0.32.0", "2.8.0");
    expect(promoted.manifests).toContain(`image: "${image}:0.32.0"`);
    expect(promoted.application).toContain("targetRevision: 2.8.0");
  }, 600_000);

  it("keeps the released chart for a release that did not touch it", () => {
    writeFileSync(
      join(repo, `cmd/${app}/fix.go`),
      "package main\n\n// fixed is a patch release's change.\nvar fixed = true\n",
    );
    commitAll(repo, "Fix: a patch release");
    tagRelease(repo, "v0.32.1");
    expect(plan(repo, "refs/tags/v0.32.1")).toMatchObject({
      version: "0.32.1",
      chart: { version: "2.8.0", push: false },
    });
  });
});

describe.skipIf(skip)("(b) a chart whose template defaults the image tag to v{{ .Chart.AppVersion }}", () => {
  const app = "badge";
  let repo: string;
  let adopted: ReturnType<typeof adopt>;
  let release: Plan;

  beforeAll(() => {
    repo = repoWithFiles(
      serviceFiles({
        app,
        binaries: [app],
        chart: { version: "1.2.0", appVersion: "1.2.0" },
        tagDefault: "v-appVersion",
      }),
    );
    tagRelease(repo, "v1.2.0");
    adopted = adopt(repo, "b");
    writeFileSync(
      join(repo, `cmd/${app}/feature.go`),
      "package main\n\n// feature is 1.3.0's change.\nvar feature = true\n",
    );
    commitAll(repo, "Feature for 1.3.0");
    tagRelease(repo, "v1.3.0");
    release = plan(repo, "refs/tags/v1.3.0");
  }, 120_000);

  it("init keeps the v in image tags and leaves it out of appVersion", () => {
    expect(adopted.written.chart.appVersion).toBe("version");
    expect(adopted.written.image.tagFormat).toBe("tag");
    expect(adopted.written.chart.version).toBeUndefined();
    expect(adopted.init.stdout).toContain(
      `charts/${app}/templates/deployment.yaml puts a v before .Chart.AppVersion`,
    );
  });

  it("plans v-tags for releases and release candidates alike, appVersion without the v", () => {
    expect(release).toMatchObject({
      version: "1.3.0",
      tags: { image: "v1.3.0" },
      chart: { version: "1.3.0", appVersion: "1.3.0" },
    });
    git(repo, "tag", "-a", "v1.4.0-rc.1", "-m", "rc");
    expect(plan(repo, "refs/tags/v1.4.0-rc.1")).toMatchObject({
      tags: { image: "v1.4.0-rc.1" },
      chart: { appVersion: "1.4.0-rc.1" },
    });
  });

  it("publishes v1.3.0, and the chart's own default renders that tag, which the registry holds", async () => {
    const image = `${registry.host}/b/${app}`;
    await ship(repo, "refs/tags/v1.3.0", [image], "v1.3.0");
    // The chart as helm-push packages it (the plan's version and appVersion), rendered with its
    // own default tag: what a deploy that sets no tag runs.
    const packaged = tempDir("pipeline-chart-");
    execFileSync(findTool("helm")!, [
      "package",
      join(repo, `charts/${app}`),
      "--version",
      release.chart.version,
      "--app-version",
      release.chart.appVersion,
      "--destination",
      packaged,
    ]);
    const defaulted = execFileSync(
      findTool("helm")!,
      ["template", app, join(packaged, `${app}-${release.chart.version}.tgz`)],
      { encoding: "utf8" },
    );
    const tag = new RegExp(`image: "registry\\.example/${app}:([^"]+)"`).exec(defaulted)?.[1];
    expect(tag).toBe("v1.3.0");
    expect(await resolve(registry.host, `b/${app}`, tag!)).not.toBeNull();
    const promoted = promoteAndRender(repo, app, release.tags.image, release.chart.version);
    expect(promoted.manifests).toContain(`image: "${image}:v1.3.0"`);
  }, 600_000);
});

describe.skipIf(skip)("(c) release branches with tags: v1.4 cut from main, main past it", () => {
  const app = "relay";
  let repo: string;

  beforeAll(() => {
    repo = repoWithFiles(
      serviceFiles({ app, binaries: [app], chart: { version: "1.3.0", appVersion: "1.3.0" } }),
    );
    tagRelease(repo, "v1.3.0");
    commitAll(repo, "Work for 1.4");
    git(repo, "checkout", "-q", "-b", "v1.4");
    tagRelease(repo, "v1.4.0");
    writeFileSync(
      join(repo, `cmd/${app}/fix.go`),
      "package main\n\n// fix is 1.4.1's change.\nvar fix = 1\n",
    );
    commitAll(repo, "Fix for 1.4.1");
    tagRelease(repo, "v1.4.1");
    git(repo, "checkout", "-q", "main");
    commitAll(repo, "Work for 1.5");
    adopt(repo, "c");
    // The adoption reaches the release branch too, as a backport of the same files.
    git(repo, "checkout", "-q", "v1.4");
    git(repo, "checkout", "main", "--", "pipeline.yaml", "environments", ".github");
    commitAll(repo, "Adopt the pipeline on the release branch");
    git(repo, "checkout", "-q", "main");
  }, 120_000);

  it("versions main from the newest release, cut on the release branch", () => {
    const main = plan(repo);
    expect(main.rule).toBe("main");
    expect(main.version).toMatch(/^1\.5\.0-main\.\d+$/);
  });

  it("plans a push to the release branch from its own tags, and builds, publishes and promotes it", async () => {
    git(repo, "checkout", "-q", "v1.4");
    try {
      const branch = plan(repo, "refs/heads/v1.4");
      expect(branch).toMatchObject({ rule: "release-branch", version: "1.4.2-v1-4.1" });
      expect(branch.stages).toEqual(expect.arrayContaining(["build", "images", "publish", "helm-push"]));
      const image = `${registry.host}/c/${app}`;
      await ship(repo, "refs/heads/v1.4", [image], branch.tags.image);
      expect(docker("run", "--rm", `${image}:${branch.tags.image}-amd64`, "version")).toBe(
        `${app} 1.4.2-v1-4.1`,
      );
      expect(await resolve(registry.host, `c/${app}`, branch.tags.image)).not.toBeNull();
      const promoted = promoteAndRender(repo, app, branch.tags.image, branch.chart.version);
      expect(promoted.manifests).toContain(`image: "${image}:${branch.tags.image}"`);
    } finally {
      git(repo, "checkout", "-q", "main");
    }
  }, 600_000);
});

describe.skipIf(skip)("(d) a tool image no chart reads, and a mirror with its own login", () => {
  const app = "ferry";
  const login = { username: "mirror-robot", password: "mirror-pa55word" };
  let mirror: TestRegistry;
  let repo: string;
  let adopted: ReturnType<typeof adopt>;
  let release: Plan;

  beforeAll(async () => {
    mirror = await startRegistry({ auth: login });
    repo = repoWithFiles(
      serviceFiles({ app, binaries: [app, "ferryctl"], chart: { version: "0.1.0", appVersion: "0.1.0" } }),
    );
    // init cannot tell a tool image from a binary the app's image carries (it puts every binary in
    // the one image the chart's `image` key reads): the tool image is the user's own entry.
    adopted = adopt(repo, "d", [
      [
        ["images"],
        {
          [app]: { binaries: { [app]: `/usr/local/bin/${app}` }, values: "image" },
          "ferry-tools": { binaries: { ferryctl: "/usr/local/bin/ferryctl" }, values: "none" },
        },
      ],
      [
        ["image", "registries"],
        [`${registry.host}/d`, `${mirror.host}/d`],
      ],
    ]);
    tagRelease(repo, "v0.1.0");
    release = plan(repo, "refs/tags/v0.1.0");
  }, 120_000);

  afterAll(async () => {
    await mirror?.remove();
  });

  it("init put every binary in the chart's one image", () => {
    expect(adopted.written.images).toEqual({
      [app]: {
        binaries: { [app]: `/usr/local/bin/${app}`, ferryctl: "/usr/local/bin/ferryctl" },
        entrypoint: [`/usr/local/bin/${app}`],
        values: "image",
      },
    });
  });

  it("builds and publishes the tool image too, the mirror with its own login over the general one", async () => {
    const names = loginVariables(mirror.host);
    await ship(
      repo,
      "refs/tags/v0.1.0",
      [`${registry.host}/d/${app}`, `${registry.host}/d/ferry-tools`],
      "0.1.0",
      {
        // The login for every host is wrong for the mirror: its own variables must win there.
        REGISTRY_USERNAME: "someone-else",
        REGISTRY_PASSWORD: "not-the-mirror's",
        [names.username]: login.username,
        [names.password]: login.password,
      },
    );
    expect(release.tags.image).toBe("0.1.0");
    for (const image of [app, "ferry-tools"]) {
      expect(await resolve(registry.host, `d/${image}`, "0.1.0")).not.toBeNull();
      expect(await resolve(mirror.host, `d/${image}`, "0.1.0", login)).not.toBeNull();
    }
    expect(docker("run", "--rm", `${registry.host}/d/ferry-tools:0.1.0-amd64`, "version")).toBe(
      "ferryctl 0.1.0",
    );
    // Without the mirror's own variables, the login for every host is what the mirror gets: refused.
    const general = await runCliAsync(
      ["publish", "--runner", "host", "--platforms", "linux/amd64", "--ref", "refs/tags/v0.1.0"],
      {
        cwd: repo,
        env: { ...env, REGISTRY_USERNAME: "someone-else", REGISTRY_PASSWORD: "not-the-mirror's" },
      },
    );
    expect(general.code, out(general)).not.toBe(0);
    expect(out(general)).toContain(`registry ${mirror.host}`);
    expect(out(general)).toContain("401");
    expect(out(general)).not.toContain("not-the-mirror's");
  }, 600_000);

  it("promotes only the image the chart reads: the tool image is in no committed value", () => {
    const promoted = promoteAndRender(repo, app, "0.1.0", release.chart.version);
    expect(promoted.manifests).toContain(`image: "${registry.host}/d/${app}:0.1.0"`);
    expect(promoted.values).not.toContain("ferry-tools");
    expect(promoted.values).not.toContain("ferryctl");
  });
});
