/**
 * What the engine keeps of a context directory for an `ignore` list, modelled on moby's
 * patternmatcher (the matcher Dagger's `defaultPath` filter uses): patterns are relative to the
 * context root, `**` spans directories, `*` and `?` stay within one, a pattern that matches a
 * directory matches everything under it, `!` re-includes, and the last matching pattern wins.
 */

function patternRegExp(pattern: string): RegExp {
  const cleaned = pattern.replace(/^\/+/, "").replace(/\/+$/, "");
  let source = "";
  for (let i = 0; i < cleaned.length; i++) {
    const c = cleaned[i]!;
    if (c === "*" && cleaned[i + 1] === "*") {
      // `**/` also matches nothing (`**/x` matches `x` at the root).
      if (cleaned[i + 2] === "/") {
        source += "(?:.*/)?";
        i += 2;
      } else {
        source += ".*";
        i += 1;
      }
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/** True when the engine would exclude `path` (a file path relative to the root) for `ignore`. */
export function isExcluded(ignore: readonly string[], path: string): boolean {
  const parts = path.split("/");
  // The path and each of its parent directories: excluding a directory excludes its contents.
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  let excluded = false;
  for (const raw of ignore) {
    const negate = raw.startsWith("!");
    const re = patternRegExp(negate ? raw.slice(1) : raw);
    if (candidates.some((candidate) => re.test(candidate))) excluded = !negate;
  }
  return excluded;
}
