/**
 * How `pipeline init` versions the chart and tags the images, from what the repository shows:
 * a chart on its own version line (Chart.yaml's `appVersion` is the newest release while its
 * `version` is not) gets `chart.version: chart`; templates that add a `v` to `.Chart.AppVersion`
 * (`v{{ .Chart.AppVersion }}`, `printf "v%s" .Chart.AppVersion`) get `chart.appVersion: version`
 * with `image.tagFormat: tag`, so the tag they default to is the tag that was pushed. Pure.
 */
import { parse } from "yaml";
import * as semver from "../release/semver.js";
import { newestRelease } from "../release/version.js";
import { inside, type RepoListing } from "./listing.js";

/** What init writes under `chart` and `image` for versions and tags (nothing: the defaults). */
export interface VersionFit {
  chart: { version?: "chart"; appVersion?: "version" };
  image: { tagFormat?: "tag" };
}

/** A template that puts a `v` before `.Chart.AppVersion`, as Go templates write it. */
const V_APP_VERSION = [
  /\bv\{\{-?\s*\.Chart\.AppVersion\s*-?\}\}/,
  /\bprintf\s+"v%s"\s+\.Chart\.AppVersion\b/,
  /\bprint\s+"v"\s+\.Chart\.AppVersion\b/,
];

/** The first of the chart's templates (sorted) that adds a `v` to `.Chart.AppVersion`, or null. */
export function vPrefixedAppVersion(listing: RepoListing, chartPath: string): string | null {
  const templates = `${chartPath === "." ? "" : `${chartPath}/`}templates`;
  return (
    [...listing.files]
      .filter((f) => inside(templates, f))
      .sort()
      .find((f) => V_APP_VERSION.some((re) => re.test(listing.texts[f] ?? ""))) ?? null
  );
}

/** Chart.yaml's `version` and `appVersion` as semver without `v`, each null when absent or not semver. */
export function chartVersions(chartYaml: string): { version: string | null; appVersion: string | null } {
  type Meta = { version?: unknown; appVersion?: unknown } | null;
  let meta: Meta;
  try {
    meta = parse(chartYaml) as Meta;
  } catch {
    meta = null;
  }
  const valid = (v: unknown) =>
    typeof v === "string" || typeof v === "number" ? semver.valid(String(v).replace(/^v/, "")) : null;
  return { version: valid(meta?.version), appVersion: valid(meta?.appVersion) };
}

/**
 * Decides the versioning keys for the chart at `chartPath`, with `tags` the repository's tags;
 * says in `findings` what it set and why, or what it could not tell.
 */
export function planVersioning(
  listing: RepoListing,
  chartPath: string,
  tags: readonly string[],
  findings: string[],
): VersionFit {
  const fit: VersionFit = { chart: {}, image: {} };
  const { version, appVersion } = chartVersions(listing.texts[`${chartPath}/Chart.yaml`] ?? "");
  const newest = newestRelease(tags);
  if (version && newest && version !== newest.version) {
    if (appVersion === newest.version) {
      fit.chart.version = "chart";
      findings.push(
        `chart.version: chart: Chart.yaml's version ${version} is a line of its own (its appVersion ${appVersion} is the newest release, ${newest.tag}); a release pushes the chart only when ${chartPath} changed, at a higher Chart.yaml version`,
      );
    } else {
      findings.push(
        `Chart.yaml's version ${version} is not the newest release's (${newest.tag}): the chart is pushed at the app's version; if it has a version line of its own, set chart.version: chart`,
      );
    }
  }
  const template = vPrefixedAppVersion(listing, chartPath);
  if (template) {
    fit.chart.appVersion = "version";
    fit.image.tagFormat = "tag";
    const unprefixed = newest && !newest.tag.startsWith("v");
    findings.push(
      `chart.appVersion: version and image.tagFormat: tag: ${template} puts a v before .Chart.AppVersion, so a release v1.2.3 is pushed as image tag v1.2.3 with appVersion 1.2.3${unprefixed ? `; your newest release tag ${newest.tag} has no v, so that default names a tag this repository never pushes: tag releases v<version>` : ""}`,
    );
  }
  return fit;
}
