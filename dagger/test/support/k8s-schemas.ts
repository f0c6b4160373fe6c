/**
 * Offline Kubernetes JSON schemas for kubeconform. kubeconform downloads its schemas from GitHub by
 * default, which our machines cannot reach (real users' CI keeps the default). The Kubernetes
 * OpenAPI v2 spec ships inside the k8s.io/kubernetes module on the Go module proxy, so we take it
 * from there and write one standalone schema per kind, named the way kubeconform's
 * `{{ .ResourceKind }}{{ .KindSuffix }}.json` template expects (deployment-apps-v1.json,
 * service-v1.json), strict like kubeconform's -strict schemas (no unknown properties), and with
 * `null` allowed for every optional field as kubeconform's own schemas do (its
 * scripts/openapi2jsonschema.py, `allow_null_optional_fields`): a chart rendering `limits:` with
 * nothing under it is valid there and to the API server, so it must be valid here too.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

type JsonSchema = { [key: string]: unknown };

/** kubeconform's template for a local schema directory. */
export function schemaLocation(dir: string): string {
  return `${dir}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
}

/** The file name kubeconform looks up for a group/version/kind. */
export function schemaFileName(group: string, version: string, kind: string): string {
  const groupPrefix = group ? `-${group.split(".")[0]!.toLowerCase()}` : "";
  return `${kind.toLowerCase()}${groupPrefix}-${version.toLowerCase()}.json`;
}

// Types the OpenAPI spec describes as plain strings but that accept numbers in manifests.
const SPECIAL: Record<string, JsonSchema> = {
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": { oneOf: [{ type: "string" }, { type: "integer" }] },
  "io.k8s.apimachinery.pkg.api.resource.Quantity": { oneOf: [{ type: "string" }, { type: "number" }] },
};

/** Bumped when the conversion changes, so a cached directory from an older one is rebuilt. */
const FORMAT = "2";
const FORMAT_MARKER = `.format-${FORMAT}`;

function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (!node || typeof node !== "object") return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) out[key] = strict(value);
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  if (out.format === "int-or-string") return { oneOf: [{ type: "string" }, { type: "integer" }] };
  return out;
}

/**
 * Lets every property not listed in its object's `required` be `null` as well (see the file
 * comment). Walks schemas, not plain JSON: a field may be named `properties` or `required`.
 */
function nullableOptional(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (schema.properties && typeof schema.properties === "object") {
    const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
    out.properties = Object.fromEntries(
      Object.entries(schema.properties as Record<string, JsonSchema>).map(([name, property]) => {
        const walked = nullableOptional(property);
        const optional = !required.has(name) && typeof walked.type === "string" && walked.type !== "null";
        return [name, optional ? { ...walked, type: [walked.type, "null"] } : walked];
      }),
    );
  }
  if (schema.items && typeof schema.items === "object" && !Array.isArray(schema.items))
    out.items = nullableOptional(schema.items as JsonSchema);
  if (schema.additionalProperties && typeof schema.additionalProperties === "object")
    out.additionalProperties = nullableOptional(schema.additionalProperties as JsonSchema);
  return out;
}

function refsOf(node: unknown, found: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) refsOf(item, found);
  } else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") found.add(value.replace("#/definitions/", ""));
      else refsOf(value, found);
    }
  }
}

/** Converts a Kubernetes swagger.json into per-kind schema files in `outDir`; returns how many. */
export function convertSwagger(swagger: { definitions: Record<string, JsonSchema> }, outDir: string): number {
  const definitions: Record<string, JsonSchema> = {};
  for (const [name, def] of Object.entries(swagger.definitions)) {
    definitions[name] = SPECIAL[name] ?? nullableOptional(strict(def) as JsonSchema);
  }
  let written = 0;
  for (const [name, def] of Object.entries(swagger.definitions)) {
    const gvks = def["x-kubernetes-group-version-kind"] as
      | { group: string; version: string; kind: string }[]
      | undefined;
    if (!gvks || !def.properties) continue;
    // Keep only the definitions this kind reaches, so each file stands alone and stays small.
    const needed = new Set<string>();
    const queue = [name];
    while (queue.length) {
      const current = queue.pop()!;
      if (needed.has(current)) continue;
      needed.add(current);
      const refs = new Set<string>();
      refsOf(definitions[current], refs);
      queue.push(...refs);
    }
    needed.delete(name);
    const schema = {
      ...definitions[name],
      definitions: Object.fromEntries([...needed].map((n) => [n, definitions[n]])),
    };
    for (const gvk of gvks) {
      writeFileSync(join(outDir, schemaFileName(gvk.group, gvk.version, gvk.kind)), JSON.stringify(schema));
      written++;
    }
  }
  return written;
}

/**
 * Returns a directory holding the schemas for Kubernetes `version`, generating it once (cached in
 * $K8S_SCHEMA_DIR or ~/.cache/pipeline/k8s-schemas/<version>).
 */
export function ensureK8sSchemas(version: string): string {
  const dir = process.env.K8S_SCHEMA_DIR ?? join(homedir(), ".cache", "pipeline", "k8s-schemas", version);
  if (existsSync(join(dir, FORMAT_MARKER))) return dir;
  const work = join(tmpdir(), `k8s-schemas-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const info = JSON.parse(
    execFileSync("go", ["mod", "download", "-json", `k8s.io/kubernetes@v${version}`], {
      cwd: work,
      encoding: "utf8",
    }),
  ) as { Zip?: string; Error?: string };
  if (!info.Zip)
    throw new Error(`go mod download k8s.io/kubernetes@v${version} failed: ${info.Error ?? "no zip"}`);
  const swagger = execFileSync(
    "unzip",
    ["-p", info.Zip, `k8s.io/kubernetes@v${version}/api/openapi-spec/swagger.json`],
    {
      maxBuffer: 256 * 1024 * 1024,
      encoding: "utf8",
    },
  );
  const staging = `${dir}.partial-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  convertSwagger(JSON.parse(swagger), staging);
  writeFileSync(join(staging, FORMAT_MARKER), "");
  mkdirSync(join(dir, ".."), { recursive: true });
  // A directory from an older conversion moves aside first; rename last, so a crash never leaves
  // a half-written cache that looks complete. Another process may have finished first: fine.
  if (existsSync(dir)) renameSync(dir, `${dir}.old-${process.pid}`);
  try {
    renameSync(staging, dir);
  } catch (error) {
    if (!existsSync(join(dir, FORMAT_MARKER))) throw error;
    rmSync(staging, { recursive: true, force: true });
  }
  rmSync(`${dir}.old-${process.pid}`, { recursive: true, force: true });
  return dir;
}
