/** A tiny glob matcher for branch rules: `*` matches within one path segment, `**` across them. */

/** True when `name` matches `pattern` (`feat/*` matches `feat/login` but not `feat/a/b`). */
export function matchGlob(pattern: string, name: string): boolean {
  const source = pattern
    .split(/(\*\*|\*|\?)/)
    .map((part) => {
      if (part === "**") return ".*";
      if (part === "*") return "[^/]*";
      if (part === "?") return "[^/]";
      return part.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${source}$`).test(name);
}
