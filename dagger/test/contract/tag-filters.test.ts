/**
 * The workflows' tag filters agree with the plan: every tag the default rules release (with or
 * without `v`) starts exactly the workflow of its kind, and a tag no rule releases starts none.
 * GitHub's filter patterns are read from the workflow files and matched as GitHub documents them
 * (`*` any characters but `/`, `[..]` a class, `!` excludes what earlier patterns matched).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { classifyEvent } from "../../src/core/release/event.js";

const workflows = resolve(import.meta.dirname, "../../../.github/workflows");

/** GitHub's filter pattern as a regular expression. */
function filterRegExp(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") out += pattern[i + 1] === "*" ? (i++, ".*") : "[^/]*";
    else if (c === "[") {
      const end = pattern.indexOf("]", i);
      out += pattern.slice(i, end + 1);
      i = end;
    } else if (c === "?" || c === "+") out += c;
    else out += c.replace(/[.^$|(){}\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/** Whether a list of tag filters (with `!` exclusions, later ones winning) matches `tag`. */
function matches(patterns: readonly string[], tag: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith("!")) {
      if (filterRegExp(p.slice(1)).test(tag)) matched = false;
    } else if (filterRegExp(p).test(tag)) matched = true;
  }
  return matched;
}

const tagWorkflows = readdirSync(workflows)
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((file) => {
    const tags = parse(readFileSync(join(workflows, file), "utf8"))?.on?.push?.tags as string[] | undefined;
    return tags ? [{ file, tags }] : [];
  });

const kind = (tag: string) =>
  classifyEvent({ ref: `refs/tags/${tag}`, sha: "0123456" }, {}, { sha: "0123456", branch: "" }).kind;

describe("the workflows' tag filters", () => {
  it.each([
    ["1.2.3", "release-tag", ["release.yaml"]],
    ["v1.2.3", "release-tag", ["release.yaml"]],
    ["v10.20.30", "release-tag", ["release.yaml"]],
    ["1.2.0-rc.1", "rc-tag", ["release-candidate.yaml"]],
    ["v1.2.0-rc.12", "rc-tag", ["release-candidate.yaml"]],
  ])("start the workflow of a %s tag's kind (%s) and no other", (tag, expectedKind, files) => {
    expect(kind(tag)).toBe(expectedKind);
    expect(tagWorkflows.filter((w) => matches(w.tags, tag)).map((w) => w.file)).toEqual(files);
  });

  it.each(["latest", "docs-1", "release/1.2.3"])("start nothing for %s, which no rule releases", (tag) => {
    expect(tagWorkflows.filter((w) => matches(w.tags, tag)).map((w) => w.file)).toEqual([]);
  });
});
