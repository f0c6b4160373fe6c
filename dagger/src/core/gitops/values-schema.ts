/**
 * Would a chart's `values.schema.json` accept one scalar at one key? `gitops init` asks before it
 * writes a placeholder (`image.tag: ""`, `image.digest: ""`) that the chart's own schema may
 * reject, which would make every render of that environment fail. This is not a JSON Schema
 * validator: it follows `properties`, `additionalProperties`, local `$ref`s and `allOf`/`anyOf`/
 * `oneOf` down one path and checks `type`, `enum`, `const`, `minLength`, `maxLength` and `pattern`
 * at its end; whatever it does not understand it accepts. Promotion renders the chart with helm,
 * which checks the whole schema, before anything is committed.
 */

type JsonSchema = Record<string, unknown>;

const isObject = (v: unknown): v is JsonSchema => typeof v === "object" && v !== null && !Array.isArray(v);

/** Follows a local `$ref` (`#/definitions/x`, `#/$defs/x`) a few times; anything else is left as is. */
function deref(node: JsonSchema, root: JsonSchema, depth = 0): JsonSchema {
  const ref = node.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/") || depth > 10) return node;
  let target: unknown = root;
  for (const part of ref.slice(2).split("/")) {
    target = isObject(target) ? target[part.replaceAll("~1", "/").replaceAll("~0", "~")] : undefined;
  }
  return isObject(target) ? deref(target, root, depth + 1) : {};
}

/** Does the schema `node` accept the string `value` itself (at the end of the path)? */
function acceptsScalar(node: JsonSchema, value: string): boolean {
  const type = node.type;
  const types = Array.isArray(type) ? type : type === undefined ? null : [type];
  if (types && !types.includes("string")) return false;
  if (Array.isArray(node.enum) && !node.enum.includes(value)) return false;
  if (node.const !== undefined && node.const !== value) return false;
  if (typeof node.minLength === "number" && value.length < node.minLength) return false;
  if (typeof node.maxLength === "number" && value.length > node.maxLength) return false;
  if (typeof node.pattern === "string") {
    try {
      if (!new RegExp(node.pattern, "u").test(value)) return false;
    } catch {
      // A pattern JavaScript can't compile: let helm judge it.
    }
  }
  return true;
}

/** Does `node` (under `root`) accept `value` at `path` below it? */
function accepts(
  node: JsonSchema,
  root: JsonSchema,
  path: readonly string[],
  value: string,
  depth = 0,
): boolean {
  if (depth > 50) return true;
  const here = deref(node, root);
  if (here === undefined || here === null) return true;
  if (
    Array.isArray(here.allOf) &&
    !here.allOf.every((s) => !isObject(s) || accepts(s, root, path, value, depth + 1))
  )
    return false;
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = here[key];
    if (
      Array.isArray(options) &&
      options.length > 0 &&
      !options.some((s) => !isObject(s) || accepts(s, root, path, value, depth + 1))
    )
      return false;
  }
  if (path.length === 0) return acceptsScalar(here, value);
  const type = here.type;
  const types = Array.isArray(type) ? type : type === undefined ? null : [type];
  if (types && !types.includes("object")) return false;
  const [head, ...rest] = path as [string, ...string[]];
  const properties = isObject(here.properties) ? here.properties : {};
  if (Object.hasOwn(properties, head)) {
    const child = properties[head];
    return isObject(child) ? accepts(child, root, rest, value, depth + 1) : child !== false;
  }
  if (isObject(here.patternProperties)) {
    for (const [pattern, child] of Object.entries(here.patternProperties)) {
      try {
        if (new RegExp(pattern, "u").test(head))
          return isObject(child) ? accepts(child, root, rest, value, depth + 1) : child !== false;
      } catch {
        // Not a JavaScript pattern: try the next.
      }
    }
  }
  if (here.additionalProperties === false) return false;
  return isObject(here.additionalProperties)
    ? accepts(here.additionalProperties, root, rest, value, depth + 1)
    : true;
}

/**
 * True when `schema` (a parsed values.schema.json; anything else accepts everything) allows the
 * string `value` at the dotted `key` (`image.tag`).
 */
export function schemaAccepts(schema: unknown, key: string, value: string): boolean {
  if (!isObject(schema)) return true;
  return accepts(schema, schema, key.split("."), value);
}
