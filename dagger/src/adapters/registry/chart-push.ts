/**
 * `chart push`: a packaged chart (.tgz) as an OCI artifact, the way `helm push` stores it — config
 * `application/vnd.cncf.helm.config.v1+json` (Chart.yaml as JSON), one layer
 * `application/vnd.cncf.helm.chart.content.v1.tar+gzip`, OCI annotations from Chart.yaml, tag =
 * chart version with `+` as `_` — so the real `helm pull oci://...` reads it.
 *
 * Reproducible: `helm package` dates every entry by the clock, so with a source date (the plan's
 * `created`) the pushed chart has each entry clamped to it and is gzipped the same way every time:
 * one commit's chart is the same blob on every run. Its `created` annotation is that date, or
 * without one the chart's own (its newest entry), never the time of the push.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { parse as parseYaml } from "yaml";
import { UsageError } from "../../core/errors.js";
import {
  isRegistryHostPort,
  isRepositoryName,
  MediaType,
  parseManifest,
  withoutUserInfo,
} from "../../core/registry/oci.js";
import { readTarEntry } from "../../core/registry/tar.js";
import { clampTarTimes, newestTarTime } from "../../core/release/reproducible.js";
import { epochOf, isoSeconds } from "../../core/release/source-date.js";
import { requireHelmChartName, requireOciTag, requireSemver, safeEcho } from "../../core/validate.js";
import { clients, type RegistryAccess } from "./connect.js";

/** Chart.yaml fields the artifact uses. */
export interface ChartMetadata {
  name: string;
  version: string;
  description?: string;
  home?: string;
  sources?: string[];
  maintainers?: { name?: string; email?: string }[];
  [key: string]: unknown;
}

/** The largest unpacked chart read (helm itself refuses charts over 20 MiB packed). */
const MAX_CHART_TAR_BYTES = 100 * 1024 * 1024;

/**
 * Reads Chart.yaml out of a packaged chart and checks what reaches the registry: the name follows
 * Helm's rule (lowercase letters, digits, `-`: no `/` or `..` a URL would resolve away) and the
 * version is semver (its tag, `+` as `_`, is then a valid OCI tag).
 */
export function chartMetadata(tgz: Buffer, file = "chart"): ChartMetadata {
  return chartContents(tgz, file).meta;
}

/** A packaged chart's tar and its Chart.yaml, checked as {@link chartMetadata} says. */
function chartContents(tgz: Buffer, file: string): { tar: Buffer; meta: ChartMetadata } {
  let tar: Buffer;
  try {
    tar = gunzipSync(tgz, { maxOutputLength: MAX_CHART_TAR_BYTES });
  } catch {
    throw new UsageError(
      `${file}: not a gzip archive, or larger than ${MAX_CHART_TAR_BYTES / 1024 / 1024} MiB unpacked (make one with helm package)`,
    );
  }
  const entry = readTarEntry(tar, (name) => /^[^/]+\/Chart\.yaml$/.test(name));
  if (!entry) throw new UsageError(`${file}: no <chart>/Chart.yaml inside (make it with helm package)`);
  let meta: ChartMetadata;
  try {
    meta = parseYaml(entry.toString("utf8"), { maxAliasCount: 100, uniqueKeys: true }) as ChartMetadata;
  } catch {
    throw new UsageError(`${file}: Chart.yaml inside is not valid YAML (check it with helm lint)`);
  }
  if (typeof meta !== "object" || meta === null || Array.isArray(meta))
    throw new UsageError(`${file}: Chart.yaml inside is not a mapping (check it with helm lint)`);
  if (!meta.name || !meta.version) throw new UsageError(`${file}: Chart.yaml has no name or version`);
  requireHelmChartName(meta.name, `${file}: Chart.yaml name`);
  requireSemver(meta.version, `${file}: Chart.yaml version`);
  requireOciTag(chartTag(meta.version), `${file}: Chart.yaml version as a tag`);
  return { tar, meta };
}

/**
 * The chart as pushed, and its `created`: with a source date (RFC 3339), every entry clamped to
 * it and the tar gzipped at a fixed level with no name or time in the gzip header; without one,
 * the bytes as given, dated by their newest entry.
 */
function reproducibleChart(
  tgz: Buffer,
  tar: Buffer,
  created: string | undefined,
): { chart: Buffer; created: string } {
  if (created === undefined) return { chart: tgz, created: isoSeconds(newestTarTime(tar)) };
  const epoch = epochOf(created);
  if (epoch === null)
    throw new UsageError(
      `chart push: created ${safeEcho(created)} is not an RFC 3339 time (e.g. 2026-01-02T03:04:05Z)`,
    );
  const clamped = clampTarTimes(tar, epoch);
  return { chart: clamped === tar ? tgz : gzipSync(clamped, { level: 9 }), created };
}

