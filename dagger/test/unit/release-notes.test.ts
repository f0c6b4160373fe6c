import { describe, expect, it } from "vitest";
import { parseLog } from "../../src/adapters/release/notes.js";
import { parseCommit, type RawCommit } from "../../src/core/release/conventional-commits.js";
import {
  buildReleaseNotes,
  previousReleaseTag,
  releaseTagOf,
  renderNotesMarkdown,
  repositoryWebUrl,
} from "../../src/core/release/notes.js";

const commit = (subject: string, body = "", extra: Partial<RawCommit> = {}): RawCommit => ({
  sha: "a".repeat(40),
  parents: ["b".repeat(40)],
  authorName: "Jane Doe",
  authorEmail: "jane@example.com",
  subject,
  body,
  ...extra,
});

describe("a commit read as a conventional commit", () => {
  it.each([
    ["feat: add login", {}, { type: "feat", scope: "", description: "add login", breaking: false }],
    ["fix(api): handle nil (#12)", {}, { type: "fix", scope: "api", description: "handle nil", prs: [12] }],
    ["feat(api)!: drop v1", {}, { type: "feat", breaking: true, breakingNote: "" }],
    ["Feat: Upper case type", {}, { type: "feat", description: "Upper case type" }],
    ["chore(deps): bump x (#3) (#4)", {}, { type: "chore", prs: [3, 4] }],
    ["Update README", {}, { type: "", description: "Update README", breaking: false }],
    ["feat:no space is not conventional", {}, { type: "" }],
    [
      "refactor: move config",
      { body: "Longer text.\n\nBREAKING CHANGE: config moved to pipeline.yaml" },
      { type: "refactor", breaking: true, breakingNote: "config moved to pipeline.yaml" },
    ],
    ["fix: x", { body: "BREAKING-CHANGE: also accepted" }, { breaking: true, breakingNote: "also accepted" }],
    [
      "Merge pull request #42 from acme/feat-x",
      { body: "feat(ui): dark mode", parents: ["1", "2"] },
      { type: "feat", scope: "ui", description: "dark mode", prs: [42] },
    ],
    [
      "fix: pair work",
      { body: "Co-authored-by: Bob Smith <bob@example.com>\nCo-authored-by: Jane Doe <jane@example.com>" },
      { authors: ["Jane Doe", "Bob Smith"] },
    ],
  ] as const)("%s", (subject, extra, expected) => {
    const { body = "", ...rest } = extra as { body?: string } & Partial<RawCommit>;
    expect(parseCommit(commit(subject, body, rest))).toMatchObject(expected);
  });
});

describe("the previous release tag", () => {
  const tags = [
    "v1.0.0",
    "v1.1.0",
    "v1.2.0-rc.1",
    "v1.2.0-rc.2",
    "v1.10.0-rc.1",
    "v1.9.0",
    "nightly",
    "v1.2.0",
  ];
  it.each([
    ["a final release skips prereleases", "v1.2.0", "v1.1.0"],
    ["a prerelease compares with the prerelease before it", "v1.2.0-rc.2", "v1.2.0-rc.1"],
    ["the first prerelease of a version compares with the last release", "v1.2.0-rc.1", "v1.1.0"],
    ["versions compare by semver, not as text", "v1.10.0", "v1.9.0"],
    ["a ref that is not a version compares with the newest release", null, "v1.9.0"],
    ["the first release has none", "v1.0.0", null],
  ])("%s", (_, to, expected) => {
    expect(previousReleaseTag(tags, to)?.tag ?? null).toBe(expected);
  });

  it("names a commit's release by its highest version tag", () => {
    expect(releaseTagOf(["v1.2.0-rc.3", "v1.2.0", "latest"])?.tag).toBe("v1.2.0");
    expect(releaseTagOf(["latest"])).toBeNull();
  });
});

