/**
 * Two repositories that look nothing like the sample, shipped from their pipeline.yaml through the
 * host runner, for real: (b) the Go module at the root, one image with two binaries (the server and
 * a CLI on PATH) and a static folder read from the working directory, custom `-X` variables, default
 * branch master; (c) a repo built from its own multi-stage Dockerfile at two targets. Each image
 * runs: it serves its static file, the binary reports the planned version, the CLI is on PATH. Bad
 * input exits 2 with one line naming the key. Images build FROM a `docker import`ed busybox base.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { runCli, runCliAsync } from "../support/cli.js";
import { docker, ensureLocalBase } from "../support/docker.js";
import { git } from "../support/git.js";
import { type GitHttpServer, startGitHttp } from "../support/git-http.js";
import { freePort, waitFor } from "../support/ports.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool, skipWithout, skipWithoutDocker } from "../support/tools.js";

/** A server that serves ./ui from its working directory and says its version. */
const SERVER = (versionImport: string, versionExpr: string) => `package main

import (
	"fmt"
	"net/http"
	"os"
${versionImport}
)

var REVISION = "none"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "version" {
		fmt.Printf("%s %s\\n", ${versionExpr}, REVISION)
		return
	}
	addr := "127.0.0.1:8080"
	if len(os.Args) > 2 && os.Args[1] == "serve" {
		addr = os.Args[2]
	}
	panic(http.ListenAndServe(addr, http.FileServer(http.Dir("ui"))))
}
`;

const CTL = `package main

import "fmt"

var version = "dev"

func main() { fmt.Println("ctl", version) }
`;