/** The OCI tag of a chart version, as helm push writes it: `+` becomes `_`. */
export function chartTag(version: string): string {
  return version.replaceAll("+", "_");
}

/** Splits `oci://host[/path]` into host and repository prefix, both checked. */
export function parseChartTarget(target: string): { host: string; path: string } {
  const shown = safeEcho(withoutUserInfo(target));
  const match = /^oci:\/\/([^/]+)\/?(.*)$/.exec(target);
  if (!match) throw new UsageError(`${shown} is not an oci:// URL (example: oci://ghcr.io/acme/charts)`);
  const [, host = "", rawPath = ""] = match;
  const path = rawPath.replace(/\/+$/, "");
  if (!isRegistryHostPort(host))
    throw new UsageError(
      `${shown}: registry ${host.includes("@") ? "with user info" : safeEcho(host)} is not a host[:port] (no user info or spaces)`,
    );
  if (path && !isRepositoryName(path))
    throw new UsageError(
      `${shown}: path ${safeEcho(path)} is not a repository path (lowercase letters, digits, . _ - and /, no ..)`,
    );
  return { host, path };
}

/** The manifest annotations helm writes for a chart (fields of the wrong type are left out). */
export function chartAnnotations(meta: ChartMetadata, created: string): Record<string, string> {
  const text = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  const annotations: Record<string, string> = {
    "org.opencontainers.image.title": meta.name,
    "org.opencontainers.image.version": meta.version,
    "org.opencontainers.image.created": created,
  };
  const description = text(meta.description);
  if (description) annotations["org.opencontainers.image.description"] = description;
  const home = text(meta.home);
  if (home) annotations["org.opencontainers.image.url"] = home;
  const source = Array.isArray(meta.sources) ? text(meta.sources[0]) : undefined;
  if (source) annotations["org.opencontainers.image.source"] = source;
  const maintainers = Array.isArray(meta.maintainers) ? meta.maintainers : [];
  const authors = maintainers
    .filter((m) => typeof m === "object" && m !== null)
    .map((m) => [text(m.name), text(m.email) && `(${m.email})`].filter(Boolean).join(" "))
    .filter(Boolean);
  if (authors.length) annotations["org.opencontainers.image.authors"] = authors.join(", ");
  return annotations;
}

/** What a chart push did. */
export interface ChartPushResult {
  ref: string;
  digest: string;
  name: string;
  version: string;
  /** False when the registry already had this exact chart under that tag. */
  changed: boolean;
}

/**
 * Pushes a packaged chart to `oci://registry/path` (the chart name is appended, like helm push).
 * `created`: the source date (RFC 3339) the chart is made reproducible with and annotated by.
 */
export async function pushChart(
  options: { chart: Buffer; file?: string; target: string; created?: string } & RegistryAccess,
): Promise<ChartPushResult> {
  // Everything is checked before the first request: a refused chart pushes nothing.
  const { host, path } = parseChartTarget(options.target);
  const contents = chartContents(options.chart, options.file ?? "chart");
  const { meta } = contents;
  const { chart, created } = reproducibleChart(options.chart, contents.tar, options.created);
  const repository = [path, meta.name].filter(Boolean).join("/");
  const tag = chartTag(meta.version);
  const client = clients(options)(host);
  const config = JSON.stringify(meta);
  const configDigest = await client.pushBlob(repository, config);
  const layerDigest = await client.pushBlob(repository, chart);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.helmConfig, digest: configDigest, size: Buffer.byteLength(config) },
    layers: [{ mediaType: MediaType.helmChart, digest: layerDigest, size: chart.length }],
    annotations: chartAnnotations(meta, created),
  });
  const stored = await client.getManifest(repository, tag);
  // Same chart bytes: keep the existing manifest (its created time) so a re-run changes nothing.
  if (stored) {
    const parsed = parseManifest(
      stored.bytes,
      stored.mediaType,
      `registry ${host}, repository ${repository}, ref ${tag}`,
    );
    if (parsed.kind === "image" && parsed.image.layers[0]?.digest === layerDigest) {
      return {
        ref: `oci://${host}/${repository}:${tag}`,
        digest: stored.digest,
        name: meta.name,
        version: meta.version,
        changed: false,
      };
    }
  }
  const digest = await client.putManifest(repository, tag, manifest, MediaType.ociManifest);
  return {
    ref: `oci://${host}/${repository}:${tag}`,
    digest,
    name: meta.name,
    version: meta.version,
    changed: true,
  };
}
