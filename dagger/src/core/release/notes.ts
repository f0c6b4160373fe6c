/**
 * Release notes: which tag a release is compared with, how its commits are grouped (breaking
 * changes first, then features, fixes and everything else), and the Markdown and JSON they are
 * shown as. Pure: tags and commits come from git through the adapter (adapters/release/notes.ts).
 */
import { type Change, parseCommit, type RawCommit } from "./conventional-commits.js";
import * as semver from "./semver.js";
import { parseTagVersion, type TagVersion } from "./version.js";

/** The sections of the notes, in the order they are shown. */
export const NOTE_SECTIONS = [
  { kind: "breaking", title: "Breaking changes" },
  { kind: "features", title: "Features" },
  { kind: "fixes", title: "Bug fixes" },
  { kind: "others", title: "Other changes" },
] as const;
/** A section kind. */
export type NoteSectionKind = (typeof NOTE_SECTIONS)[number]["kind"];

/** One line of the notes. */
export interface NoteEntry {
  sha: string;
  type: string;
  scope: string;
  description: string;
  /** The `BREAKING CHANGE:` text, when the commit has one. */
  breakingNote?: string;
  prs: { number: number; url?: string }[];
  authors: string[];
}

/** The notes of one release, as `pipeline notes --json` prints them. */
export interface ReleaseNotes {
  /** The tag compared with; null for a first release (every commit up to `to`). */
  from: string | null;
  /** The ref the notes end at (the release tag, or the ref given). */
  to: string;
  /** The version `to` releases, when it is a version tag. */
  version: string | null;
  /** The repository's web URL links point into (empty when unknown). */
  repository: string;
  compareUrl: string | null;
  commits: number;
  sections: { kind: NoteSectionKind; title: string; entries: NoteEntry[] }[];
}

/**
 * The tag a release is compared with: the highest version below `to`'s among the tags reachable
 * from it, by semver. For a final release (or a ref that is not a version tag) prereleases are
 * skipped, so 1.2.0's notes cover everything since 1.1.0, not since 1.2.0-rc.2.
 */
export function previousReleaseTag(
  reachableTags: readonly string[],
  toTag: string | null,
): TagVersion | null {
  const to = toTag ? parseTagVersion(toTag) : null;
  let best: TagVersion | null = null;
  for (const tag of reachableTags) {
    const v = parseTagVersion(tag);
    if (!v || tag === toTag) continue;
    if (v.prerelease && !to?.prerelease) continue;
    if (to && !semver.gt(to.version, v.version)) continue;
    if (!best || semver.gt(v.version, best.version)) best = v;
  }
  return best;
}

/** The highest version tag among those pointing at one commit (`v1.2.0` over `v1.2.0-rc.3`). */
export function releaseTagOf(tagsAtCommit: readonly string[]): TagVersion | null {
  let best: TagVersion | null = null;
  for (const tag of tagsAtCommit) {
    const v = parseTagVersion(tag);
    if (v && (!best || semver.gt(v.version, best.version))) best = v;
  }
  return best;
}

/**
 * The web URL of the repository on GitHub (or GitHub Enterprise): `source.url` from the config
 * first, then GITHUB_SERVER_URL/GITHUB_REPOSITORY as Actions sets them, then the origin remote
 * (`git@host:owner/repo.git` or `https://host/owner/repo.git`). Credentials never survive.
 * Returns "" when none of them names a repository.
 */
