/**
 * A tiny declarative validator for pipeline.yaml: each field knows its type, default, an example of
 * a right value and one line of documentation, so validation messages and docs/config.md come from
 * the same table. Kept in-house because it is ~150 lines and keeps the module's dependencies few.
 *
 * Values are echoed only through {@link safeEcho} (cut, control characters escaped), a non-mapping
 * top level only by its type: the file may be a link to something secret. Maps come back as
 * null-prototype objects and refuse `__proto__`/`constructor`/`prototype` keys, so a lookup by a
 * user-given name never reaches Object.prototype.
 */
import { describeType, FORBIDDEN_KEYS, safeEcho, safeKey } from "../validate.js";

/** A validation problem at one key path, with an example of a right value. */
export interface SchemaIssue {
  path: string;
  problem: string;
  example: string;
}

/** Thrown by {@link validate} at the first problem found. */
export class SchemaError extends Error {
  readonly issue: SchemaIssue;

  constructor(issue: SchemaIssue) {
    super(`${issue.path}: ${issue.problem} (example: ${issue.example})`);
    this.issue = issue;
  }
}

/** One node of the schema tree. */
export type Schema =
  | {
      kind: "string";
      doc: string;
      example: string;
      default?: string;
      pattern?: RegExp;
      patternHint?: string;
      /** At most this many characters. */
      maxLength?: number;
      /** A further check: returns the problem in words, or null when the value is fine. */
      check?: (value: string) => string | null;
    }
  | { kind: "number"; doc: string; example: string; default?: number; min?: number; max?: number }
  | { kind: "boolean"; doc: string; example: string; default?: boolean }
  | { kind: "enum"; doc: string; values: readonly string[]; default?: string }
  | { kind: "array"; doc: string; example: string; items: Schema; default?: unknown[] }
  | { kind: "object"; doc: string; fields: Record<string, Schema>; required?: readonly string[] }
  | { kind: "map"; doc: string; example: string; values: Schema; default?: Record<string, unknown> };

/**
 * Describes a value for messages: its type, and for a scalar below the top level a short escaped
 * excerpt (`string "abc"`, `the number 3`). The top level gets its type only.
 */
function describe(value: unknown, path: string): string {
  if (value === null || typeof value === "object" || value === undefined) return describeType(value);
  if (!path) return describeType(value);
  if (typeof value === "number") return `the number ${safeEcho(value)}`;
  return `${typeof value} ${safeEcho(value, 40)}`;
}

function exampleOf(schema: Schema): string {
  switch (schema.kind) {
    case "enum":
      return schema.values.join(" | ");
    case "object":
      return `{ ${Object.keys(schema.fields).slice(0, 3).join(", ")}${Object.keys(schema.fields).length > 3 ? ", ..." : ""} }`;
    default:
      return schema.example;
  }
}

function fail(path: string, problem: string, schema: Schema): never {
  throw new SchemaError({ path: path || "(top level)", problem, example: exampleOf(schema) });
}

