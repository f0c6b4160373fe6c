/**
 * The Kubernetes version a chart's CRDs need: chart-lint validates each CustomResourceDefinition
 * against the Kubernetes schema of its version, and a CRD using a field newer than that version
 * (CEL rules, `x-kubernetes-validations`) fails there. init raises chart-lint's version when the
 * chart's own `kubeVersion` floor is older than its CRDs need.
 */
import { DEFAULT_KUBERNETES_VERSION, lowestKubeVersion } from "../chart/discovery.js";
import type { RepoListing } from "./listing.js";

/**
 * CRD schema fields and the first Kubernetes version that takes them: CEL rules
 * (`x-kubernetes-validations`) are in the API from 1.23 but behind an alpha gate until 1.25, when
 * they are on by default; `messageExpression` came in 1.27, `reason` and `fieldPath` in 1.28,
 * `optionalOldSelf` in 1.29 (each read from that release's OpenAPI spec).
 */
export const CRD_FEATURES: readonly { field: RegExp; name: string; since: string }[] = [
  { field: /x-kubernetes-validations\s*:/, name: "x-kubernetes-validations", since: "1.25.0" },
  { field: /^\s*-?\s*messageExpression\s*:/m, name: "messageExpression", since: "1.27.0" },
  {
    field: /^\s*-?\s*(?:reason|fieldPath)\s*:\s*(?:"?\.|FieldValue)/m,
    name: "a validation reason or fieldPath",
    since: "1.28.0",
  },
  { field: /^\s*-?\s*optionalOldSelf\s*:/m, name: "optionalOldSelf", since: "1.29.0" },
];

const parts = (v: string) => v.split(".").map(Number);
const newer = (a: string, b: string) => {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
  return false;
};

/** The newest version the CRD texts need and why, or null when they need nothing special. */
export function crdNeeds(texts: readonly string[]): { version: string; why: string } | null {
  let need: { version: string; why: string } | null = null;
  for (const text of texts) {
    if (!/kind:\s*CustomResourceDefinition/.test(text)) continue;
    for (const feature of CRD_FEATURES) {
      if (feature.field.test(text) && (!need || newer(feature.since, need.version)))
        need = { version: feature.since, why: feature.name };
    }
  }
  return need;
}

/**
 * `chart.kubernetesVersion` to write for the chart at `chartPath`, or null when chart-lint's
 * default (the `kubeVersion` floor, else 1.31.0) already fits its CRDs.
 */
export function chartKubernetesVersion(
  listing: RepoListing,
  chartPath: string,
  kubeVersion: string | null,
): { version: string; why: string } | null {
  const texts = listing.files
    .filter((f) => f.startsWith(`${chartPath}/`) && /\.ya?ml$/.test(f) && listing.texts[f] !== undefined)
    .map((f) => listing.texts[f]!);
  const need = crdNeeds(texts);
  if (!need) return null;
  const floor = lowestKubeVersion(kubeVersion) ?? DEFAULT_KUBERNETES_VERSION;
  return newer(need.version, floor) ? need : null;
}
