/**
 * `chart push`: a packaged chart (.tgz) as an OCI artifact, the way `helm push` stores it — config
 * `application/vnd.cncf.helm.config.v1+json` (Chart.yaml as JSON), one layer
 * `application/vnd.cncf.helm.chart.content.v1.tar+gzip`, OCI annotations from Chart.yaml, tag =
 * chart version with `+` as `_` — so the real `helm pull oci://...` reads it.
 */
import { gunzipSync } from "node:zlib";
import { parse as parseYaml } from "yaml";
import { UsageError } from "../../core/errors.js";
import { digestOf, MediaType } from "../../core/oci.js";
import { readTarEntry } from "../../core/tar.js";
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

/** Reads Chart.yaml out of a packaged chart. */
export function chartMetadata(tgz: Buffer, file = "chart"): ChartMetadata {
  let tar: Buffer;
  try {
    tar = gunzipSync(tgz);
  } catch {
    throw new UsageError(`${file}: not a gzip archive (make one with helm package)`);
  }
  const entry = readTarEntry(tar, (name) => /^[^/]+\/Chart\.yaml$/.test(name));
  if (!entry) throw new UsageError(`${file}: no <chart>/Chart.yaml inside (make it with helm package)`);
  const meta = parseYaml(entry.toString("utf8")) as ChartMetadata;
  if (!meta?.name || !meta.version) throw new UsageError(`${file}: Chart.yaml has no name or version`);
  return meta;
}

/** The manifest annotations helm writes for a chart. */
export function chartAnnotations(meta: ChartMetadata, created: string): Record<string, string> {
  const annotations: Record<string, string> = {
    "org.opencontainers.image.title": meta.name,
    "org.opencontainers.image.version": meta.version,
    "org.opencontainers.image.created": created,
  };
  if (meta.description) annotations["org.opencontainers.image.description"] = meta.description;
  if (meta.home) annotations["org.opencontainers.image.url"] = meta.home;
  if (meta.sources?.[0]) annotations["org.opencontainers.image.source"] = meta.sources[0];
  if (meta.maintainers?.length) {
    annotations["org.opencontainers.image.authors"] = meta.maintainers
      .map((m) => [m.name, m.email && `(${m.email})`].filter(Boolean).join(" "))
      .join(", ");
  }
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

/** Pushes a packaged chart to `oci://registry/path` (the chart name is appended, like helm push). */
export async function pushChart(
  options: { chart: Buffer; file?: string; target: string; created?: string } & RegistryAccess,
): Promise<ChartPushResult> {
  const match = /^oci:\/\/([^/]+)\/?(.*)$/.exec(options.target);
  if (!match)
    throw new UsageError(`"${options.target}" is not an oci:// URL (example: oci://ghcr.io/acme/charts)`);
  const [, host = "", path = ""] = match;
  const meta = chartMetadata(options.chart, options.file);
  const repository = [path.replace(/\/+$/, ""), meta.name].filter(Boolean).join("/");
  const tag = meta.version.replaceAll("+", "_");
  const client = clients(options)(host);
  const config = JSON.stringify(meta);
  const configDigest = await client.pushBlob(repository, config);
  const layerDigest = await client.pushBlob(repository, options.chart);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.helmConfig, digest: configDigest, size: Buffer.byteLength(config) },
    layers: [{ mediaType: MediaType.helmChart, digest: layerDigest, size: options.chart.length }],
    annotations: chartAnnotations(meta, options.created ?? new Date().toISOString()),
  });
  const existing = await client.resolve(repository, tag);
  // Same chart bytes: keep the existing manifest (its created time) so a re-run changes nothing.
  if (existing) {
    const stored = await client.getManifest(repository, tag);
    const layers =
      stored && (JSON.parse(stored.bytes.toString()) as { layers?: { digest: string }[] }).layers;
    if (layers?.[0]?.digest === layerDigest) {
      return {
        ref: `oci://${host}/${repository}:${tag}`,
        digest: existing.digest,
        name: meta.name,
        version: meta.version,
        changed: false,
      };
    }
  }
  const digest = await client.putManifest(repository, tag, manifest, MediaType.ociManifest);
  return {
    ref: `oci://${host}/${repository}:${tag}`,
    digest: digest || digestOf(manifest),
    name: meta.name,
    version: meta.version,
    changed: true,
  };
}