function join(path: string, key: string | number): string {
  return typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${safeKey(key)}` : safeKey(key);
}

/** Suggests the closest known key for a typo ("platfroms" -> "platforms"). */
function closest(key: string, known: readonly string[]): string | undefined {
  if (key.length > 64) return undefined;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/**
 * Runs one check; with a `sink`, a {@link SchemaError} is recorded there and validation goes on
 * with the next key (the value is left out), so a file's problems are all reported at once.
 */
function attempt<T>(sink: SchemaIssue[] | undefined, run: () => T): T | undefined {
  if (!sink) return run();
  try {
    return run();
  } catch (error) {
    if (!(error instanceof SchemaError)) throw error;
    sink.push(error.issue);
    return undefined;
  }
}

/**
 * Validates `value` against `schema` and returns it with defaults filled in.
 * Throws {@link SchemaError} naming the key path of the first problem; with a `sink` (see
 * {@link validateAll}) every problem is pushed there instead.
 */
export function validate(schema: Schema, value: unknown, path = "", sink?: SchemaIssue[]): unknown {
  switch (schema.kind) {
    case "string": {
      if (value === undefined) return schema.default;
      if (typeof value !== "string") fail(path, `must be a string, got ${describe(value, path)}`, schema);
      if (schema.maxLength !== undefined && value.length > schema.maxLength) {
        fail(path, `is ${value.length} characters long, more than ${schema.maxLength}`, schema);
      }
      if (schema.pattern && !schema.pattern.test(value)) {
        fail(
          path,
          `${safeEcho(value)} is not ${schema.patternHint ?? `of the form ${schema.pattern}`}`,
          schema,
        );
      }
      const problem = schema.check?.(value);
      if (problem) fail(path, `${safeEcho(value)} ${problem}`, schema);
      return value;
    }
    case "number": {
      if (value === undefined) return schema.default;
      if (typeof value !== "number" || Number.isNaN(value)) {
        fail(path, `must be a number, got ${describe(value, path)}`, schema);
      }
      if (schema.min !== undefined && value < schema.min)
        fail(path, `must be at least ${schema.min}`, schema);
      if (schema.max !== undefined && value > schema.max) fail(path, `must be at most ${schema.max}`, schema);
      return value;
    }
    case "boolean": {
      if (value === undefined) return schema.default;
      if (typeof value !== "boolean")
        fail(path, `must be true or false, got ${describe(value, path)}`, schema);
      return value;
    }
    case "enum": {
      if (value === undefined) return schema.default;
      if (typeof value !== "string" || !schema.values.includes(value)) {
        fail(path, `must be one of ${schema.values.join(", ")}, got ${describe(value, path)}`, schema);
      }
      return value;
    }
    case "array": {
      if (value === undefined)
        return schema.default === undefined ? undefined : structuredClone(schema.default);
      if (!Array.isArray(value)) fail(path, `must be a list, got ${describe(value, path)}`, schema);
      return value.map((item, i) => attempt(sink, () => validate(schema.items, item, join(path, i), sink)));
    }
    case "map": {
      if (value === undefined || value === null) {
        if (schema.default === undefined) return undefined;
        // A default map goes through its values' schema too, so their defaults are filled in here
        // and nowhere else (`environments: { staging: {} }` and no environments at all agree).
        value = structuredClone(schema.default);
      }
      if (typeof value !== "object" || Array.isArray(value)) {
        fail(path, `must be a mapping, got ${describe(value, path)}`, schema);
      }
      const out: Record<string, unknown> = Object.create(null);
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        if (FORBIDDEN_KEYS.includes(key)) {
          attempt(sink, () => fail(join(path, key), "is a reserved name and cannot be a key here", schema));
          continue;
        }
        const resolved = attempt(sink, () => validate(schema.values, item ?? {}, join(path, key), sink));
        if (resolved !== undefined) out[key] = resolved;
      }
      return out;
    }
    case "object": {
      const input = value ?? {};
      if (typeof input !== "object" || Array.isArray(input)) {
        fail(path, `must be a mapping, got ${describe(input, path)}`, schema);
      }
      const record = input as Record<string, unknown>;
      const known = Object.keys(schema.fields);
      for (const key of Object.keys(record)) {
        if (!Object.hasOwn(schema.fields, key)) {
          const hint = closest(key, known);
          attempt(sink, () =>
            fail(
              join(path, key),
              `unknown key${hint ? ` (did you mean "${hint}"?)` : ""}; known keys here: ${known.join(", ")}`,
              schema,
            ),
          );
        }
      }
      const own = (key: string): unknown => (Object.hasOwn(record, key) ? record[key] : undefined);
      for (const key of schema.required ?? []) {
        if (own(key) === undefined || own(key) === null) {
          attempt(sink, () => fail(join(path, key), "is required", schema.fields[key]!));
        }
      }
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(schema.fields)) {
        const resolved = attempt(sink, () =>
          validate(field, own(key) === null ? undefined : own(key), join(path, key), sink),
        );
        if (resolved !== undefined) out[key] = resolved;
      }
      return out;
    }
  }
}

/**
 * Validates like {@link validate} but never stops at the first problem: returns the value with
 * defaults filled in (keys with a problem left out) and every problem found, in file order.
 */
export function validateAll(schema: Schema, value: unknown): { value: unknown; issues: SchemaIssue[] } {
  const issues: SchemaIssue[] = [];
  const resolved = attempt(issues, () => validate(schema, value, "", issues));
  return { value: resolved, issues };
}

/**
 * The problems of one file as one line: a single problem as `path: problem (example: ...)`, several
 * as `N problems: (1) ...; (2) ...`.
 */
export function describeIssues(issues: readonly SchemaIssue[]): string {
  return describeProblems(
    issues.map((issue) => `${issue.path}: ${issue.problem} (example: ${issue.example})`),
  );
}

/** Problems, each `key: what is wrong`, as one line: one as is, several numbered. */
export function describeProblems(problems: readonly string[]): string {
  if (problems.length === 1) return problems[0]!;
  return `${problems.length} problems: ${problems.map((problem, i) => `(${i + 1}) ${problem}`).join("; ")}`;
}

/** One documented key: used to render docs/config.md from the schema itself. */
export interface SchemaDocRow {
  path: string;
  type: string;
  default: string;
  doc: string;
}

/** Flattens a schema into documentation rows, depth first, in declaration order. */
export function documentSchema(schema: Schema, path = ""): SchemaDocRow[] {
  const typeName = (s: Schema): string =>
    s.kind === "enum" ? s.values.join(" \\| ") : s.kind === "array" ? `list of ${typeName(s.items)}` : s.kind;
  const defaultOf = (s: Schema): string =>
    "default" in s && s.default !== undefined ? JSON.stringify(s.default) : "";
  if (schema.kind === "object") {
    const rows: SchemaDocRow[] = path ? [{ path, type: "object", default: "", doc: schema.doc }] : [];
    for (const [key, field] of Object.entries(schema.fields))
      rows.push(...documentSchema(field, join(path, key)));
    return rows;
  }
  if (schema.kind === "map") {
    return [
      { path, type: "map", default: defaultOf(schema), doc: schema.doc },
      ...documentSchema(schema.values, `${path}.<name>`).filter(
        (row) => row.path !== `${path}.<name>` || schema.values.kind !== "object",
      ),
    ];
  }
  if (schema.kind === "array" && schema.items.kind === "object") {
    return [
      { path, type: "list", default: defaultOf(schema), doc: schema.doc },
      ...documentSchema(schema.items, `${path}[]`).filter((row) => row.path !== `${path}[]`),
    ];
  }
  return [{ path, type: typeName(schema), default: defaultOf(schema), doc: schema.doc }];
}
