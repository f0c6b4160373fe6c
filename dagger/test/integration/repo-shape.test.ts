/**
 * A repository shaped unlike the sample, through the CLI for real: the Go module at the root, the
 * chart at charts/shop reading `image.repository`/`image.tag` with `kubeVersion: >=1.23`, default
 * branch master (from origin/HEAD), no migrator, no environments/ at first. config check, plan
 * (the default rule, and a tag on an older commit), chart-lint with the chart's defaults and then
 * with a promotion applied, and the host runner's test stage without services and with PostgreSQL
 * from the host's binaries plus an image run by docker.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chartLintSteps } from "../../src/core/chart/commands.js";
import { resolveConfig } from "../../src/core/config/config.js";
import { setValue } from "../../src/core/gitops/yaml-edit.js";
import { runCliAsync } from "../support/cli.js";
import { docker, ensureLocalBase } from "../support/docker.js";
import { git } from "../support/git.js";
import { ensureK8sSchemas, schemaLocation } from "../support/k8s-schemas.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool, skipWithout, skipWithoutDocker } from "../support/tools.js";

const FILES: Record<string, string> = {
  "go.mod": "module example.com/shop\n\ngo 1.26\n",
  "go.sum": "",
  "cmd/server/main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("shop") }\n',
  "internal/calc/calc.go": "package calc\n\n// Add adds.\nfunc Add(a, b int) int { return a + b }\n",
  // Without SERVICE_CHECK it is a plain unit test; with it, it dials every address it names and
  // reads what the before command wrote, so the services and the order are proven by Go itself.
  "internal/calc/calc_test.go": `package calc

import (
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
)

func TestAdd(t *testing.T) {
	if Add(2, 3) != 5 {
		t.Fatal("2+3")
	}
}

func TestServices(t *testing.T) {
	if os.Getenv("SERVICE_CHECK") == "" {
		return
	}
	u, err := url.Parse(os.Getenv("DATABASE_URL"))
	if err != nil || u.Host == "" {
		t.Fatalf("DATABASE_URL %q", os.Getenv("DATABASE_URL"))
	}
	for _, addr := range []string{u.Host, os.Getenv("WEB_ADDR")} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		c.Close()
	}
	seen, err := os.ReadFile(os.Getenv("SERVICE_CHECK"))
	if err != nil || strings.TrimSpace(string(seen)) != os.Getenv("DATABASE_URL") {
		t.Fatalf("the before command did not run first with DATABASE_URL: %q %v", seen, err)
	}
}
`,
  "charts/shop/Chart.yaml":
    'apiVersion: v2\nname: shop\nversion: 0.1.0\nappVersion: "0.1.0"\nkubeVersion: ">=1.23.0-0"\n',
  "charts/shop/values.yaml": 'image:\n  repository: docker.io/someone/shop\n  tag: ""\n',
  "charts/shop/templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  selector:
    matchLabels: { app: shop }
  template:
    metadata:
      labels: { app: shop }
    spec:
      containers:
        - name: server
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
`,
  ".gitignore": ".out/\n",
};

const PIPELINE = `app: shop
go:
  source: .
image:
  registry: r.example/acme
images:
  shop:
    binaries: { server: /app/server }
    values: image
chart:
  path: charts/shop
  registry: oci://r.example/charts
coverage:
  minimum: 10
test:
  race: false
`;

function write(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

afterAll(removeTempDirs);

describe.skipIf(skipWithout("go", "helm", "kubeconform", "initdb"))("a repo shaped unlike the sample", () => {
  let repo: string;
  let older: string;
  let env: Record<string, string>;
  const cli = async (...args: string[]) => {
    const result = await runCliAsync(args, { cwd: repo, env });
    return { ...result, all: `${result.stdout}\n${result.stderr}` };
  };

  beforeAll(() => {
    repo = tempDir("pipeline-shape-");
    for (const [path, text] of Object.entries(FILES)) write(repo, path, text);
    write(repo, "pipeline.yaml", PIPELINE);
    git(repo, "init", "-q", "-b", "master");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "first");
    git(repo, "tag", "-a", "v1.0.0", "-m", "release 1.0.0");
    older = git(repo, "rev-parse", "HEAD");
    write(repo, "README.md", "shop\n");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "second");
    // What `git clone` records: the remote's default branch.
    git(repo, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/master");
    const config = resolveConfig({ app: "x" }, "pipeline.yaml", []);
    env = {
      KUBECONFORM_SCHEMA_LOCATION: schemaLocation(ensureK8sSchemas(config.chart.kubernetesVersion)),
      DATABASE_URL: "",
      PATH: [
        ...new Set([
          ...["go", "helm", "kubeconform"].map((t) => dirname(findTool(t)!)),
          ...(process.env.PATH ?? "").split(":"),
        ]),
      ].join(":"),
    };
  }, 300_000);

  it("config check resolves master as the default branch and the image's values key", async () => {
    const result = await cli("config", "check", "--json");
    expect(result.code, result.all).toBe(0);
    const resolved = JSON.parse(result.stdout) as {
      defaultBranch: string;
      rules: { name: string; branches: string[] }[];
      images: { name: string; values: string }[];
    };
    expect(resolved.defaultBranch).toBe("master");
    expect(resolved.rules.find((r) => r.name === "master")?.branches).toEqual(["master"]);
    expect(resolved.images.map((i) => [i.name, i.values])).toEqual([["shop", "image"]]);
  });

  it("plans master with the default rule, promoting staging's image.tag", async () => {
    const result = await cli("plan", "--json");
    expect(result.code, result.all).toBe(0);
    const plan = JSON.parse(result.stdout);
    const head = git(repo, "rev-parse", "HEAD");
    expect(plan.rule).toBe("master");
    expect(plan.event.sha).toBe(head);
    expect(plan.tags.image).toBe(`sha-${head.slice(0, 7)}`);
    expect(plan.promotions[0].files[0].changes).toEqual([
      { key: "image.tag", value: `sha-${head.slice(0, 7)}` },
    ]);
  });

  it("plans a tag on an older commit at that commit, annotated", async () => {
    const result = await cli("plan", "--json", "--ref", "refs/tags/v1.0.0", "--latest-current", "0.9.0");
    expect(result.code, result.all).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.event.sha).toBe(older);
    expect(plan.tags.image).toBe("1.0.0");
    expect(plan.latest.tagType).toBe("annotated");
    expect(plan.annotations["org.opencontainers.image.revision"]).toBe(older);
  });

  it("lints the chart with its defaults at the configured Kubernetes version when the repo has no environments", async () => {
    const result = await cli("chart-lint", "--runner", "host");
    expect(result.code, result.all).toBe(0);
    expect(result.stdout).toMatch(/helm lint and kubeconform passed for the chart's defaults/);
    expect(result.stdout).toMatch(/images: the chart reads image/);
  });

  it("lints staging's values with a promotion applied, and the rendered manifests carry the promoted image", async () => {
    const plan = JSON.parse((await cli("plan", "--json")).stdout);
    const change = plan.promotions[0].files[0];
    let values = 'image:\n  repository: r.example/acme/shop\n  tag: ""\n';
    for (const { key, value } of change.changes) values = setValue(values, key, value);
    write(repo, "environments/staging/values.yaml", values);
    const result = await cli("chart-lint", "--runner", "host");
    expect(result.code, result.all).toBe(0);
    expect(result.stdout).toMatch(/passed for 1 environments/);
    const config = resolveConfig(
      { ...(await import("yaml")).parse(readFileSync(join(repo, "pipeline.yaml"), "utf8")) },
      "pipeline.yaml",
      ["server"],
    );
    const render = chartLintSteps(config, (f) => f === "environments/staging/values.yaml").find(
      (s) => s.kind === "render",
    )!;
    const { execFileSync } = await import("node:child_process");
    const [, ...args] = render.kind === "render" ? render.template : [];
    const manifests = execFileSync(findTool("helm")!, args, { cwd: repo, encoding: "utf8" });
    expect(manifests).toContain(`image: "r.example/acme/shop:${plan.tags.image}"`);
  });

  it("fails chart-lint in one line when the image's values key is not what the chart reads", async () => {
    write(repo, "pipeline.yaml", PIPELINE.replace("values: image", "values: images.shop"));
    try {
      const result = await cli("chart-lint", "--runner", "host");
      expect(result.code, result.all).toBe(1);
      expect(result.all).toMatch(
        /the chart does not read images\.shop\.repository\/images\.shop\.tag \(image shop\)/,
      );
    } finally {
      write(repo, "pipeline.yaml", PIPELINE);
    }
  });

  it("tests without services: nothing started, no migrator, no -race", async () => {
    const result = await cli("test", "--runner", "host");
    expect(result.code, result.all).toBe(0);
    expect(result.stdout).toMatch(/coverage [\d.]+% meets the minimum 10% \(no services\)/);
  }, 300_000);

  describe.skipIf(skipWithoutDocker())("with services", () => {
    const image = "local/pipeline-test-web:1";
    beforeAll(() => {
      const base = ensureLocalBase();
      const context = tempDir("pipeline-web-");
      writeFileSync(
        join(context, "Dockerfile"),
        `FROM ${base}\nCMD ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/tmp"]\n`,
      );
      docker("build", "-q", "-t", image, context);
    }, 120_000);

    it("starts PostgreSQL from the host's binaries and the image with docker, runs the before command first", async () => {
      const marker = join(tempDir("pipeline-marker-"), "before");
      write(
        repo,
        "pipeline.yaml",
        `${PIPELINE.replace("test:\n  race: false\n", "")}test:
  race: false
  services:
    db: { postgres: "17", env: { POSTGRES_DB: shop } }
    web: { image: "${image}", ports: [8080] }
  before: ["sh -c 'echo \\"$DATABASE_URL\\" > ${marker}'"]
  env:
    WEB_ADDR: "{web.host}:{web.port}"
    SERVICE_CHECK: ${marker}
`,
      );
      try {
        const result = await cli("test", "--runner", "host");
        expect(result.code, result.all).toBe(0);
        expect(result.stdout).toMatch(
          /PostgreSQL started from the host's binaries as db; web: local\/pipeline-test-web:1 in docker/,
        );
        expect(readFileSync(marker, "utf8")).toMatch(
          /^postgres:\/\/postgres:postgres@127\.0\.0\.1:\d+\/shop\?sslmode=disable$/m,
        );
        expect(docker("ps", "-q", "--filter", `ancestor=${image}`)).toBe("");
      } finally {
        write(repo, "pipeline.yaml", PIPELINE);
      }
    }, 300_000);
  });
});
