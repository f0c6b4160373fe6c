/** What `pipeline init` reads of the Helm chart: which chart, and the values keys holding its images. */
import { parse } from "yaml";
import { isShippedChartFile, kubeVersionOf } from "../chart/discovery.js";
import type { Binary } from "./go-scan.js";
import { baseOf, dirOf, type RepoListing } from "./listing.js";

/** An image a chart's values name: the key of the mapping and its `repository`. */
export interface ImageValues {
  key: string;
  repository: string;
}

/** The images of a chart's values: every mapping holding a `repository` string, by dotted key. */
export function imageValuesKeys(values: unknown, prefix = "", depth = 0): ImageValues[] {
  if (!values || typeof values !== "object" || Array.isArray(values) || depth > 3) return [];
  const record = values as Record<string, unknown>;
  if (prefix && typeof record.repository === "string")
    return [{ key: prefix, repository: record.repository }];
  return Object.entries(record).flatMap(([key, value]) =>
    /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)
      ? imageValuesKeys(value, prefix ? `${prefix}.${key}` : key, depth + 1)
      : [],
  );
}

export interface Chart {
  path: string;
  name: string;
  images: ImageValues[];
  /** Chart.yaml's `kubeVersion` constraint, or null. */
  kubeVersion: string | null;
  /** Top-level values its values.schema.json requires that its values.yaml leaves unset (each environment must give them). */
  required: string[];
}

/** The top-level keys `schema` requires that `values` leaves absent or null. */
export function unsetRequired(schema: unknown, values: unknown): string[] {
  const required = (schema as { required?: unknown } | null)?.required;
  if (!Array.isArray(required)) return [];
  const given =
    values && typeof values === "object" && !Array.isArray(values) ? (values as Record<string, unknown>) : {};
  return required.filter(
    (key): key is string => typeof key === "string" && (!Object.hasOwn(given, key) || given[key] === null),
  );
}

/**
 * The chart's image keys that hold this repository's images: those whose repository names the app
 * or a binary (`ghcr.io/acme/shop`), not a dependency's (`docker.io/redis`); all of them when
 * none does.
 */
export function ownImageKeys(
  images: readonly ImageValues[],
  app: string,
  binaries: readonly Binary[],
): string[] {
  const names = [app, ...binaries.map((b) => b.name)];
  const own = images.filter((image) => {
    const last = image.repository.split("/").pop()!.split(/[:@]/)[0]!.toLowerCase();
    return names.some((name) => last.includes(name));
  });
  return (own.length ? own : images).map((image) => image.key);
}

export function findChart(listing: RepoListing, app: string): Chart | null {
  // The charts config resolution would find (core/chart/discovery.ts), sub-charts excluded.
  const charts = listing.files
    .filter(isShippedChartFile)
    .map((f) => {
      let name = baseOf(dirOf(f));
      let kubeVersion: string | null = null;
      try {
        const meta = parse(listing.texts[f] ?? "") as { name?: unknown } | null;
        if (typeof meta?.name === "string") name = meta.name;
        kubeVersion = kubeVersionOf(meta);
      } catch {
        // An unreadable Chart.yaml still names a chart folder; chart-lint will say what is wrong.
      }
      let images: ImageValues[] = [];
      let required: string[] = [];
      try {
        const values = parse(listing.texts[`${dirOf(f)}/values.yaml`] ?? "{}");
        images = imageValuesKeys(values);
        const schema = listing.texts[`${dirOf(f)}/values.schema.json`];
        if (schema) required = unsetRequired(JSON.parse(schema), values);
      } catch {
        // Unreadable values or schema: chart-lint says what is wrong with them.
      }
      return { path: dirOf(f), name, images, kubeVersion, required };
    })
    .sort((a, b) => Number(b.name === app) - Number(a.name === app) || a.path.localeCompare(b.path));
  return charts[0] ?? null;
}
