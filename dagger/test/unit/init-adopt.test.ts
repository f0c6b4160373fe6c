// biome-ignore-all lint/suspicious/noExplicitAny: the tests read parsed YAML of a known shape
/**
 * What `pipeline init` reads of a real repository's own tooling (issue #22): the `-X` flags of
 * its Makefile and GoReleaser config wherever the variables live, `go test` flags of `make test`,
 * go.mod's go/toolchain line, the chart's image keys per component, its CRDs' Kubernetes needs,
 * nested modules and the golangci-lint it pins; and that what it writes resolves.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfigText } from "../../src/adapters/config/config-file.js";
import { resolveConfig } from "../../src/core/config/config.js";
import { crdNeeds } from "../../src/core/init/crd-scan.js";
import { goModVersion } from "../../src/core/init/go-scan.js";
import { binaryForKey } from "../../src/core/init/images-plan.js";
import { stampField, xFlagsOf } from "../../src/core/init/ldflags-scan.js";
import { type RepoListing, wantsText } from "../../src/core/init/listing.js";
import { expandMake, makeVariables, recipeOf } from "../../src/core/init/makefile.js";
import { planInit } from "../../src/core/init/plan.js";
import { goTestFlags } from "../../src/core/init/test-scan.js";

const MAIN = "package main\n\nfunc main() {}\n";

function listing(files: Record<string, string>): RepoListing {
  return {
    name: "repo",
    files: Object.keys(files).sort(),
    texts: Object.fromEntries(Object.entries(files).filter(([p]) => wantsText(p))),
    defaultBranch: "main",
    originUrl: null,
  };
}

function initOf(files: Record<string, string>) {
  const plan = planInit(listing(files), { module: "github.com/acme/pipeline@v1.0.0", schema: "s.json" });
  const text = plan.files.find((f) => f.path === "pipeline.yaml")!.text;
  return { plan, text, config: parse(text) as Record<string, any>, findings: plan.findings.join("\n") };
}

describe("a Makefile, as init reads it", () => {
  const makefile = [
    "PKG := github.com/acme/dns",
    "VERSION ?= $(shell git describe --tags --always)",
    "VERSION ?= ignored",
    "LDFLAGS = -X $(PKG)/pkg/apis/dns.Version=$(VERSION) \\",
    "\t-X $(PKG)/pkg/apis/dns.GitCommit=$(shell git rev-parse --short HEAD)",
    "",
    "test: lint",
    "\t@go test -race -short -tags integration ./...",
    "",
    "build:",
    "\tgo build ./...",
  ].join("\n");

  it("keeps the first ?= and joins continuation lines", () => {
    const vars = makeVariables(makefile);
    expect(vars.get("VERSION")).toBe("$(shell git describe --tags --always)");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Make's ${VAR}, not JavaScript's
    expect(expandMake("$(PKG)/x ${PKG}", vars)).toBe("github.com/acme/dns/x github.com/acme/dns");
  });

  it("reads a target's recipe without its @ prefix", () => {
    expect(recipeOf(makefile, "test")).toEqual(["go test -race -short -tags integration ./..."]);
    expect(recipeOf(makefile, "lint")).toEqual([]);
  });

  it("finds each -X with Make variables expanded", () => {
    expect(xFlagsOf(makefile, makeVariables(makefile))).toEqual([
      {
        pkg: "github.com/acme/dns/pkg/apis/dns",
        name: "Version",
        value: "$(shell git describe --tags --always)",
      },
      {
        pkg: "github.com/acme/dns/pkg/apis/dns",
        name: "GitCommit",
        value: "$(shell git rev-parse --short HEAD)",
      },
    ]);
  });

  it.each([
    ["Version", "$(VERSION)", "Version"],
    ["gitVersion", "x", "Version"],
    ["GitCommit", "$(COMMIT)", "Commit"],
    ["GitCommit", "$(shell git rev-parse --short HEAD)", "ShortCommit"],
    ["REVISION", "{{.FullCommit}}", "Commit"],
    ["BuildDate", "{{.Date}}", "Date"],
    ["v", "{{ .Version }}", "Version"],
    ["stamp", "{{.CommitDate}}", "Date"],
    ["BuildUser", "$(USER)", null],
  ])("reads -X ...%s=%s as %s", (name, value, field) => {
    expect(stampField(name, value)).toBe(field);
  });

  it.each([
    [["go test -short ./..."], ["-short"]],
    [["go test -race -tags=e2e,slow -timeout 20m ./..."], ["-tags=e2e,slow", "-timeout=20m"]],
    [["go test -skip 'TestE2E' ./..."], ["-skip=TestE2E"]],
    [["go vet ./...", "echo -short"], []],
    [["go test -tags $(TAGS) ./..."], []],
  ])("carries the go test flags of %j", (recipe, flags) => {
    expect(goTestFlags(recipe)).toEqual(flags);
  });
});

describe("pipeline init on a repository with its own release tooling", () => {
  const service = {
    "go.mod": "module github.com/acme/dns\n\ngo 1.24.0\n\ntoolchain go1.26.3\n",
    "main.go": MAIN,
    "pkg/apis/dns/version.go": 'package dns\n\nvar (\n\tVersion = "unknown"\n\tGitCommit string\n)\n',
    Makefile:
      "PKG := github.com/acme/dns\nLDFLAGS := -X $(PKG)/pkg/apis/dns.Version=$(VERSION) -X $(PKG)/pkg/apis/dns.GitCommit=$(COMMIT)\ntest:\n\tgo test -short ./...\n",
    "e2e/go.mod": "module github.com/acme/dns/e2e\n",
    "e2e/e2e_test.go": "package e2e\n",
  };

  it("writes main: . for the root package, the -X flags the Makefile names, go.version and test.flags", () => {
    const { config, findings } = initOf(service);
    expect(config.go).toEqual({
      source: ".",
      version: "1.26.3",
      binaries: { dns: { main: "." } },
      ldflags:
        "-s -w -X github.com/acme/dns/pkg/apis/dns.Version={{.Version}} -X github.com/acme/dns/pkg/apis/dns.GitCommit={{.Commit}}",
    });
    expect(config.test).toEqual({ flags: ["-short"] });
    expect(findings).toContain("version variables from Makefile");
    expect(findings).toContain("nested Go modules e2e: not linted or tested");
  });

  it("writes a config the resolver accepts", () => {
    const { text } = initOf(service);
    const resolved = resolveConfig(parseConfigText(text, "pipeline.yaml"), "pipeline.yaml", []);
    expect(resolved.binaries).toEqual([expect.objectContaining({ name: "dns", main: "." })]);
    expect(resolved.go.version).toBe("1.26.3");
    expect(resolved.test.flags).toEqual(["-short"]);
  });

  it("takes GoReleaser's ldflags over the Makefile's, and leaves out a target the module doesn't declare", () => {
    const { config, findings } = initOf({
      ...service,
      ".goreleaser.yaml":
        "builds:\n  - ldflags:\n      - -s -w -X github.com/acme/dns/pkg/apis/dns.Version={{ .Version }} -X github.com/acme/dns/internal/gone.Commit={{.Commit}}\n",
    });
    expect(config.go.ldflags).toBe(
      "-s -w -X github.com/acme/dns/pkg/apis/dns.Version={{.Version}} -X github.com/acme/dns/pkg/apis/dns.GitCommit={{.Commit}}",
    );
    expect(findings).toContain("internal/gone.Commit, which the module doesn't declare");
  });

  it.each([
    ["module a\n\ngo 1.22\n", "1.22"],
    ["module a\n\ngo 1.24.2 // minimum\n", "1.24.2"],
    ["module a\n\ngo 1.23\ntoolchain go1.25.1\n", "1.25.1"],
    ["module a\n", null],
  ])("reads Go's version from %j", (gomod, version) => {
    expect(goModVersion(gomod)).toBe(version);
  });
});

describe("the chart's image keys and CRDs", () => {
  const binaries = [
    { name: "controller", rel: "cmd/controller" },
    { name: "webhook", rel: "cmd/webhook" },
  ];

  it.each([
    [{ key: "webhook.image", repository: "quay.io/acme/x" }, "webhook"],
    [{ key: "image", repository: "quay.io/acme/certs-controller" }, "controller"],
    [{ key: "cainjector.image", repository: "quay.io/acme/certs-cainjector" }, null],
  ])("matches %j to the binary %s", (image, binary) => {
    expect(binaryForKey(image, "certs", binaries)?.name ?? null).toBe(binary);
  });

  it("writes one image per component key, so config check --strict has no image warning", () => {
    const { config, findings } = initOf({
      "go.mod": "module github.com/acme/certs\n",
      "cmd/controller/main.go": MAIN,
      "cmd/webhook/main.go": MAIN,
      "cmd/ctl/main.go": MAIN,
      "charts/certs/Chart.yaml": "apiVersion: v2\nname: certs\nversion: 1.0.0\n",
      "charts/certs/values.yaml":
        "image:\n  repository: quay.io/acme/certs-controller\nwebhook:\n  image:\n    repository: quay.io/acme/certs-webhook\n",
    });
    expect(config.images).toEqual({
      "certs-controller": { binaries: { controller: "/app/controller" }, values: "image" },
      "certs-webhook": { binaries: { webhook: "/app/webhook" }, values: "webhook.image" },
    });
    expect(findings).toContain("no chart value reads an image of ctl");
  });

  it("says which values the chart's schema requires and its values.yaml leaves unset, in the findings and each environment's file", () => {
    const { plan, findings } = initOf({
      "go.mod": "module a\n",
      "cmd/a/main.go": MAIN,
      "charts/a/Chart.yaml": "apiVersion: v2\nname: a\nversion: 1.0.0\n",
      "charts/a/values.yaml": "policy: # (REQUIRED)\nreplicas: 1\nzone: example.org\n",
      "charts/a/values.schema.json": JSON.stringify({ required: ["policy", "zone", "region"] }),
    });
    expect(findings).toContain(
      "the chart's values.schema.json requires policy, region, which its values.yaml leaves unset",
    );
    const staging = plan.files.find((f) => f.path === "environments/staging/values.yaml")!.text;
    expect(staging).toContain("# The chart's values.schema.json requires policy, region: set them here.");
    expect(parse(staging)).toEqual({});
  });

  it.each([
    ["no CRD", ["kind: Deployment\n"], null],
    ["a CRD without CEL", ["kind: CustomResourceDefinition\nspec: {}\n"], null],
    [
      "CEL rules",
      ["kind: CustomResourceDefinition\n  x-kubernetes-validations:\n  - rule: self > 0\n"],
      "1.25.0",
    ],
    [
      "messageExpression",
      [
        "kind: CustomResourceDefinition\n  x-kubernetes-validations:\n  - rule: a\n    messageExpression: b\n",
      ],
      "1.27.0",
    ],
  ])("needs Kubernetes %s → %s", (_, texts, version) => {
    expect(crdNeeds(texts)?.version ?? null).toBe(version);
  });

  it("raises chart-lint's Kubernetes version above the chart's floor when its CRDs need it, not otherwise", () => {
    const chart = (kubeVersion: string) => ({
      "go.mod": "module a\n",
      "cmd/a/main.go": MAIN,
      "charts/a/Chart.yaml": `apiVersion: v2\nname: a\nversion: 1.0.0\nkubeVersion: "${kubeVersion}"\n`,
      "charts/a/crds/thing.yaml": "kind: CustomResourceDefinition\nx-kubernetes-validations: []\n",
    });
    const old = initOf(chart(">=1.22.0-0"));
    expect(old.config.chart.kubernetesVersion).toBe("1.25.0");
    expect(old.findings).toContain(
      "the chart's CRDs use x-kubernetes-validations, which Kubernetes takes from 1.25.0",
    );
    expect(initOf(chart(">=1.28.0-0")).config.chart.kubernetesVersion).toBeUndefined();
  });
});
