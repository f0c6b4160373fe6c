/**
 * Chart.yaml as the pipeline reads it: a mapping whose `name` follows Helm's chart name rule and
 * whose `version` is a semver string. Pure: the caller reads the file (from a chart folder or a
 * packaged .tgz). `version: 1.0` is a YAML number, not a version: it is refused with a hint to
 * quote it, instead of failing later where a string was expected.
 */
import { UsageError } from "./errors.js";
import { describeType, isHelmChartName, isSemver, safeEcho } from "./validate.js";
import { parseYamlInput } from "./yaml-input.js";

/** The fields of Chart.yaml the pipeline relies on, checked; the rest kept as written. */
export interface ChartYaml {
  name: string;
  version: string;
  appVersion?: string;
  [key: string]: unknown;
}

/** Parses and checks Chart.yaml text; `file` names it in messages. Throws {@link UsageError}. */
export function parseChartYaml(text: string, file: string): ChartYaml {
  const raw = parseYamlInput(text, file, 'fix the syntax, e.g. "name: sample-app"');
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new UsageError(`${file}: must be a mapping with name and version, got ${describeType(raw)}`);
  }
  const meta = raw as Record<string, unknown>;
  const field = (key: string): unknown => (Object.hasOwn(meta, key) ? meta[key] : undefined);
  const name = field("name");
  const version = field("version");
  if (name === undefined || version === undefined) {
    throw new UsageError(`${file}: has no name or version (example: name: sample-app, version: 1.2.3)`);
  }
  if (!isHelmChartName(name)) {
    throw new UsageError(
      `${file}: name ${safeEcho(name)} is not a Helm chart name (lowercase letters, digits and -, e.g. sample-app)`,
    );
  }
  if (typeof version !== "string") {
    throw new UsageError(
      `${file}: version must be a string, got ${describeType(version)} ${safeEcho(version)} (quote it, e.g. version: "1.0.0")`,
    );
  }
  if (!isSemver(version)) {
    throw new UsageError(`${file}: version ${safeEcho(version)} is not a semantic version (e.g. 1.2.3)`);
  }
  const appVersion = field("appVersion");
  if (appVersion !== undefined && typeof appVersion !== "string" && typeof appVersion !== "number") {
    throw new UsageError(`${file}: appVersion must be a string, got ${describeType(appVersion)}`);
  }
  return {
    ...meta,
    name,
    version,
    ...(appVersion !== undefined ? { appVersion: String(appVersion) } : {}),
  };
}
