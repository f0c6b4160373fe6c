/**
 * Where kubeconform reads the Kubernetes JSON schemas from (`-schema-location`), so chart-lint runs
 * offline or air-gapped: `chart.schemaLocation` in pipeline.yaml (kubeconform's own syntax: the
 * keyword `default`, an http(s) URL template, or a path; here a path in the repository), after
 * any location the caller adds for this run (the module's `--schemas` folder, the host's
 * KUBECONFORM_SCHEMA_LOCATION). None at all: kubeconform's default download from GitHub.
 */
import { hasControlChars, hasCredentials } from "../validate.js";

/** Where the module mounts a `--schemas` folder in the kubeconform container. */
export const MOUNTED_SCHEMAS_DIR = "/schemas";

/**
 * The location template of a folder of schemas named `<kind>-<group>-<version>.json`
 * (deployment-apps-v1.json, service-v1.json): what kubeconform's openapi2jsonschema.py writes with
 * `FILENAME_FORMAT={kind}-{group}-{version}`, and test/support/k8s-schemas.ts generates.
 */
export function folderSchemaLocation(dir: string): string {
  return `${dir.replace(/\/+$/, "")}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
}

const isUrl = (value: string) => /^https?:\/\//i.test(value);

/** Why a `chart.schemaLocation` entry is refused, or null: `default`, an http(s) URL, or a path inside the repository under a folder. */
export function schemaLocationProblem(value: string): string | null {
  if (hasControlChars(value)) return "must be one line without control characters";
  if (value.length > 500) return "is longer than 500 characters";
  if (value === "default") return null;
  if (isUrl(value)) return hasCredentials(value) ? "must not carry credentials" : null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(value))
    return "is not `default`, an http(s) URL or a path in the repository";
  if (value.startsWith("/") || value.startsWith("-")) return "must be a path relative to the repository root";
  if (value.split("/").includes("..")) return "must not contain ..";
  if (!schemaFolder(value)) return "must name a folder of the repository before any {{ }} template";
  return null;
}

/**
 * The repository folder a local location reads (what the module mounts for it): the path before
 * its first template, without the file part; a location without a template that is not a .json
 * file is a folder itself. Undefined for `default` and URLs.
 */
export function schemaFolder(location: string): string | undefined {
  if (location === "default" || isUrl(location)) return undefined;
  const fixed = location.split("{{")[0]!;
  const folder =
    fixed !== location || location.endsWith(".json") ? fixed.slice(0, fixed.lastIndexOf("/") + 1) : location;
  const trimmed = folder.replace(/\/+$/, "").replace(/^(\.\/)+/, "");
  return trimmed === "" || trimmed === "." ? undefined : trimmed;
}

/** The `-schema-location` values of a run: the caller's own first (tried first by kubeconform), then the configured ones. */
export function schemaLocations(configured: readonly string[], extra: readonly string[] = []): string[] {
  return [...extra, ...configured];
}
