// biome-ignore-all lint/suspicious/noExplicitAny: the tests read parsed YAML of a known shape
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfigText } from "../../src/adapters/config/config-file.js";
import { resolveConfig } from "../../src/core/config/config.js";
import { imageValuesKeys } from "../../src/core/init/chart-scan.js";
import { stringVars } from "../../src/core/init/go-scan.js";
import { type RepoListing, wantsText } from "../../src/core/init/listing.js";
import { planInit, schemaLocation } from "../../src/core/init/plan.js";

const MAIN = "package main\n\nfunc main() {}\n";

function listing(files: Record<string, string>, extra: Partial<RepoListing> = {}): RepoListing {
  return {
    name: "repo",
    files: Object.keys(files).sort(),
    texts: Object.fromEntries(Object.entries(files).filter(([p]) => wantsText(p))),
    defaultBranch: null,
    originUrl: null,
    ...extra,
  };
}

function configOf(l: RepoListing, module = "github.com/acme/pipeline@v1.4.0") {
  const plan = planInit(l, { module, schema: "./pipeline.schema.json" });
  const text = plan.files.find((f) => f.path === "pipeline.yaml")!.text;
  return { plan, text, config: parse(text) as Record<string, any> };
}

describe("pipeline init's plan", () => {
  it("reads string variables from var blocks and single declarations, not constants", () => {
    const go = [
      "package version",
      "// version is set with -X",
      'var version = "dev"',
      "var Commit, BuildDate string",
      "var (",
      "\tREVISION string // the commit",
      "\tcount int",
      ")",
      'const Name = "x"',
    ].join("\n");
    expect(stringVars(go).sort()).toEqual(["BuildDate", "Commit", "REVISION", "version"]);
  });

  it.each([
    [{ image: { repository: "x", tag: "" } }, ["image"]],
    [{ images: { api: { repository: "a" }, worker: { repository: "w" } } }, ["images.api", "images.worker"]],
    [{ server: { image: { repository: "s" } }, replicas: 2 }, ["server.image"]],
    [{ replicas: 2 }, []],
  ])("finds the image values keys of %j", (values, keys) => {
    expect(imageValuesKeys(values).map((i) => i.key)).toEqual(keys);
  });

  it("ignores a dependency's image (redis) beside the service's own", () => {
    const { config } = configOf(
      listing({
        "go.mod": "module github.com/acme/podinfo\n",
        "cmd/podinfo/main.go": MAIN,
        "cmd/podcli/main.go": MAIN,
        "charts/podinfo/Chart.yaml": "name: podinfo\nversion: 1.0.0\n",
        "charts/podinfo/values.yaml":
          "image: { repository: ghcr.io/acme/podinfo, tag: 1.0.0 }\nredis: { repository: docker.io/redis, tag: '8' }\n",
      }),
    );
    expect(config.images).toEqual({
      podinfo: {
        binaries: { podinfo: "/usr/local/bin/podinfo", podcli: "/usr/local/bin/podcli" },
        entrypoint: ["/usr/local/bin/podinfo"],
        values: "image",
      },
    });
  });

  it("sets up a root module with two binaries, a version package, a chart reading image.* and master", () => {
    const { config, plan } = configOf(
      listing(
        {
          "go.mod": "module github.com/acme/shop\n\ngo 1.23\n",
          "cmd/shop/main.go": MAIN,
          "cmd/shopctl/main.go": MAIN,
          "pkg/version/version.go": 'package version\n\nvar (\n\tVERSION = "dev"\n\tREVISION string\n)\n',
          "charts/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
          "charts/shop/values.yaml": "image:\n  repository: shop\n  tag: ''\n",
          "ui/index.html": "<p>hi</p>",
          "vendor/x/main.go": MAIN,
          "examples/demo/main.go": MAIN,
        },
        { defaultBranch: "master", originUrl: "https://github.com/Acme/shop.git" },
      ),
    );
    expect(config).toMatchObject({
      app: "shop",
      module: "github.com/acme/pipeline@v1.4.0",
      defaultBranch: "master",
      go: {
        source: ".",
        ldflags:
          "-s -w -X github.com/acme/shop/pkg/version.VERSION={{.Version}} -X github.com/acme/shop/pkg/version.REVISION={{.Commit}}",
      },
      image: { registry: "ghcr.io/acme" },
      images: {
        shop: {
          binaries: { shop: "/usr/local/bin/shop", shopctl: "/usr/local/bin/shopctl" },
          files: { ui: "/app/ui" },
          entrypoint: ["/usr/local/bin/shop"],
          values: "image",
        },
      },
      chart: { path: "charts/shop", registry: "oci://ghcr.io/acme/charts" },
      gitops: { repo: "" },
      source: { url: "https://github.com/acme/shop" },
    });
    expect(config.go.binaries).toBeUndefined();
    expect(plan.files.map((f) => f.path)).toEqual([
      "pipeline.yaml",
      "environments/staging/values.yaml",
      "environments/uat/values.yaml",
      "environments/prod/values.yaml",
      "environments/preview.yaml",
      ".github/workflows/pipeline.yaml",
      ".github/workflows/pipeline-pr.yaml",
      ".github/workflows/pipeline-promote.yaml",
    ]);
  });

  it("writes a pipeline.yaml the config resolver accepts, naming its schema on the first line", () => {
    const { text } = configOf(
      listing({
        "go.mod": "module example.com/svc\n",
        "cmd/svc/main.go": MAIN,
        "cmd/worker/main.go": MAIN,
        "helm/svc/Chart.yaml": "name: svc\nversion: 0.1.0\n",
        "helm/svc/values.yaml": "images:\n  svc: { repository: a }\n  worker: { repository: b }\n",
      }),
    );
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=./pipeline.schema.json");
    const resolved = resolveConfig(parseConfigText(text, "pipeline.yaml"), "pipeline.yaml", [
      "svc",
      "worker",
    ]);
    expect(resolved.images.map((i) => [i.name, i.values])).toEqual([
      ["svc-svc", "images.svc"],
      ["svc-worker", "images.worker"],
    ]);
    expect(resolved.chart.path).toBe("helm/svc");
  });

  it("declares main packages outside cmd/ with their main, and a main at the module root under the app's name", () => {
    const { config } = configOf(
      listing({
        "service/go.mod": "module github.com/acme/api-server/v2\n",
        "service/main.go": `${MAIN}\nvar version, commit string\n`,
        "service/tools/migrate/main.go": MAIN,
        "service/internal/db/db.go": "package db\n",
      }),
    );
    expect(config.app).toBe("api-server");
    expect(config.go).toEqual({
      source: "service",
      binaries: { "api-server": { main: "." }, migrate: { main: "./tools/migrate" } },
    });
  });

  it("leaves ldflags at the default when main has version and commit, and says when nothing is found", () => {
    expect(
      configOf(listing({ "go.mod": "module a\n", "cmd/a/main.go": `${MAIN}var version, commit string\n` }))
        .config.go.ldflags,
    ).toBeUndefined();
    const none = configOf(listing({ "go.mod": "module a\n", "cmd/a/main.go": MAIN }));
    expect(none.config.go.ldflags).toBeUndefined();
    expect(none.plan.findings.join("\n")).toContain("no version variable found");
  });

  it("sets the variables of a shared version package main imports (prometheus/common/version)", () => {
    const main = 'package main\n\nimport (\n\t"github.com/prometheus/common/version"\n)\n\nfunc main() {}\n';
    const { config } = configOf(listing({ "go.mod": "module a\n", "cmd/a/main.go": main }));
    expect(config.go.ldflags).toBe(
      "-s -w -X github.com/prometheus/common/version.Version={{.Version}} -X github.com/prometheus/common/version.Revision={{.Commit}} -X github.com/prometheus/common/version.BuildDate={{.Date}}",
    );
  });

  it("says when an embedded folder is built rather than committed (ui/app/dist)", () => {
    const web =
      'package ui\n\nimport "embed"\n\n//go:embed app/dist\nvar dist embed.FS\n\n//go:embed default.tmpl\nvar tmpl string\n';
    const { plan } = configOf(
      listing({ "go.mod": "module a\n", "cmd/a/main.go": MAIN, "ui/web.go": web, "ui/default.tmpl": "x" }),
    );
    expect(plan.findings.filter((f) => f.includes("embeds"))).toEqual([
      expect.stringContaining("ui/web.go embeds app/dist, which isn't in the repository"),
    ]);
  });

  it("builds the repo's Dockerfile when there is no main package", () => {
    const { config } = configOf(
      listing({ Dockerfile: "FROM scratch\n", "go.mod": "module a\n", "lib/a.go": "package a\n" }),
    );
    expect(config.images).toEqual({ a: { dockerfile: "Dockerfile", context: "." } });
  });

  it("defaults the branch to main and leaves module: out for a local module path", () => {
    const { config, plan } = configOf(
      listing({ "go.mod": "module a\n", "cmd/a/main.go": MAIN }),
      "/opt/pipeline",
    );
    expect(config.defaultBranch).toBe("main");
    expect(config.module).toBeUndefined();
    const workflow = plan.files.find((f) => f.path === ".github/workflows/pipeline.yaml")!.text;
    expect(workflow).toContain("module: /opt/pipeline");
    expect(workflow).toContain('branches: ["main"]');
  });

  it("calls the module with --source . in every workflow step", () => {
    const { plan } = configOf(listing({ "go.mod": "module a\n", "cmd/a/main.go": MAIN }));
    for (const file of plan.files.filter((f) => f.path.startsWith(".github/"))) {
      const steps = (parse(file.text) as any).jobs;
      const calls = Object.values(steps).flatMap((job: any) =>
        job.steps.filter((s: any) => s.with?.verb === "call"),
      );
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) {
        expect(call.with.module).toBe("github.com/acme/pipeline@v1.4.0");
        expect(call.with.args).toMatch(/^--source \. [a-z-]+ /);
      }
    }
  });

  it.each([
    [
      "github.com/acme/pipeline@v1.4.0",
      "https://raw.githubusercontent.com/acme/pipeline/v1.4.0/pipeline.schema.json",
    ],
    ["/opt/pipeline", "/opt/pipeline/pipeline.schema.json"],
  ])("points editors at the schema of %s", (module, where) => {
    expect(schemaLocation(module, "/opt/pipeline/pipeline.schema.json")).toBe(where);
  });
});
