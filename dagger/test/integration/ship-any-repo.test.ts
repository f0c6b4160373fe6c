/**
 * The issue's "done when", end to end: three repositories in temp dirs, each taken through the
 * whole chain a new user runs — `config check --strict`, `plan`, `render`, the host runner's
 * `build` and `images` (amd64 only: 2 cores), then a real promotion to a gitops repository and
 * `chart-lint` with the promoted values, whose manifests must carry the promoted image:
 *   (a) this repository's sample, unchanged;
 *   (b) a Go module at the root set up by `pipeline init`: one image with two binaries and ui/,
 *       custom -X variables in a version package, a chart reading image.repository/image.tag,
 *       default branch master from origin/HEAD;
 *   (c) a repo built from its own multi-stage Dockerfile at two targets, each with its values key.
 * What the images do at run time in depth (registries, serving) is any-repo.test.ts's and
 * host-runner.test.ts's; here each image is run once to prove it is the planned build.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/adapters/config/config-file.js";
import { type CliResult, runCli, runCliAsync } from "../support/cli.js";
import { docker, ensureLocalBase } from "../support/docker.js";
import { git } from "../support/git.js";
import { makeGitopsRemote } from "../support/gitops.js";
import { ensureK8sSchemas, schemaLocation } from "../support/k8s-schemas.js";
import { freePort, waitFor } from "../support/ports.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool, skipWithout, skipWithoutDocker } from "../support/tools.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
const GITOPS = "https://git.example/acme/gitops.git";

const skip = skipWithout("go", "helm", "kubeconform") || skipWithoutDocker();
const made: string[] = [];

afterAll(() => {
  if (made.length) docker("rmi", "-f", ...made);
  removeTempDirs();
});

function write(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

function commitAll(root: string, message: string): void {
  git(root, "add", "-A");
  git(root, "commit", "-q", "-m", message);
}

/** What the CLI gets: the host tools on PATH and offline Kubernetes schemas for kubeconform. */
function cliEnv(kubernetesVersion: string): Record<string, string> {
  return {
    KUBECONFORM_SCHEMA_LOCATION: schemaLocation(ensureK8sSchemas(kubernetesVersion)),
    PATH: [
      ...new Set([
        ...["go", "helm", "kubeconform", "docker"].map((t) => dirname(findTool(t)!)),
        ...(process.env.PATH ?? "").split(":"),
      ]),
    ].join(":"),
  };
}

interface Plan {
  version: string;
  tags: { image: string };
  chart: { version: string };
  event: { sha: string };
  rule: string;
}

/** Everything one repository went through, for the assertions. */
interface Shipped {
  check: CliResult;
  plan: Plan;
  render: CliResult;
  rendered: string;
  build: CliResult;
  images: CliResult;
  promote: CliResult;
  chartLint: CliResult;
  manifests: string;
}

/**
 * Runs the chain on `repo`, promoting to staging: the gitops repository's staging values then
 * replace the repo's own, so chart-lint lints the chart as Argo CD would deploy it.
 */
async function ship(repo: string): Promise<Shipped> {
  const config = loadConfig(join(repo, "pipeline.yaml"));
  const env = cliEnv(config.chart.kubernetesVersion);
  const check = runCli(["config", "check", "--strict"], { cwd: repo, env });
  const planned = runCli(["plan", "--json"], { cwd: repo, env });
  expect(planned.code, planned.stderr).toBe(0);
  const plan = JSON.parse(planned.stdout) as Plan;
  const rendered = tempDir("pipeline-render-");
  const render = runCli(["render", "--out", rendered], { cwd: repo, env });
  const build = await runCliAsync(["build", "--runner", "host", "--platforms", "linux/amd64"], {
    cwd: repo,
    env,
  });
  const images = await runCliAsync(["images", "--runner", "host", "--platforms", "linux/amd64"], {
    cwd: repo,
    env,
  });
  for (const image of config.images)
    made.push(`${config.image.registry}/${image.name}:${plan.tags.image}-amd64`);

  const remote = makeGitopsRemote([config]);
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
  const clone = join(tempDir("pipeline-gitops-clone-"), "gitops");
  git(dirname(clone), "clone", "-q", remote, clone);
  const promoted = join(clone, config.gitops.path, "environments/staging/values.yaml");
  mkdirSync(join(repo, "environments/staging"), { recursive: true });
  cpSync(promoted, join(repo, "environments/staging/values.yaml"));
  const chartLint = await runCliAsync(["chart-lint", "--runner", "host"], { cwd: repo, env });
  const manifests = execFileSync(
    findTool("helm")!,
    [
      "template",
      config.app,
      config.chart.path,
      "--values",
      "environments/staging/values.yaml",
      "--kube-version",
      config.chart.kubernetesVersion,
    ],
    { cwd: repo, encoding: "utf8" },
  );
  return { check, plan, render, rendered, build, images, promote, chartLint, manifests };
}

