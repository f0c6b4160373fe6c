/**
 * `pipeline init`: decides a starting pipeline.yaml, workflows and environment files from a listing
 * of a repository (adapters/init/repo-scan.ts reads it): the Go module (go-scan.ts), the chart and
 * its image keys (chart-scan.ts), the default branch and the owner. Pure: data in, files out.
 */
import { stringify } from "yaml";
import { noChartReason } from "../chart/discovery.js";
import { type Chart, findChart, ownImageKeys } from "./chart-scan.js";
import { type Binary, findBinaries, findModule, findVersionVars, missingEmbeds } from "./go-scan.js";
import { type RepoListing } from "./listing.js";
import { initWorkflows } from "./workflows.js";

/** What `pipeline init` writes and what it found. */
export interface InitPlan {
  /** Files to write, repo-relative, pipeline.yaml first. */
  files: { path: string; text: string }[];
  /** What was detected or left to the user, one line each. */
  findings: string[];
}

/** Top-level folders of static files a server may read at run time. */
const STATIC_DIRS = ["ui", "web", "static", "public", "assets"];

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
    const go: Record<string, unknown> = { source: module.dir };
    binaries = findBinaries(listing, module, app, findings);
    const declared = binaries.filter((b) => b.rel !== `cmd/${b.name}`);
    if (declared.length) {
      go.binaries = Object.fromEntries(
        declared.map((b) => [b.name, { main: b.rel === "." ? "./" : `./${b.rel}` }]),
      );
    }
    findings.push(
      `Go module ${module.path || "(unnamed)"} in ${module.dir}: binaries ${binaries.map((b) => `${b.name} (${b.rel === "." ? "./" : `./${b.rel}`})`).join(", ") || "none"}`,
    );
    for (const missing of missingEmbeds(listing, module)) {
      findings.push(
        `${missing.file} embeds ${missing.pattern}, which isn't in the repository: it is built, not committed, so build it before go build (e.g. in CI before the pipeline)`,
      );
    }
    const vars = findVersionVars(listing, module);
    if (!vars) {
      findings.push(
        "no version variable found: add `var version, commit string` to package main so binaries report their version",
      );
    } else {
      const x = (name: string | undefined, field: string) =>
        name ? [`-X ${vars.pkg}.${name}={{.${field}}}`] : [];
      const flags = [...x(vars.version, "Version"), ...x(vars.commit, "Commit"), ...x(vars.date, "Date")];
      const isDefault =
        vars.pkg === "main" && vars.version === "version" && vars.commit === "commit" && !vars.date;
      if (!isDefault) go.ldflags = ["-s -w", ...flags].join(" ");
      findings.push(`version variables: ${flags.join(" ")}`);
    }
    config.go = go;
  }

  const owner = githubOwner(listing.originUrl);
  const image: Record<string, unknown> = {};
  if (owner) image.registry = `ghcr.io/${owner.owner}`;
  if (Object.keys(image).length) config.image = image;

  const chart = findChart(listing, app);
  const images = imagesFor(app, binaries, chart, listing, findings);
  if (images) config.images = images;
  if (chart) {
    config.chart = {
      path: chart.path,
      ...(owner ? { registry: `oci://ghcr.io/${owner.owner}/charts` } : {}),
    };
    findings.push(
      `chart ${chart.name} in ${chart.path}: image values ${chart.images.map((i) => i.key).join(", ") || "none found"}`,
    );
  } else {
    findings.push(`${noChartReason()}: add one and set chart.path`);
  }

  config.environments = { staging: {}, uat: {}, prod: { promotion: "manual", verify: true } };
  config.gitops = { repo: "" };
  findings.push("gitops.repo is empty: set it to the repository Argo CD syncs from before promoting");
  if (owner) config.source = { url: `https://github.com/${owner.owner}/${owner.repo}` };

  const files = [
    { path: "pipeline.yaml", text: configText(config, options.schema) },
    ...Object.keys(config.environments as object).map((env) => ({
      path: `environments/${env}/values.yaml`,
      text: `# ${env} overrides of the chart's values.yaml; chart-lint renders the chart with them.\n# Promotion writes the image tags into the gitops repository's copy, not here.\n{}\n`,
    })),
    ...initWorkflows(options.module, defaultBranch),
  ];
  return { files, findings };
}

/**
 * The `images:` section: one image with every binary (on PATH) when the chart reads one image key,
 * one image per binary when the keys name the binaries, a Dockerfile build when there are no
 * binaries; nothing when the defaults (`images.<binary>`) already fit.
 */
function imagesFor(
  app: string,
  binaries: readonly Binary[],
  chart: Chart | null,
  listing: RepoListing,
  findings: string[],
): Record<string, unknown> | undefined {
  const keys = ownImageKeys(chart?.images ?? [], app, binaries);
  if (binaries.length === 0) {
    const dockerfile = ["Dockerfile", "build/Dockerfile", "docker/Dockerfile"].find((f) =>
      listing.files.includes(f),
    );
    if (!dockerfile) return undefined;
    findings.push(`no Go main package: building ${dockerfile} instead`);
    return { [app]: { dockerfile, context: ".", ...(keys.length === 1 ? { values: keys[0] } : {}) } };
  }
  if (keys.length > 0 && binaries.every((b) => keys.includes(`images.${b.name}`))) return undefined;
  if (keys.length === 1) {
    const primary =
      binaries.find((b) => b.name === app) ?? binaries.find((b) => b.name === "server") ?? binaries[0]!;
    const ordered = [primary, ...binaries.filter((b) => b !== primary)];
    // Static folders a server commonly reads from its working directory (/app) at run time.
    const statics = STATIC_DIRS.filter((d) =>
      listing.files.some((f) => f.startsWith(`${d}/`) && !f.endsWith(".go")),
    );
    findings.push(
      `one image ${app} with ${ordered.map((b) => b.name).join(", ")} on PATH, values ${keys[0]}${statics.length ? `, ${statics.join(", ")} copied to /app` : ""}`,
    );
    return {
      [app]: {
        binaries: Object.fromEntries(ordered.map((b) => [b.name, `/usr/local/bin/${b.name}`])),
        ...(statics.length ? { files: Object.fromEntries(statics.map((d) => [d, `/app/${d}`])) } : {}),
        entrypoint: [`/usr/local/bin/${primary.name}`],
        values: keys[0],
      },
    };
  }
  const matched = binaries.map((b) => ({ b, key: keys.find((k) => k.split(".").includes(b.name)) }));
  if (keys.length > 1 && matched.every((m) => m.key)) {
    return Object.fromEntries(
      matched.map(({ b, key }) => [
        `${app}-${b.name}`,
        { binaries: { [b.name]: `/app/${b.name}` }, values: key },
      ]),
    );
  }
  if (keys.length) {
    findings.push(
      `the chart's image keys (${keys.join(", ")}) don't name the binaries: set images.<name>.values for each image`,
    );
  }
  return undefined;
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