function write(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

function commit(root: string, branch: string): void {
  git(root, "init", "-q", "-b", branch);
  git(root, "add", "-A");
  git(root, "commit", "-q", "-m", "initial");
}

/** The environment the CLI gets: go and docker on PATH, nothing from the sample. */
function cliEnv(): Record<string, string> {
  return {
    PATH: [
      ...new Set([
        dirname(findTool("go")!),
        dirname(findTool("docker")!),
        ...(process.env.PATH ?? "").split(":"),
      ]),
    ].join(":"),
  };
}

/** `pipeline plan --json` of a repo. */
function planOf(repo: string): {
  version: string;
  tags: { image: string };
  event: { sha: string; kind: string };
} {
  const result = runCli(["plan", "--json"], { cwd: repo, env: cliEnv() });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

/** Runs an image's server on a free host port and returns the body of `path`. */
async function served(image: string, path: string, entrypoint: string[] = []): Promise<string> {
  const port = await freePort();
  const id = docker("run", "-d", "--network", "host", ...entrypoint, image, "serve", `127.0.0.1:${port}`);
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

const skip = skipWithout("go", "docker-registry") || skipWithoutDocker();
const made: string[] = [];

afterAll(() => {
  if (made.length) docker("rmi", "-f", ...made);
  removeTempDirs();
});

describe.skipIf(skip)("(b) a Go module at the root: one image, two binaries, a static folder, master", () => {
  let repo: string;
  let plan: ReturnType<typeof planOf>;
  let image: string;
  let run: Awaited<ReturnType<typeof runCliAsync>>;
  let registries: TestRegistry[];

  beforeAll(async () => {
    const base = ensureLocalBase();
    registries = [await startRegistry(), await startRegistry(), await startRegistry()];
    repo = tempDir("pipeline-repo-b-");
    write(repo, {
      "go.mod": "module example.com/webapp\n\ngo 1.22\n",
      "main.go": SERVER('\t"example.com/webapp/pkg/version"', "version.VERSION"),
      "pkg/version/version.go": 'package version\n\nvar VERSION = "dev"\n',
      "cmd/webctl/main.go": CTL,
      "ui/index.html": "<h1>webapp ui</h1>\n",
      "pipeline.yaml": [
        "app: webapp",
        "go:",
        "  source: .",
        "  ldflags: -s -w -X example.com/webapp/pkg/version.VERSION={{.Version}} -X main.REVISION={{.Commit}} -X main.version={{.Version}}",
        "  binaries:",
        "    webapp: { main: . }",
        "platforms: [linux/amd64]",
        "image:",
        `  registry: ${registries[0]!.host}/acme`,
        `  registries: [${registries[0]!.host}/acme, ${registries[1]!.host}/mirror]`,
        `  releaseRegistry: ${registries[2]!.host}/releases`,
        "images:",
        "  webapp:",
        "    binaries: { webapp: /app/webapp, webctl: /usr/local/bin/webctl }",
        "    files: { ui: /app/ui }",
        "    workdir: /app",
        `    base: ${base}`,
        "    values: image",
        "",
      ].join("\n"),
      ".gitignore": ".out/\n",
    });
    commit(repo, "master");
    plan = planOf(repo);
    image = `${registries[0]!.host}/acme/webapp:${plan.tags.image}-amd64`;
    made.push(image);
    run = await runCliAsync(["publish", "--runner", "host"], { cwd: repo, env: cliEnv() });
  }, 300_000);

  afterAll(async () => {
    for (const registry of registries ?? []) await registry.stop();
  });

  it("passes config check and renders one Dockerfile with both binaries and the folder", () => {
    expect(runCli(["config", "check"], { cwd: repo, env: cliEnv() }).code).toBe(0);
    const out = join(repo, ".out", "render");
    const result = runCli(["render", "--out", out], { cwd: repo, env: cliEnv() });
    expect(result.code, result.stderr).toBe(0);
    const dockerfile = readFileSync(join(out, "dockerfiles", "Dockerfile.webapp"), "utf8");
    expect(dockerfile).toContain("COPY webctl /usr/local/bin/webctl");
    expect(dockerfile).toContain("COPY _files/ui /app/ui");
    const build = JSON.parse(readFileSync(join(out, "build.json"), "utf8")) as {
      commands: { argv: string[] }[];
    };
    expect(build.commands.map((c) => c.argv.at(-1)).sort()).toEqual([".", "./cmd/webctl"]);
  });

  it("builds the one configured image and publishes it with the host runner", () => {
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain(`copied to ${registries[1]!.host}/mirror`);
  });

  it("pushes the same digest to every registry of image.registries", async () => {
    const primary = new RegistryClient({ host: registries[0]!.host });
    const mirror = new RegistryClient({ host: registries[1]!.host });
    for (const tag of [plan.tags.image, `${plan.tags.image}-amd64`]) {
      const pushed = await primary.resolve("acme/webapp", tag);
      expect(pushed, tag).not.toBeNull();
      expect(await mirror.resolve("mirror/webapp", tag)).toEqual(pushed);
    }
  });

  it("copies a release's tag to the release registry by digest, and nothing before a release", async () => {
    const release = new RegistryClient({ host: registries[2]!.host });
    expect(await release.listTags("releases/webapp")).toEqual([]);
    git(repo, "tag", "-a", "v1.0.0", "-m", "release 1.0.0");
    const tagged = planOf(repo);
    expect(tagged.event.kind).toBe("release-tag");
    const published = await runCliAsync(["publish", "--runner", "host"], { cwd: repo, env: cliEnv() });
    expect(published.code, `${published.stdout}\n${published.stderr}`).toBe(0);
    made.push(`${registries[0]!.host}/acme/webapp:${tagged.tags.image}-amd64`);
    const pushed = await new RegistryClient({ host: registries[0]!.host }).resolve(
      "acme/webapp",
      tagged.tags.image,
    );
    expect(pushed).not.toBeNull();
    expect(await release.resolve("releases/webapp", tagged.tags.image)).toEqual(pushed);
    expect(await release.listTags("releases/webapp")).toEqual([tagged.tags.image]);
  });

  it("stamps the planned version and commit into the custom -X variables", () => {
    expect(docker("run", "--rm", image, "version")).toBe(`${plan.version} ${plan.event.sha}`);
  });

  it("puts the second binary on PATH with the planned version", () => {
    expect(docker("run", "--rm", "--entrypoint", "webctl", image)).toBe(`ctl ${plan.version}`);
  });

  it("serves the static folder from its working directory", async () => {
    expect(await served(image, "/index.html")).toBe("<h1>webapp ui</h1>\n");
  });
});

describe.skipIf(skip)("(c) a repo built from its own multi-stage Dockerfile at two targets", () => {
  let repo: string;
  let plan: ReturnType<typeof planOf>;
  let server: string;
  let ctl: string;
  let run: Awaited<ReturnType<typeof runCliAsync>>;

  beforeAll(async () => {
    const base = ensureLocalBase();
    repo = tempDir("pipeline-repo-c-");
    write(repo, {
      "go.mod": "module example.com/shop\n\ngo 1.22\n",
      "cmd/shop/main.go": SERVER("", "version"),
      "cmd/shop/version.go": 'package main\n\nvar version = "dev"\n',
      "cmd/shopctl/main.go": CTL,
      "web/static/index.html": "<h1>shop</h1>\n",
      Dockerfile: [
        `FROM ${base} AS base`,
        "ARG STATIC=web/static",
        "COPY ${STATIC} /srv/ui",
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
      "pipeline.yaml": [
        "app: shop",
        "go:",
        "  source: .",
        "  ldflags: -X main.version={{.Version}} -X main.REVISION={{.ShortCommit}}",
        "platforms: [linux/amd64]",
        "image:",
        "  registry: registry.test/shop",
        "images:",
        "  shop:",
        "    dockerfile: Dockerfile",
        "    target: server",
        "    binaries: { shop: bin/shop, shopctl: bin/shopctl }",
        "    buildArgs: { STATIC: web/static }",
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
    commit(repo, "main");
    plan = planOf(repo);
    server = `registry.test/shop/shop:${plan.tags.image}-amd64`;
    ctl = `registry.test/shop/shopctl:${plan.tags.image}-amd64`;
    made.push(server, ctl);
    run = await runCliAsync(["images", "--runner", "host"], { cwd: repo, env: cliEnv() });
  }, 300_000);

  it("passes config check and renders both targets with their build args, no generated Dockerfile", () => {
    expect(runCli(["config", "check"], { cwd: repo, env: cliEnv() }).code).toBe(0);
    const out = join(repo, ".out", "render");
    const result = runCli(["render", "--out", out], { cwd: repo, env: cliEnv() });
    expect(result.code, result.stderr).toBe(0);
    const images = JSON.parse(readFileSync(join(out, "images.json"), "utf8")) as {
      images: { image: string; target: string; argv: string[] }[];
    };
    expect(images.images.map((i) => [i.image, i.target])).toEqual([
      ["shop", "server"],
      ["shopctl", "ctl"],
    ]);
    expect(images.images[0]!.argv).toContain("STATIC=web/static");
    expect(existsSync(join(out, "dockerfiles"))).toBe(false);
  });

  it("builds both targets of the one Dockerfile", () => {
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain(server);
    expect(run.stdout).toContain(ctl);
  });

  it("stamps the planned version into each target's binary", () => {
    expect(docker("run", "--rm", server, "version")).toBe(`${plan.version} ${plan.event.sha.slice(0, 7)}`);
    expect(docker("run", "--rm", ctl)).toBe(`ctl ${plan.version}`);
  });

  it("puts the CLI on the server image's PATH", () => {
    expect(docker("run", "--rm", "--entrypoint", "shopctl", server)).toBe(`ctl ${plan.version}`);
  });

  it("serves the static folder the Dockerfile copied", async () => {
    expect(await served(server, "/index.html")).toBe("<h1>shop</h1>\n");
  });
});

describe("bad input exits 2 with one line naming the key", () => {
  let repo: string;
  beforeAll(() => {
    repo = tempDir("pipeline-repo-bad-");
    write(repo, {
      "go.mod": "module example.com/bad\n\ngo 1.22\n",
      "cmd/api/main.go": "package main\n\nfunc main() {}\n",
    });
    commit(repo, "main");
  });

  it.each([
    [
      "an image naming a binary that does not exist",
      "images: { web: { binaries: { nope: /app/nope } } }",
      "images.web.binaries.nope",
    ],
    [
      "a files source outside the repo",
      "images: { web: { binaries: { api: /app/api }, files: { ../secrets: /app/s } } }",
      "images.web.files",
    ],
    [
      "an absolute files source",
      "images: { web: { binaries: { api: /app/api }, files: { /etc: /app/etc } } }",
      "images.web.files",
    ],
    [
      "a binary outside cmd/ without its main",
      "go: { source: ., binaries: { tool: {} } }",
      "go.binaries.tool",
    ],
  ])("%s", (_name, yaml, key) => {
    writeFileSync(
      join(repo, "pipeline.yaml"),
      `app: bad\ngo: { source: . }\n${yaml}\n`.replace(/^go: \{ source: \. \}\n(go:)/m, "$1"),
    );
    const result = runCli(["config", "check"], { cwd: repo });
    expect(result.code, result.stderr).toBe(2);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(key);
  });

  it("an unknown runner", () => {
    writeFileSync(join(repo, "pipeline.yaml"), "app: bad\ngo: { source: . }\n");
    const result = runCli(["build", "--runner", "nowhere"], { cwd: repo });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("--runner");
  });
});

describe.skipIf(skip)("lint's go mod tidy check", () => {
  it("fails with the diff when go.mod has drifted", async () => {
    const repo = tempDir("pipeline-repo-tidy-");
    write(repo, {
      "go.mod": "module example.com/tidy\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.0\n",
      "main.go": "package main\n\nfunc main() {}\n",
      "pipeline.yaml": "app: tidy\ngo: { source: ., binaries: { tidy: { main: . } } }\n",
    });
    commit(repo, "main");
    const result = await runCliAsync(["lint", "--runner", "host"], { cwd: repo, env: cliEnv() });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(1);
    expect(`${result.stdout}\n${result.stderr}`).toMatch(
      /go mod tidy[\s\S]*-require golang\.org\/x\/text v0\.3\.0/,
    );
  });
});

describe.skipIf(skip)("go.private on the host", () => {
  const token = "tok-private-modules-5f3a";
  let server: GitHttpServer;
  let repo: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    // A private module served by git over HTTP behind the token, reached as git.acme.test.
    const root = tempDir("pipeline-private-");
    const work = join(root, "work");
    write(work, {
      "go.mod": "module git.acme.test/priv.git\n\ngo 1.22\n",
      "priv.go":
        'package priv\n\n// Hello is what the app prints.\nfunc Hello() string { return "hello from private" }\n',
    });
    commit(work, "main");
    git(work, "tag", "v1.0.0");
    execFileSync("git", ["clone", "-q", "--bare", work, join(root, "priv.git")]);
    server = await startGitHttp(root, token);
    writeFileSync(join(root, "gitconfig"), `[url "${server.url}/"]\n\tinsteadOf = https://git.acme.test/\n`);
    repo = tempDir("pipeline-repo-private-");
    write(repo, {
      "go.mod": "module example.com/app\n\ngo 1.22\n\nrequire git.acme.test/priv.git v1.0.0\n",
      "cmd/app/main.go":
        'package main\n\nimport (\n\t"fmt"\n\n\tpriv "git.acme.test/priv.git"\n)\n\nfunc main() { fmt.Println(priv.Hello()) }\n',
      "pipeline.yaml":
        "app: app\ngo: { source: ., private: [git.acme.test], env: { GOFLAGS: -mod=mod } }\nplatforms: [linux/amd64]\n",
      ".gitignore": ".out/\n",
    });
    commit(repo, "main");
    env = {
      ...cliEnv(),
      GIT_CONFIG_GLOBAL: join(root, "gitconfig"),
      GOMODCACHE: join(root, "modcache"),
      GOFLAGS: "-modcacherw",
    };
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  it("refuses to build without the token", async () => {
    const result = await runCliAsync(["build", "--runner", "host"], { cwd: repo, env });
    expect(result.code).toBe(1);
    expect(`${result.stdout}${result.stderr}`).toContain("git.acme.test/priv.git");
  });

  it("fetches the private module with the token through git's credential helper, never printing it", async () => {
    const result = await runCliAsync(["build", "--runner", "host"], {
      cwd: repo,
      env: { ...env, GOPRIVATE_TOKEN: token },
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(execFileSync(join(repo, ".out", "linux-amd64", "app"), { encoding: "utf8" })).toBe(
      "hello from private\n",
    );
    expect(server.authorizations.some((a) => a.startsWith("Basic "))).toBe(true);
    expect(`${result.stdout}${result.stderr}`).not.toContain(token);
  });
});