/** A container's output, stdout and stderr together (the api logs to either). */
function logsOf(id: string): string {
  return (
    execFileSync("docker", ["logs", id], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }) +
    execFileSync("sh", ["-c", 'docker logs "$1" 2>&1 >/dev/null', "sh", id], { encoding: "utf8" })
  );
}

/** The assertions every repository shares. */
function itShipsThroughTheChain(get: () => { shipped: Shipped; promotedImages: () => string[] }) {
  it("passes config check --strict: no error, no warning", () => {
    const { check } = get().shipped;
    expect(check.code, check.stderr).toBe(0);
    expect(check.stderr).toBe("");
  });

  it("renders Dockerfiles and build argv that stamp the planned version", () => {
    const { render, rendered, plan } = get().shipped;
    expect(render.code, render.stderr).toBe(0);
    const build = readFileSync(join(rendered, "build.json"), "utf8");
    expect(build).toContain(`=${plan.version}`);
  });

  it("builds and loads the images with the host runner", () => {
    const { build, images } = get().shipped;
    expect(build.code, `${build.stdout}\n${build.stderr}`).toBe(0);
    expect(images.code, `${images.stdout}\n${images.stderr}`).toBe(0);
  });

  it("promotes staging in the gitops repository, then chart-lint passes with the promoted values", () => {
    const { promote, chartLint } = get().shipped;
    expect(promote.code, `${promote.stdout}\n${promote.stderr}`).toBe(0);
    expect(chartLint.code, `${chartLint.stdout}\n${chartLint.stderr}`).toBe(0);
  });

  it("renders manifests that carry the promoted image", () => {
    const { manifests } = get().shipped;
    for (const image of get().promotedImages()) {
      expect(manifests).toMatch(new RegExp(`image: "?${image.replace(/[.]/g, "\\.")}"?\n`));
    }
  });
}

describe.skipIf(skip)("(a) this repository's sample", () => {
  let repo: string;
  let shipped: Shipped;
  beforeAll(async () => {
    repo = tempDir("pipeline-e2e-a-");
    for (const path of ["src", "helm", "environments"])
      cpSync(join(repoRoot, path), join(repo, path), { recursive: true });
    // The layout and every key as shipped (its images are FROM scratch: nothing to pull).
    const config = readFileSync(join(repoRoot, "pipeline.yaml"), "utf8");
    write(repo, { "pipeline.yaml": config, ".gitignore": ".out/\n" });
    git(repo, "init", "-q", "-b", "main");
    commitAll(repo, "sample");
    shipped = await ship(repo);
  }, 600_000);

  itShipsThroughTheChain(() => ({
    shipped,
    promotedImages: () =>
      ["api", "worker", "migrator"].map((b) => `ghcr.io/example/sample-app-${b}:${shipped.plan.tags.image}`),
  }));

  it("runs the api image, which reports the planned version as it starts", async () => {
    const port = await freePort();
    const id = docker(
      "run",
      "-d",
      "--network",
      "host",
      "-e",
      `PORT=${port}`,
      "-e",
      "DATABASE_URL=postgres://nobody@127.0.0.1:1/none",
      `ghcr.io/example/sample-app-api:${shipped.plan.tags.image}-amd64`,
    );
    try {
      await waitFor("the api's first log line", async () => logsOf(id).includes('"msg":"listening"'), 20_000);
      expect(logsOf(id)).toContain(`"version":"${shipped.plan.version}"`);
    } finally {
      docker("rm", "-f", id);
    }
  });

  it("builds the worker and migrator images for amd64 too", () => {
    for (const binary of ["worker", "migrator"]) {
      const ref = `ghcr.io/example/sample-app-${binary}:${shipped.plan.tags.image}-amd64`;
      expect(docker("image", "inspect", "--format", "{{.Architecture}}", ref)).toBe("amd64");
    }
  });
});

