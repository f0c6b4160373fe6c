/**
 * Small Go services with a chart, built in temp dirs for the adopt-cases suite (issue #22's "done
 * when"): one main package per binary that prints the version its -X flag stamped, and a chart
 * whose Deployment runs each image key's container. What differs per case is the chart's
 * version line, how its template defaults the image tag, the git history (tags, release
 * branches) and which binaries no chart value reads.
 */
import { parseDocument } from "yaml";
import { git } from "./git.js";

/** What a service is made of. */
export interface ServiceShape {
  /** The app: the Go module's last element and the chart's name. */
  app: string;
  /** Binaries under cmd/; the first is the one the chart's `image` key runs. */
  binaries: string[];
  /** Chart.yaml's `version` and `appVersion`. */
  chart: { version: string; appVersion: string };
  /** How the template defaults the image tag: `.Chart.AppVersion`, or with a `v` before it. */
  tagDefault?: "appVersion" | "v-appVersion";
}

/** A main package that prints its stamped version (`version`), else serves nothing and exits. */
function mainGo(binary: string): string {
  return `package main

import (
	"fmt"
	"os"
)

// version is stamped with -X main.version at build time.
var version = "dev"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "version" {
		fmt.Println("${binary}", version)
		return
	}
	fmt.Println("${binary} runs")
}
`;
}

/** The Deployment of the chart's `image` key, its tag defaulted as `tagDefault` says. */
function deployment(tagDefault: ServiceShape["tagDefault"]): string {
  const fallback = tagDefault === "v-appVersion" ? '(printf "v%s" .Chart.AppVersion)' : ".Chart.AppVersion";
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels: { app: {{ .Chart.Name }}, chart: "{{ .Chart.Name }}-{{ .Chart.Version }}" }
spec:
  selector:
    matchLabels: { app: {{ .Chart.Name }} }
  template:
    metadata:
      labels: { app: {{ .Chart.Name }} }
    spec:
      containers:
        - name: app
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default ${fallback} }}"
`;
}

/** Chart.yaml at a version and appVersion. */
export function chartYaml(app: string, version: string, appVersion: string): string {
  return `apiVersion: v2\nname: ${app}\nversion: ${version}\nappVersion: "${appVersion}"\n`;
}

/** Every file of the service. */
export function serviceFiles(shape: ServiceShape): Record<string, string> {
  const files: Record<string, string> = {
    "go.mod": `module example.com/${shape.app}\n\ngo 1.22\n`,
    ".gitignore": ".out/\n",
    [`charts/${shape.app}/Chart.yaml`]: chartYaml(shape.app, shape.chart.version, shape.chart.appVersion),
    [`charts/${shape.app}/values.yaml`]: `image:\n  repository: registry.example/${shape.app}\n  tag: ""\n`,
    [`charts/${shape.app}/templates/deployment.yaml`]: deployment(shape.tagDefault),
  };
  for (const binary of shape.binaries) files[`cmd/${binary}/main.go`] = mainGo(binary);
  return files;
}

/** Commits everything in `repo` as `message`; returns the commit. */
export function commitAll(repo: string, message: string): string {
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "--allow-empty", "-m", message);
  return git(repo, "rev-parse", "HEAD");
}

/** An annotated release tag at HEAD. */
export function tagRelease(repo: string, tag: string): void {
  git(repo, "tag", "-a", tag, "-m", `release ${tag}`);
}

/**
 * pipeline.yaml as `init` wrote it, with what init cannot know set as a user would: the test
 * registry, a base image that needs no pull, one platform, the gitops repository; `edit` sets
 * anything else (YAML paths to values). Comments and init's other keys are kept.
 */
export function adjustConfig(
  text: string,
  settings: { registry: string; base: string; charts: string },
  edit: [path: (string | number)[], value: unknown][] = [],
): string {
  const doc = parseDocument(text);
  doc.setIn(["image", "registry"], settings.registry);
  doc.setIn(["image", "base"], settings.base);
  doc.setIn(["image", "user"], "");
  doc.setIn(["chart", "registry"], settings.charts);
  doc.set("platforms", ["linux/amd64"]);
  doc.set("coverage", { minimum: 0 });
  doc.setIn(["gitops", "repo"], "https://git.example/acme/gitops.git");
  for (const [path, value] of edit) doc.setIn(path, value);
  return doc.toString({ lineWidth: 0 });
}
