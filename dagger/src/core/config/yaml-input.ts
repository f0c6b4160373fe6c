/**
 * Parses YAML that comes from outside (pipeline.yaml, Chart.yaml, values files): syntax errors name
 * the line and column, and aliases are capped so a "billion laughs" file is one usage error, not a
 * hung process or a stack trace. Pure: the caller reads the file.
 */
import { isAlias, LineCounter, parseDocument, visit } from "yaml";
import { UsageError } from "../errors.js";
import { escapeControl } from "../validate.js";

/** How many alias expansions a document may need before it counts as an attack. */
export const MAX_ALIAS_COUNT = 100;

/**
 * Parses `text` read from `file` into plain data. `hint` ends a syntax error's message with what to
 * do (e.g. `fix the syntax, e.g. "app: sample-app"`). Throws {@link UsageError}.
 */
export function parseYamlInput(text: string, file: string, hint: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    const where = `:${pos.line}:${pos.col}`;
    throw new UsageError(
      `${file}${where}: not valid YAML: ${escapeControl(first.message.split("\n")[0] ?? "").slice(0, 200)} (${hint})`,
      { cause: first },
    );
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    let where = "";
    visit(doc, {
      Alias(_, node) {
        if (isAlias(node) && node.range) {
          const pos = lineCounter.linePos(node.range[0]);
          where = `:${pos.line}:${pos.col}`;
          return visit.BREAK;
        }
      },
    });
    throw new UsageError(
      `${file}${where}: too many YAML aliases (more than ${MAX_ALIAS_COUNT} expansions; write the values out instead of nesting anchors)`,
      { cause: error },
    );
  }
}