const SERVER = `package main

import (
	"fmt"
	"net/http"
	"os"

	"example.com/shop/pkg/version"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "version" {
		fmt.Println(version.VERSION, version.REVISION)
		return
	}
	panic(http.ListenAndServe(os.Args[2], http.FileServer(http.Dir("ui"))))
}
`;

const CTL = `package main

import (
	"fmt"

	"example.com/shop/pkg/version"
)

func main() { fmt.Println("shopctl", version.VERSION) }
`;

/** A chart whose one Deployment runs `image.repository:image.tag` (or each `<key>.repository:<key>.tag`). */
function chart(name: string, keys: Record<string, string>): Record<string, string> {
  return {
    [`charts/${name}/Chart.yaml`]: `apiVersion: v2\nname: ${name}\nversion: 0.1.0\nkubeVersion: ">=1.23.0-0"\n`,
    [`charts/${name}/values.yaml`]: Object.entries(keys)
      .map(([key, repository]) => {
        const path = key.split(".");
        return `${path.map((p, i) => `${"  ".repeat(i)}${p}:`).join("\n")}\n${"  ".repeat(path.length)}repository: ${repository}\n${"  ".repeat(path.length)}tag: ""\n`;
      })
      .join(""),
    [`charts/${name}/templates/deployment.yaml`]: [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata:",
      `  name: {{ .Release.Name }}`,
      "spec:",
      "  selector:",
      `    matchLabels: { app: ${name} }`,
      "  template:",
      "    metadata:",
      `      labels: { app: ${name} }`,
      "    spec:",
      "      containers:",
      ...Object.keys(keys).flatMap((key, i) => [
        `        - name: c${i}`,
        `          image: "{{ .Values.${key}.repository }}:{{ .Values.${key}.tag | default .Chart.AppVersion }}"`,
      ]),
      "",
    ].join("\n"),
  };
}

/** Serves `path` from `image` run as `serve <addr>`, returning the body. */
async function served(image: string, path: string): Promise<string> {
  const port = await freePort();
  const id = docker("run", "-d", "--network", "host", image, "serve", `127.0.0.1:${port}`);
  try {
    await waitFor(
      `${image} serving`,
      async () => (await fetch(`http://127.0.0.1:${port}${path}`)).ok,
      20_000,
    );
    return await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
  } finally {
    docker("rm", "-f", id);
  }
}

describe.skipIf(skip)("(b) a Go module at the root, set up by pipeline init", () => {
  let repo: string;
  let shipped: Shipped;
  let image: string;
  beforeAll(async () => {
    const base = ensureLocalBase();
    repo = tempDir("pipeline-e2e-b-");
    write(repo, {
      "go.mod": "module example.com/shop\n\ngo 1.22\n",
      "cmd/shop/main.go": SERVER,
      "cmd/shopctl/main.go": CTL,
      "pkg/version/version.go": 'package version\n\nvar (\n\tVERSION  = "dev"\n\tREVISION = "none"\n)\n',
      "ui/index.html": "<h1>shop ui</h1>\n",
      ".gitignore": ".out/\n",
      ...chart("shop", { image: "registry.test/acme/shop" }),
    });
    git(repo, "init", "-q", "-b", "master");
    commitAll(repo, "shop");
    const origin = tempDir("pipeline-e2e-b-origin-");
    git(origin, "init", "-q", "--bare", "-b", "master");
    git(repo, "remote", "add", "origin", origin);
    git(repo, "push", "-q", "origin", "master");
    git(repo, "remote", "set-head", "origin", "master");
    const init = runCli(["init", "--module", "github.com/acme/pipeline@v1.0.0"], { cwd: repo });
    expect(init.code, init.stderr).toBe(0);
    // What init can't know: the registry and gitops repository; and a base that needs no pull.
    const config = readFileSync(join(repo, "pipeline.yaml"), "utf8")
      .replace('repo: ""', `repo: ${GITOPS}`)
      .concat(
        `image:\n  registry: registry.test/acme\n  base: ${base}\n  user: ""\nplatforms: [linux/amd64]\n`,
      );
    writeFileSync(join(repo, "pipeline.yaml"), config);
    commitAll(repo, "pipeline init");
    shipped = await ship(repo);
    image = `registry.test/acme/shop:${shipped.plan.tags.image}-amd64`;
  }, 600_000);

  itShipsThroughTheChain(() => ({
    shipped,
    promotedImages: () => [`registry.test/acme/shop:${shipped.plan.tags.image}`],
  }));

  it("follows the default branch master from origin/HEAD", () => {
    expect(shipped.plan.rule).toBe("master");
  });

  it("stamps the planned version and commit into the version package", () => {
    expect(docker("run", "--rm", image, "version")).toBe(`${shipped.plan.version} ${shipped.plan.event.sha}`);
  });

  it("puts the second binary on PATH", () => {
    expect(docker("run", "--rm", "--entrypoint", "shopctl", image)).toBe(`shopctl ${shipped.plan.version}`);
  });

  it("serves the static folder from its working directory", async () => {
    expect(await served(image, "/index.html")).toBe("<h1>shop ui</h1>\n");
  });
});