export function repositoryWebUrl(sources: {
  sourceUrl?: string;
  serverUrl?: string;
  repository?: string;
  remoteUrl?: string;
}): string {
  const fromUrl = (url: string): string => {
    const scp = /^[\w.-]+@([\w.-]+):\/?([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(url.trim());
    if (scp) return `https://${scp[1]}/${scp[2]}/${scp[3]}`;
    const http =
      /^(?:https?|ssh|git):\/\/(?:[^@/]*@)?([\w.-]+)(?::\d+)?\/([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(
        url.trim(),
      );
    if (!http) return "";
    const scheme = /^http:/.test(url) ? "http" : "https";
    return `${scheme}://${http[1]}/${http[2]}/${http[3]}`;
  };
  if (sources.sourceUrl) {
    const url = fromUrl(sources.sourceUrl);
    if (url) return url;
  }
  if (sources.repository && /^[\w.-]+\/[\w.-]+$/.test(sources.repository)) {
    const server = fromServer(sources.serverUrl ?? "https://github.com");
    if (server) return `${server}/${sources.repository}`;
  }
  return sources.remoteUrl ? fromUrl(sources.remoteUrl) : "";
}

/** `scheme://host[:port]` of a server URL, without credentials or a path; "" when it is not one. */
function fromServer(url: string): string {
  const match = /^(https?):\/\/(?:[^@/]*@)?([\w.-]+(?::\d+)?)\/?$/.exec(url.trim());
  return match ? `${match[1]}://${match[2]}` : "";
}

/** The section a change belongs in. */
export function sectionOf(change: Change): NoteSectionKind {
  if (change.breaking) return "breaking";
  if (change.type === "feat") return "features";
  if (change.type === "fix") return "fixes";
  return "others";
}

/**
 * Builds the notes from the commits between `from` (exclusive) and `to`, newest first as git
 * lists them. Merge commits other than GitHub's pull request merges say nothing and are left out.
 */
export function buildReleaseNotes(input: {
  commits: readonly RawCommit[];
  from: string | null;
  to: string;
  version: string | null;
  repository: string;
}): ReleaseNotes {
  const repo = input.repository.replace(/\/+$/, "");
  const sections = NOTE_SECTIONS.map((s) => ({ kind: s.kind, title: s.title, entries: [] as NoteEntry[] }));
  let commits = 0;
  for (const raw of input.commits) {
    const change = parseCommit(raw);
    if (raw.parents.length > 1 && change.prs.length === 0 && /^Merge /.test(raw.subject)) continue;
    commits++;
    const entry: NoteEntry = {
      sha: change.sha,
      type: change.type,
      scope: change.scope,
      description: change.description,
      ...(change.breakingNote ? { breakingNote: change.breakingNote } : {}),
      prs: change.prs.map((number) => (repo ? { number, url: `${repo}/pull/${number}` } : { number })),
      authors: change.authors,
    };
    sections.find((s) => s.kind === sectionOf(change))!.entries.push(entry);
  }
  return {
    from: input.from,
    to: input.to,
    version: input.version,
    repository: repo,
    compareUrl: repo && input.from ? `${repo}/compare/${input.from}...${input.to}` : null,
    commits,
    sections: sections.filter((s) => s.entries.length > 0),
  };
}

/** Keeps a commit's text on its line in Markdown: no control characters, no raw HTML. */
function inline(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
      .replace(/[\u0000-\u001f\u007f]+/g, " ")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .trim()
  );
}

/** One entry as a Markdown list item: scope, description, pull requests, short sha, authors. */
function entryLine(entry: NoteEntry, repository: string): string {
  const scope = entry.scope ? `**${inline(entry.scope)}:** ` : "";
  const prs = entry.prs.map((pr) => (pr.url ? `[#${pr.number}](${pr.url})` : `#${pr.number}`));
  const sha = entry.sha.slice(0, 7);
  const commit = repository ? `[${sha}](${repository}/commit/${entry.sha})` : sha;
  const refs = [...prs, commit].join(", ");
  const by = entry.authors.length ? ` by ${entry.authors.map(inline).join(", ")}` : "";
  const note = entry.breakingNote ? `\n  ${inline(entry.breakingNote)}` : "";
  return `- ${scope}${inline(entry.description)} (${refs})${by}${note}`;
}

/** The notes as Markdown: a heading, the compare link, then one section per kind with entries. */
export function renderNotesMarkdown(notes: ReleaseNotes): string {
  const lines = [`## ${notes.version ? inline(notes.to) : `Changes up to ${inline(notes.to)}`}`, ""];
  if (notes.compareUrl) lines.push(`**Full changelog**: ${notes.compareUrl}`, "");
  else if (!notes.from) lines.push("First release: every commit so far.", "");
  if (notes.sections.length === 0) lines.push("No changes.", "");
  for (const section of notes.sections) {
    lines.push(`### ${section.title}`, "");
    for (const entry of section.entries) lines.push(entryLine(entry, notes.repository));
    lines.push("");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}
