/**
 * The JSON Schema of pipeline.yaml, rendered from the same schema table that validates the file and
 * writes docs/config.md, so an editor (yaml-language-server, VS Code, JetBrains) completes and
 * checks exactly what `config check` accepts. Checks written as functions (paths without `..`,
 * registries, templates) have no JSON Schema form; the editor sees their doc line and example, and
 * `config check` still runs them. Pure: the script in scripts/ writes the file.
 */
import { parse } from "yaml";
import { FORBIDDEN_KEYS } from "../validate.js";
import { CONFIG_SCHEMA } from "./config.js";
import type { Schema } from "./schema.js";

/** The file name the JSON Schema is shipped under, at the repository root. */
export const JSON_SCHEMA_FILE = "pipeline.schema.json";

/** A JSON Schema (draft-07) node. */
export type JsonSchema = Record<string, unknown>;

/** An example written as YAML in the table (`[linux/amd64]`), as the value it stands for. */
function exampleValue(schema: Schema & { example: string }): unknown {
  if (schema.kind === "string") return schema.example;
  try {
    return parse(schema.example);
  } catch {
    return undefined;
  }
}

/** Converts one node of the schema table into JSON Schema. */
export function toJsonSchema(schema: Schema): JsonSchema {
  const out: JsonSchema = { description: schema.doc };
  if ("default" in schema && schema.default !== undefined) out.default = schema.default;
  if ("example" in schema) {
    const example = exampleValue(schema);
    if (example !== undefined && example !== null) out.examples = [example];
  }
  switch (schema.kind) {
    case "string":
      out.type = "string";
      if (schema.pattern) out.pattern = schema.pattern.source;
      if (schema.maxLength !== undefined) out.maxLength = schema.maxLength;
      return out;
    case "number":
      out.type = "number";
      if (schema.min !== undefined) out.minimum = schema.min;
      if (schema.max !== undefined) out.maximum = schema.max;
      return out;
    case "boolean":
      out.type = "boolean";
      return out;
    case "enum":
      out.type = "string";
      out.enum = [...schema.values];
      return out;
    case "array":
      out.type = "array";
      out.items = toJsonSchema(schema.items);
      return out;
    case "map":
      // A key with nothing under it (`staging:`) means "all defaults", so null is allowed too.
      out.type = ["object", "null"];
      out.propertyNames = { not: { enum: [...FORBIDDEN_KEYS] } };
      out.additionalProperties = nullable(toJsonSchema(schema.values));
      return out;
    case "object":
      out.type = "object";
      out.properties = Object.fromEntries(
        Object.entries(schema.fields).map(([key, field]) => [key, toJsonSchema(field)]),
      );
      if (schema.required?.length) out.required = [...schema.required];
      out.additionalProperties = false;
      return out;
  }
}

/** An object node that also accepts null, as the validator does for `key:` with nothing under it. */
function nullable(node: JsonSchema): JsonSchema {
  return node.type === "object" ? { ...node, type: ["object", "null"] } : node;
}

/** The whole JSON Schema document of pipeline.yaml, as the text shipped in {@link JSON_SCHEMA_FILE}. */
export function renderJsonSchema(schema: Schema = CONFIG_SCHEMA): string {
  const document = {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "pipeline.yaml",
    ...toJsonSchema(schema),
    description: "The release pipeline's config file. Every key and its default: docs/config.md.",
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