describe.skipIf(skip)("(c) a repo built from its own multi-stage Dockerfile at two targets", () => {
  let repo: string;
  let shipped: Shipped;
  let server: string;
  let ctl: string;
  beforeAll(async () => {
    const base = ensureLocalBase();
    repo = tempDir("pipeline-e2e-c-");
    write(repo, {
      "go.mod": "module example.com/shop\n\ngo 1.22\n",
      "cmd/shop/main.go": SERVER,
      "cmd/shopctl/main.go": CTL,
      "pkg/version/version.go": 'package version\n\nvar (\n\tVERSION  = "dev"\n\tREVISION = "none"\n)\n',
      "web/index.html": "<h1>shop</h1>\n",
      Dockerfile: [
        `FROM ${base} AS base`,
        "COPY web /srv/ui",
        "WORKDIR /srv",
        "",
        "FROM base AS server",
        "COPY bin/shop /usr/local/bin/shop",
        "COPY bin/shopctl /usr/local/bin/shopctl",
        'ENTRYPOINT ["/usr/local/bin/shop"]',
        "",
        "FROM base AS ctl",
        "COPY bin/shopctl /usr/local/bin/shopctl",
        'ENTRYPOINT ["/usr/local/bin/shopctl"]',
        "",
      ].join("\n"),
      ...chart("shop", {
        "server.image": "registry.test/acme/shop",
        "ctl.image": "registry.test/acme/shopctl",
      }),
      "pipeline.yaml": [
        "app: shop",
        "go:",
        "  source: .",
        "  ldflags: -s -w -X example.com/shop/pkg/version.VERSION={{.Version}} -X example.com/shop/pkg/version.REVISION={{.Commit}}",
        "platforms: [linux/amd64]",
        "image:",
        "  registry: registry.test/acme",
        "chart: { path: charts/shop }",
        `gitops: { repo: "${GITOPS}" }`,
        "images:",
        "  shop:",
        "    dockerfile: Dockerfile",
        "    target: server",
        "    binaries: { shop: bin/shop, shopctl: bin/shopctl }",
        "    values: server.image",
        "  shopctl:",
        "    dockerfile: Dockerfile",
        "    target: ctl",
        "    binaries: { shopctl: bin/shopctl }",
        "    values: ctl.image",
        "",
      ].join("\n"),
      ".gitignore": ".out/\n",
    });
    git(repo, "init", "-q", "-b", "main");
    commitAll(repo, "shop");
    shipped = await ship(repo);
    server = `registry.test/acme/shop:${shipped.plan.tags.image}-amd64`;
    ctl = `registry.test/acme/shopctl:${shipped.plan.tags.image}-amd64`;
  }, 600_000);

  itShipsThroughTheChain(() => ({
    shipped,
    promotedImages: () =>
      ["shop", "shopctl"].map((n) => `registry.test/acme/${n}:${shipped.plan.tags.image}`),
  }));

  it("stamps the planned version into each target's binaries, with the CLI on the server's PATH", () => {
    expect(docker("run", "--rm", server, "version")).toBe(
      `${shipped.plan.version} ${shipped.plan.event.sha}`,
    );
    expect(docker("run", "--rm", ctl)).toBe(`shopctl ${shipped.plan.version}`);
    expect(docker("run", "--rm", "--entrypoint", "shopctl", server)).toBe(`shopctl ${shipped.plan.version}`);
  });

  it("serves the static folder the Dockerfile copied", async () => {
    expect(await served(server, "/index.html")).toBe("<h1>shop</h1>\n");
  });

  it("leaves nothing of the repo's own layout assumed: no src/, no helm/", () => {
    expect(existsSync(join(repo, "src"))).toBe(false);
    expect(existsSync(join(repo, "helm"))).toBe(false);
  });
});
