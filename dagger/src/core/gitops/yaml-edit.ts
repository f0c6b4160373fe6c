/**
 * Edits of YAML text that keep everything else byte for byte: comments, key order, quoting and
 * untouched lines. An existing scalar is replaced in place using the parser's source ranges; only
 * a key that does not exist yet goes through the Document API (which may reflow its parent).
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  parse as parseYaml,
  Scalar,
} from "yaml";
import { UsageError } from "../errors.js";

/** Splits `spec.sources[0].targetRevision` into `["spec", "sources", 0, "targetRevision"]`. */
export function parseKeyPath(key: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const segment of key.split(".")) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(segment);
    if (!m || (!m[1] && !m[2]))
      throw new UsageError(
        `"${key}" is not a key path (example: image.tag or spec.sources[0].targetRevision)`,
      );
    if (m[1]) parts.push(m[1]);
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) parts.push(Number(index[1]));
  }
  return parts;
}

function parseText(text: string, file: string) {
  const doc = parseDocument(text, { keepSourceTokens: true });
  const error = doc.errors[0];
  if (error) {
    const line = error.linePos?.[0]?.line;
    throw new UsageError(
      `${file}${line ? `:${line}` : ""}: not valid YAML: ${error.message.split("\n")[0]} (fix the file in the gitops repo)`,
    );
  }
  return doc;
}

/** How a new value is written where there was `previous`: keep its quoting, quote when plain would change its type. */
function render(value: string, previous: Scalar | undefined): string {
  if (previous?.type === Scalar.QUOTE_SINGLE) return `'${value.replaceAll("'", "''")}'`;
  if (previous?.type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  const plainSafe = value !== "" && /^[^\s#:'"{}[\],&*!|>%@`-][^#]*$/.test(value) && !/[\s:]$/.test(value);
  return plainSafe && parseYaml(value) === value ? value : JSON.stringify(value);
}

/** Reads the value at a key path, or undefined. */
export function getValue(text: string, key: string, file = "file"): unknown {
  const doc = parseText(text, file);
  const path = parseKeyPath(key);
  checkShape(doc, path.slice(0, -1), file, key);
  const node = doc.getIn(path, true);
  if (isScalar(node)) return node.value;
  if (node === undefined) return undefined;
  if (isAlias(node)) throw new UsageError(`${file}: ${key} is a YAML alias; write the value out`);
  return (node as { toJSON(): unknown }).toJSON();
}

function kindOf(node: unknown): string {
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isAlias(node)) return "a YAML alias";
  return "a single value";
}

/**
 * Walks `path` and throws a one-line UsageError where the file's shape does not fit it (a list
 * where a mapping is needed, an alias, a scalar in the middle), instead of the parser's own
 * exception deeper down.
 */
function checkShape(doc: Document, path: readonly (string | number)[], file: string, key: string): void {
  let node: unknown = doc.contents;
  for (let i = 0; i < path.length; i++) {
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return;
    const segment = path[i]!;
    const where = i === 0 ? "the top level" : path.slice(0, i).join(".");
    const fits = typeof segment === "number" ? isSeq(node) : isMap(node);
    if (!fits) {
      throw new UsageError(
        `${file}: cannot set ${key}: ${where} is ${kindOf(node)}, not ${typeof segment === "number" ? "a list" : "a mapping"}; fix the file or the key`,
      );
    }
    node = (node as { get(k: unknown, keepScalar: true): unknown }).get(segment, true);
  }
  if (isAlias(node)) {
    throw new UsageError(`${file}: cannot set ${key}: it is a YAML alias; write the value out`);
  }
}

/** Sets the scalar at `key` to `value` and returns the new text; unchanged text when already equal. */
export function setValue(text: string, key: string, value: string, file = "file"): string {
  const doc = parseText(text, file);
  const path = parseKeyPath(key);
  checkShape(doc, path, file, key);
  const node = doc.getIn(path, true);
  if (isScalar(node) && node.range) {
    if (node.value === value || (String(node.value) === value && typeof node.value === "string")) return text;
    const [start, end] = node.range;
    return text.slice(0, start) + render(value, node) + text.slice(end);
  }
  if (node !== undefined && node !== null && !isScalar(node)) {
    throw new UsageError(
      `${file}: ${key} is a ${isMap(node) ? "mapping" : isSeq(node) ? "list" : "value"}, not a single value; fix the file or the key`,
    );
  }
  // The key does not exist yet: let the Document API add it (the parent may be reformatted). An
  // empty parent (`images:` with nothing after it) becomes a mapping first.
  for (let i = 1; i < path.length; i++) {
    const step = doc.getIn(path.slice(0, i), true);
    if (isScalar(step) && step.value === null) doc.setIn(path.slice(0, i), doc.createNode({}));
  }
  const parentPath = path.slice(0, -1);
  const parent = parentPath.length ? doc.getIn(parentPath, true) : doc.contents;
  if (parentPath.length && parent !== undefined && !isMap(parent) && !isSeq(parent)) {
    throw new UsageError(`${file}: cannot set ${key}: ${parentPath.join(".")} is not a mapping`);
  }
  doc.setIn(path, value);
  return doc.toString();
}

/** Applies several key changes to one file's text. */
export function applyChanges(
  text: string,
  changes: readonly { key: string; value: string }[],
  file = "file",
): string {
  return changes.reduce((current, change) => setValue(current, change.key, change.value, file), text);
}
