/**
 * The `go test` flags a repository's own Makefile runs its unit tests with (`make test`): `-short`
 * to leave out slow or networked tests, build `-tags`, a `-timeout`, `-skip`. init writes them as
 * `test.flags`, so the pipeline's test stage runs what the repository runs.
 */
import { dirOf, type RepoListing } from "./listing.js";
import { expandMake, isMakefile, makeVariables, recipeOf } from "./makefile.js";

/** The targets that run a repository's unit tests, in the order looked at. */
const TEST_TARGETS = ["test", "unit-test", "test-unit", "unit", "tests"];

/** A flag worth carrying over, with or without `=` (`-tags integration` is `-tags=integration`). */
const CARRIED = /(?:^|\s)--?(short|tags|timeout|skip)(?:(?:=|\s+)('[^']*'|"[^"]*"|[^\s-][^\s]*))?(?=\s|$)/g;

/** The flags of the `go test` commands in `lines` (a recipe), as `test.flags` items. */
export function goTestFlags(lines: readonly string[]): string[] {
  const flags: string[] = [];
  for (const line of lines) {
    const at = line.search(/\bgo\s+test\b/);
    if (at < 0) continue;
    for (const m of line.slice(at).matchAll(CARRIED)) {
      const name = m[1]!;
      const value = m[2]?.replace(/^['"]|['"]$/g, "");
      if (name === "short") flags.push("-short");
      else if (value && !value.includes("$") && /^\S+$/.test(value)) flags.push(`-${name}=${value}`);
    }
  }
  return [...new Set(flags)];
}

/** The flags the repository's root (or `goSource`) Makefile runs its unit tests with; [] when none. */
export function makefileTestFlags(listing: RepoListing, goSource: string): string[] {
  const makefiles = listing.files.filter(
    (f) =>
      isMakefile(f) &&
      !f.endsWith(".mk") &&
      (dirOf(f) === "." || dirOf(f) === goSource) &&
      listing.texts[f] !== undefined,
  );
  for (const file of makefiles) {
    const text = listing.texts[file]!;
    const vars = makeVariables(text);
    for (const target of TEST_TARGETS) {
      const recipe = recipeOf(text, target).map((l) => expandMake(l, vars));
      if (recipe.some((l) => /\bgo\s+test\b/.test(l))) return goTestFlags(recipe);
    }
  }
  return [];
}
