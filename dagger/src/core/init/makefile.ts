/**
 * Just enough of a Makefile for `pipeline init`: its logical lines (backslash continuations
 * joined), simple variable assignments, `$(VAR)`/`${VAR}` expansion, and a target's recipe. No
 * Make runs: the text is read, so a recipe's shell (`$(shell git describe)`) stays text.
 */

/** The Makefile's lines with `\` continuations joined and comments (outside recipes) removed. */
export function logicalLines(text: string): string[] {
  const joined = text.replace(/\\\r?\n[ \t]*/g, " ");
  return joined
    .split(/\r?\n/)
    .map((line) => (line.startsWith("\t") ? line : line.replace(/(^|[^\\])#.*$/, "$1")));
}

/** `NAME = value`, `NAME := value`, `NAME ?= value`, `NAME ::= value` (and `export NAME = ...`). */
const ASSIGNMENT = /^\s*(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(\?|::|:|\+|!)?=\s*(.*?)\s*$/;

/**
 * The variables a Makefile assigns: the first `?=`, else the last plain assignment, as Make does
 * when nothing comes from the environment; `+=` appends.
 */
export function makeVariables(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of logicalLines(text)) {
    if (line.startsWith("\t")) continue;
    const m = ASSIGNMENT.exec(line);
    if (!m) continue;
    const [, name, op, value] = m as unknown as [string, string, string | undefined, string];
    if (op === "?" && vars.has(name)) continue;
    if (op === "+") vars.set(name, `${vars.get(name) ?? ""} ${value}`.trim());
    else vars.set(name, value);
  }
  return vars;
}

/** Expands `$(VAR)` and `${VAR}` from `vars`, a few levels deep; unknown ones and `$(shell ...)` stay as written. */
export function expandMake(value: string, vars: ReadonlyMap<string, string>, depth = 5): string {
  let out = value;
  for (let i = 0; i < depth; i++) {
    const next = out.replace(/\$[({]([A-Za-z_][A-Za-z0-9_.-]*)[)}]/g, (whole, name: string) =>
      vars.has(name) ? vars.get(name)! : whole,
    );
    if (next === out) break;
    out = next;
  }
  return out;
}

/** The recipe lines (tab-indented, tab removed) of `target` (`test:` or `test: deps`), or [] when it has none. */
export function recipeOf(text: string, target: string): string[] {
  const lines = logicalLines(text);
  const recipe: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (line.startsWith("\t")) {
      if (inside) recipe.push(line.slice(1).replace(/^[@+-]+/, ""));
      continue;
    }
    if (line.trim() === "") continue;
    const rule = /^([^:=#\t][^:=#]*?)\s*::?(?!=)(.*)$/.exec(line);
    inside = rule ? rule[1]!.split(/\s+/).includes(target) : false;
  }
  return recipe;
}

/** True for the file names Make reads: Makefile, makefile, GNUmakefile, and included `*.mk` files. */
export function isMakefile(path: string): boolean {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return base === "Makefile" || base === "makefile" || base === "GNUmakefile" || base.endsWith(".mk");
}
