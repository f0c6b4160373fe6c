/**
 * A repository shaped like the real services issue #22 was found on, built in a temp dir: the main
 * package at the module root (plus a webhook under cmd/), exported version variables in
 * pkg/version that only the Makefile's -X flags name, a Makefile pinning golangci-lint and running
 * `go test -short`, a test that fails without -short, a nested e2e module that is not gofmt-clean
 * (its own lint would catch it; the service's does not run it), and a chart with one image key per
 * component, a values.schema.json, a value it requires and a CRD with CEL rules.
 */

/** The Go side. */
const GO: Record<string, string> = {
  "go.mod": "module example.com/dns\n\ngo 1.22\n\ntoolchain go1.26.1\n",
  "main.go": `package main

import (
	"fmt"
	"net/http"
	"os"

	"example.com/dns/pkg/version"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "version" {
		fmt.Println(version.Version, version.GitCommit)
		return
	}
	if err := http.ListenAndServe("127.0.0.1:8080", nil); err != nil {
		panic(err)
	}
}
`,
  "cmd/webhook/main.go": `package main

import (
	"fmt"

	"example.com/dns/pkg/version"
)

func main() { fmt.Println("webhook", version.Version) }
`,
  "pkg/version/version.go": `// Package version holds what the Makefile's -X flags stamp.
package version

var (
	// Version is the release.
	Version = "dev"
	// GitCommit is the commit it was built from.
	GitCommit = "none"
)
`,
  "pkg/version/version_test.go": `package version

import "testing"

func TestDefaults(t *testing.T) {
	if Version == "" || GitCommit == "" {
		t.Fatal("empty defaults")
	}
}
`,
  "internal/probe/probe_test.go": `package probe

import "testing"

func TestReachesTheNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the network")
	}
	t.Fatal("no network here: this test runs only without -short")
}
`,
  Makefile: [
    "PKG := example.com/dns",
    "VERSION ?= $(shell git describe --tags --always)",
    "COMMIT ?= $(shell git rev-parse HEAD)",
    "GOLANGCI_LINT_VERSION ?= v2.14.0",
    "LDFLAGS := -s -w -X $(PKG)/pkg/version.Version=$(VERSION) \\",
    "\t-X $(PKG)/pkg/version.GitCommit=$(COMMIT)",
    "",
    "build:",
    '\tgo build -ldflags "$(LDFLAGS)" -o bin/dns .',
    "",
    "test:",
    "\tgo test -short ./...",
    "",
  ].join("\n"),
  "e2e/go.mod": "module example.com/dns/e2e\n\ngo 1.22\n",
  "e2e/e2e_test.go":
    'package e2e\n\nimport "testing"\n\nfunc  TestE2E(t *testing.T) { t.Skip("needs a cluster") }\n',
};

/** The chart's schema: a required zone, and image digests that must be digests. */
export const VALUES_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  required: ["config"],
  properties: {
    image: { $ref: "#/definitions/image" },
    webhook: { type: "object", properties: { image: { $ref: "#/definitions/image" } } },
    config: {
      type: "object",
      required: ["zone"],
      properties: { zone: { type: "string", minLength: 1 } },
    },
  },
  definitions: {
    image: {
      type: "object",
      additionalProperties: false,
      properties: {
        repository: { type: "string" },
        tag: { type: "string" },
        digest: { type: "string", pattern: "^sha256:[a-f0-9]{64}$" },
      },
    },
  },
};

/** A CRD with CEL rules: its schema's x-kubernetes-validations validate from Kubernetes 1.25. */
const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: records.dns.example.com
spec:
  group: dns.example.com
  names: { kind: Record, plural: records, singular: record }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              x-kubernetes-validations:
                - rule: "self.ttl > 0"
                  message: ttl must be positive
              properties:
                ttl: { type: integer }
`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  selector:
    matchLabels: { app: dns }
  template:
    metadata:
      labels: { app: dns }
    spec:
      containers:
        - name: controller
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          env:
            - name: ZONE
              value: {{ required "config.zone is required" .Values.config.zone | quote }}
        - name: webhook
          image: "{{ .Values.webhook.image.repository }}:{{ .Values.webhook.image.tag | default .Chart.AppVersion }}"
`;

/** The chart, under charts/dns. */
const CHART: Record<string, string> = {
  "charts/dns/Chart.yaml": 'apiVersion: v2\nname: dns\nversion: 0.1.0\nkubeVersion: ">=1.22.0-0"\n',
  "charts/dns/values.yaml":
    'image:\n  repository: registry.example/dns\n  tag: ""\nwebhook:\n  image:\n    repository: registry.example/dns-webhook\n    tag: ""\nconfig: {}\n',
  "charts/dns/values.schema.json": `${JSON.stringify(VALUES_SCHEMA, null, 2)}\n`,
  "charts/dns/templates/deployment.yaml": DEPLOYMENT,
  "charts/dns/templates/crd-record.yaml": CRD,
};

/** Every file of the repository before `pipeline init`. */
export function adoptRepoFiles(): Record<string, string> {
  return { ...GO, ...CHART, ".gitignore": ".out/\nbin/\n" };
}

/** The values each environment needs (the zone the chart requires), as a user writes them after init. */
export function environmentValues(environment: string): string {
  return `# ${environment} values of dns\nconfig:\n  zone: ${environment}.example.org\n`;
}
