/**
 * `pipeline notes` on a real git repository: mixed conventional commits, a pull request merge,
 * and a release candidate tagged between two releases.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReleaseNotes } from "../../src/core/release/notes.js";
import { runCli } from "../support/cli.js";
import { git, repoWithFiles } from "../support/git.js";
import { removeTempDirs } from "../support/temp.js";

let repo: string;
let n = 0;

/** Commits a change to one file with `message` (subject, blank line, body). */
function change(message: string): void {
  writeFileSync(join(repo, "CHANGES"), `${++n}\n`);
  git(repo, "add", "CHANGES");
  git(repo, "commit", "-q", "-m", message);
}

beforeAll(() => {
  repo = repoWithFiles({
    "pipeline.yaml": "app: notes-app\nsource:\n  url: https://github.com/acme/notes-app\n",
    "src/cmd/api/main.go": "package main\n\nfunc main() {}\n",
  });
  git(repo, "tag", "-a", "v1.0.0", "-m", "v1.0.0");
  change("feat: export to CSV (#3)");
  change("fix(api): keep the order of rows");
  git(repo, "tag", "-a", "v1.1.0", "-m", "v1.1.0");
  change("feat(search): search by tag (#8)");
  git(repo, "tag", "-a", "v1.2.0-rc.1", "-m", "v1.2.0-rc.1");
  // A pull request merged with a merge commit, as GitHub writes it.
  git(repo, "checkout", "-q", "-b", "feat/dark");
  change("feat(ui): dark mode, first pass");
  change("feat(ui): dark mode toggle");
  git(repo, "checkout", "-q", "main");
  git(
    repo,
    "merge",
    "-q",
    "--no-ff",
    "feat/dark",
    "-m",
    "Merge pull request #11 from acme/feat/dark\n\nfeat(ui): dark mode",
  );
  change("fix!: reject empty names (#12)\n\nBREAKING CHANGE: an empty name is now a 400, not a default name");
  change("docs: describe exports\n\nCo-authored-by: Bob Smith <bob@example.com>");
  change("update the readme");
  git(repo, "tag", "v1.2.0");
  change("feat: after the release");
});

afterAll(removeTempDirs);

describe("pipeline notes", () => {
  // Entries are newest first, as git lists them.
  it("covers a final release since the previous final release, skipping the release candidate", () => {
    const result = runCli(["notes", "--to", "v1.2.0", "--json"], { cwd: repo });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const notes = JSON.parse(result.stdout) as ReleaseNotes;
    expect(notes).toMatchObject({ from: "v1.1.0", to: "v1.2.0", version: "1.2.0" });
    expect(notes.compareUrl).toBe("https://github.com/acme/notes-app/compare/v1.1.0...v1.2.0");
    const titles = notes.sections.map((s) => [s.kind, s.entries.map((e) => e.description)]);
    expect(titles).toEqual([
      ["breaking", ["reject empty names"]],
      ["features", ["dark mode", "search by tag"]],
      ["others", ["update the readme", "describe exports"]],
    ]);
    const breaking = notes.sections[0]!.entries[0]!;
    expect(breaking.breakingNote).toBe("an empty name is now a 400, not a default name");
    expect(breaking.prs).toEqual([{ number: 12, url: "https://github.com/acme/notes-app/pull/12" }]);
    expect(notes.sections[1]!.entries[0]!.prs).toEqual([
      { number: 11, url: "https://github.com/acme/notes-app/pull/11" },
    ]);
    expect(notes.sections[2]!.entries[1]!.authors).toEqual(["Test Author", "Bob Smith"]);
  });

  it("covers a release candidate since the last final release", () => {
    const result = runCli(["notes", "--to", "v1.2.0-rc.1", "--json"], { cwd: repo });
    const notes = JSON.parse(result.stdout) as ReleaseNotes;
    expect(notes.from).toBe("v1.1.0");
    expect(notes.sections.map((s) => s.entries.map((e) => e.description))).toEqual([["search by tag"]]);
  });

  it("prints Markdown by default, sections in order, and takes --from", () => {
    const result = runCli(["notes", "--from", "v1.2.0-rc.1", "--to", "v1.2.0"], { cwd: repo });
    expect(result.code).toBe(0);
    const md = result.stdout;
    expect(md.startsWith("## v1.2.0\n")).toBe(true);
    expect(md).toContain(
      "**Full changelog**: https://github.com/acme/notes-app/compare/v1.2.0-rc.1...v1.2.0",
    );
    const order = ["### Breaking changes", "### Features", "### Other changes"].map((h) => md.indexOf(h));
    expect(order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]!))).toBe(true);
    expect(md).toContain("[#11](https://github.com/acme/notes-app/pull/11)");
    expect(md).not.toContain("search by tag");
  });

  it("for HEAD past the release, covers what is not released yet", () => {
    const notes = JSON.parse(runCli(["notes", "--json"], { cwd: repo }).stdout) as ReleaseNotes;
    expect(notes).toMatchObject({ from: "v1.2.0", to: "HEAD", version: null, commits: 1 });
  });

  it.each([
    [["--to", "v9.9.9"], `--to "v9.9.9": no such commit or tag`],
    [["--from", "--output=/tmp/x"], "is not a git ref"],
  ])("refuses %j in one line with exit 2", (args, message) => {
    const result = runCli(["notes", ...args], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });
});
