/**
 * `pipeline init`: decides a starting pipeline.yaml, workflows and environment files from a listing
 * of a repository (adapters/init/repo-scan.ts reads it): the Go side (go-plan.ts), the chart, its
 * image keys (chart-scan.ts, images-plan.ts) and its CRDs (crd-scan.ts), the default branch and
 * the owner. Pure: data in, files out.
 */
import { stringify } from "yaml";
import { noChartReason } from "../chart/discovery.js";
import { configRegistryHosts } from "../registry/logins.js";
import { findChart } from "./chart-scan.js";
import { chartKubernetesVersion } from "./crd-scan.js";
import { planGo } from "./go-plan.js";
import { type Binary, findModule } from "./go-scan.js";
import { imagesFor } from "./images-plan.js";
import type { RepoListing } from "./listing.js";
import { githubLogins } from "./registry-logins.js";
import { planVersioning } from "./version-plan.js";
import { initWorkflows } from "./workflows.js";

/** What `pipeline init` writes and what it found. */
export interface InitPlan {
  /** Files to write, repo-relative, pipeline.yaml first. */
  files: { path: string; text: string }[];
  /** What was detected or left to the user, one line each. */
  findings: string[];
}

/** A DNS label from any name: lowercase, `-` for anything else, at most 53 characters. */
function dnsName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 53)
    .replace(/-+$/, "");
  return cleaned || "app";
}