describe("the repository links point into", () => {
  it.each([
    [{ sourceUrl: "https://github.com/acme/app" }, "https://github.com/acme/app"],
    [{ sourceUrl: "https://github.com/acme/app.git/" }, "https://github.com/acme/app"],
    [{ repository: "acme/app" }, "https://github.com/acme/app"],
    [{ repository: "acme/app", serverUrl: "https://ghe.corp" }, "https://ghe.corp/acme/app"],
    [{ remoteUrl: "git@github.com:acme/app.git" }, "https://github.com/acme/app"],
    [{ remoteUrl: "https://x-access-token:s3cret@github.com/acme/app.git" }, "https://github.com/acme/app"],
    [{ remoteUrl: "/tmp/some/local/path" }, ""],
    [{}, ""],
  ])("%j gives %s", (sources, expected) => {
    expect(repositoryWebUrl(sources)).toBe(expected);
  });
});

describe("the notes", () => {
  const commits = [
    commit("docs: explain notes", "", { sha: "1".repeat(40) }),
    commit("fix(api): handle nil (#12)", "", { sha: "2".repeat(40) }),
    commit("Merge branch 'main' into feat", "", { sha: "3".repeat(40), parents: ["a", "b"] }),
    commit("feat!: new <config> format", "", { sha: "4".repeat(40), authorName: "Bob" }),
    commit("feat: notes (#7)", "", { sha: "5".repeat(40) }),
  ];
  const notes = buildReleaseNotes({
    commits,
    from: "v1.1.0",
    to: "v1.2.0",
    version: "1.2.0",
    repository: "https://github.com/acme/app",
  });

  it("group breaking changes first, then features, fixes and others, leaving out plain merges", () => {
    expect(notes.sections.map((s) => [s.kind, s.entries.map((e) => e.sha[0])])).toEqual([
      ["breaking", ["4"]],
      ["features", ["5"]],
      ["fixes", ["2"]],
      ["others", ["1"]],
    ]);
    expect(notes.commits).toBe(4);
    expect(notes.compareUrl).toBe("https://github.com/acme/app/compare/v1.1.0...v1.2.0");
  });

  it("render as Markdown with pull request links, commits and authors, and no raw HTML", () => {
    const md = renderNotesMarkdown(notes);
    expect(md).toContain("## v1.2.0\n");
    expect(md).toContain("**Full changelog**: https://github.com/acme/app/compare/v1.1.0...v1.2.0");
    expect(md.indexOf("### Breaking changes")).toBeLessThan(md.indexOf("### Features"));
    expect(md).toContain(
      `- **api:** handle nil ([#12](https://github.com/acme/app/pull/12), [2222222](https://github.com/acme/app/commit/${"2".repeat(40)})) by Jane Doe`,
    );
    expect(md).toContain("new &lt;config&gt; format");
    expect(md).toContain("by Bob");
  });

  it("say so when there is nothing, and for a first release", () => {
    const empty = buildReleaseNotes({ commits: [], from: null, to: "HEAD", version: null, repository: "" });
    expect(renderNotesMarkdown(empty)).toBe(
      "## Changes up to HEAD\n\nFirst release: every commit so far.\n\nNo changes.\n",
    );
  });
});

describe("git log -z output", () => {
  it("splits into commits however subjects and bodies look", () => {
    const record = (sha: string, subject: string, body: string) =>
      [sha, "p1 p2", "Ann", "ann@example.com", subject, body].join("\0");
    const out = `${record("a1", "feat: x | y", "line one\n\nBREAKING CHANGE: z\n")}\0${record("b2", "fix: tab\there", "")}\0`;
    expect(parseLog(out)).toEqual([
      {
        sha: "a1",
        parents: ["p1", "p2"],
        authorName: "Ann",
        authorEmail: "ann@example.com",
        subject: "feat: x | y",
        body: "line one\n\nBREAKING CHANGE: z",
      },
      {
        sha: "b2",
        parents: ["p1", "p2"],
        authorName: "Ann",
        authorEmail: "ann@example.com",
        subject: "fix: tab\there",
        body: "",
      },
    ]);
  });
});