/** ghcr.io/<owner> for a GitHub origin, else null. */
function githubOwner(originUrl: string | null): { owner: string; repo: string } | null {
  const m = /github\.com[/:]([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(originUrl ?? "");
  return m ? { owner: m[1]!.toLowerCase(), repo: m[2]! } : null;
}

function isBranchName(name: string): boolean {
  return /^[A-Za-z0-9._/-]{1,255}$/.test(name) && !name.startsWith("-") && !name.includes("..");
}

/** Decides the files `pipeline init` writes for `listing`; `module` is the `dagger -m` ref the workflows call. */
export function planInit(listing: RepoListing, options: { module: string; schema: string }): InitPlan {
  const findings: string[] = [];
  const module = findModule(listing);
  const app = dnsName(
    module?.path
      ? module.path
          .replace(/\/v\d+$/, "")
          .split("/")
          .pop()!
      : listing.name,
  );
  const config: Record<string, unknown> = { app };
  if (options.module && !options.module.startsWith("/")) config.module = options.module;
  const defaultBranch =
    listing.defaultBranch && isBranchName(listing.defaultBranch) ? listing.defaultBranch : "main";
  config.defaultBranch = defaultBranch;
  findings.push(
    `default branch: ${defaultBranch}${listing.defaultBranch ? "" : " (no origin/HEAD; assumed)"}`,
  );

  let binaries: Binary[] = [];
  if (!module) {
    findings.push("no go.mod found: set go.source to the folder of your Go module");
  } else {
    const go = planGo(listing, module, app, findings);
    binaries = go.binaries;
    config.go = go.go;
    if (go.test) config.test = go.test;
  }

  const owner = githubOwner(listing.originUrl);
  const image: Record<string, unknown> = {};
  if (owner) image.registry = `ghcr.io/${owner.owner}`;
  if (Object.keys(image).length) config.image = image;

  const chart = findChart(listing, app);
  const images = imagesFor(app, binaries, chart, listing, findings);
  if (images) config.images = images;
  if (chart) {
    const kube = chartKubernetesVersion(listing, chart.path, chart.kubeVersion);
    const fit = planVersioning(listing, chart.path, listing.tags ?? [], findings);
    config.chart = {
      path: chart.path,
      ...(owner ? { registry: `oci://ghcr.io/${owner.owner}/charts` } : {}),
      ...(kube ? { kubernetesVersion: kube.version } : {}),
      ...fit.chart,
    };
    Object.assign(image, fit.image);
    if (Object.keys(image).length) config.image = image;
    findings.push(
      `chart ${chart.name} in ${chart.path}: image values ${chart.images.map((i) => i.key).join(", ") || "none found"}`,
    );
    if (kube) {
      findings.push(
        `chart-lint checks Kubernetes ${kube.version}: the chart's CRDs use ${kube.why}, which Kubernetes takes from ${kube.version}${chart.kubeVersion ? ` (the chart's kubeVersion ${chart.kubeVersion} admits older ones)` : ""}`,
      );
    }
  } else {
    findings.push(`${noChartReason()}: add one and set chart.path`);
  }

  const required = chart?.required ?? [];
  if (required.length) {
    findings.push(
      `the chart's values.schema.json requires ${required.join(", ")}, which its values.yaml leaves unset: set ${required.length === 1 ? "it" : "them"} in each environments/<env>/values.yaml (chart-lint and promotion render with them)`,
    );
  }
  config.environments = { staging: {}, uat: {}, prod: { promotion: "manual", verify: true } };
  config.gitops = { repo: "" };
  findings.push("gitops.repo is empty: set it to the repository Argo CD syncs from before promoting");
  if (owner) config.source = { url: `https://github.com/${owner.owner}/${owner.repo}` };

  const hosts = configRegistryHosts({
    image: { registry: typeof image.registry === "string" ? image.registry : "" },
    chart: { registry: (config.chart as { registry?: string } | undefined)?.registry },
  });
  findings.push(workflowSecrets(hosts));
  const requires = required.length
    ? `# The chart's values.schema.json requires ${required.join(", ")}: set ${required.length === 1 ? "it" : "them"} here.\n`
    : "";
  const files = [
    { path: "pipeline.yaml", text: configText(config, options.schema) },
    ...Object.keys(config.environments as object).map((env) => ({
      path: `environments/${env}/values.yaml`,
      text: `# ${env} overrides of the chart's values.yaml; chart-lint renders the chart with them, and\n# pipeline gitops init starts the gitops repository's copy from them. Promotion writes the image\n# tags into that copy, not here.\n${requires}{}\n`,
    })),
    // preview.valuesFile's default: the values every pull request's preview shares.
    {
      path: "environments/preview.yaml",
      text: `# Values every pull request's preview shares (its image tags and host come from its Application);\n# chart-lint renders the chart with them, and pipeline gitops init starts the gitops copy from them.\n${requires}{}\n`,
    },
    ...initWorkflows(options.module, defaultBranch, hosts),
  ];
  return { files, findings };
}

/**
 * `pipeline init --workflows`: only the workflows, for the default branch and the registries of
 * the config already there (after its registries changed, the logins follow).
 */
export function planWorkflows(
  config: {
    defaultBranch: string;
    image: { registry: string; registries?: readonly string[]; releaseRegistry?: string };
    chart?: { registry?: string };
  },
  module: string,
): InitPlan {
  const hosts = configRegistryHosts(config);
  return {
    files: initWorkflows(module, config.defaultBranch, hosts),
    findings: [workflowSecrets(hosts)],
  };
}

/**
 * The finding that says which secrets the workflows read for the registries: GITHUB_TOKEN for
 * ghcr.io (the job's own), a pair of repository secrets for any other host.
 */
export function workflowSecrets(hosts: readonly string[]): string {
  const logins = githubLogins(hosts);
  const own = logins.secrets.length ? `; create the repository secrets ${logins.secrets.join(", ")}` : "";
  return `the workflows log in to ${hosts.length ? hosts.join(", ") : "ghcr.io"}${logins.packages ? " (ghcr.io with the job's GITHUB_TOKEN)" : ""}${own}, and read GITOPS_TOKEN for the gitops repository`;
}

/**
 * Where an editor finds pipeline.yaml's JSON Schema: the file at the module's git ref on GitHub,
 * else `localSchema` (the copy beside a local module).
 */
export function schemaLocation(module: string, localSchema: string): string {
  const m = /^github\.com\/([^/@]+)\/([^/@]+)@([^/\s]+)$/.exec(module);
  return m ? `https://raw.githubusercontent.com/${m[1]}/${m[2]}/${m[3]}/pipeline.schema.json` : localSchema;
}

function configText(config: Record<string, unknown>, schema: string): string {
  return [
    `# yaml-language-server: $schema=${schema}`,
    "# Written by `pipeline init`: check it, then run `pipeline config check`. Every key: docs/config.md.",
    stringify(config, { lineWidth: 0 }),
  ].join("\n");
}
