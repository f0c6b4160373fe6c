/**
 * Reading commits as Conventional Commits 1.0.0 (`type(scope)!: description`, a `BREAKING CHANGE:`
 * footer): the type decides a commit's section in the release notes, the `(#123)` of a squash
 * merge or GitHub's "Merge pull request #123" names its pull request, and `Co-authored-by:`
 * trailers add authors. Pure: the commits come from the git adapter.
 */

/** One commit as the git adapter reads it. */
export interface RawCommit {
  sha: string;
  /** Parent shas; two or more for a merge commit. */
  parents: string[];
  authorName: string;
  authorEmail: string;
  subject: string;
  /** The message after the subject line (may be empty). */
  body: string;
}

/** A commit read as a change for the notes. */
export interface Change {
  sha: string;
  /** Lowercase type (`feat`, `fix`, ...); "" when the message is not a conventional commit. */
  type: string;
  scope: string;
  description: string;
  breaking: boolean;
  /** The `BREAKING CHANGE:` footer's text, when there is one. */
  breakingNote: string;
  /** Pull request numbers, in the order they appear. */
  prs: number[];
  /** Author, then co-authors, without duplicates. */
  authors: string[];
}

const HEADER = /^([A-Za-z][A-Za-z0-9-]*)(?:\(([^()\r\n]*)\))?(!)?: +(\S.*)$/;
/** GitHub's merge commit subject for a pull request. */
const MERGE_PR = /^Merge pull request #(\d+) from \S+/;
const PR_REF = /\(#(\d+)\)/g;
const BREAKING_FOOTER = /^BREAKING[ -]CHANGE: *(.*)$/;
const CO_AUTHOR = /^Co-authored-by: *([^<\r\n]*?) *<[^>\r\n]*>\s*$/i;

/** Pull request numbers in a subject, from `(#123)` suffixes (squash merges add one). */
export function pullRequestRefs(subject: string): number[] {
  return [...subject.matchAll(PR_REF)]
    .map((m) => Number(m[1]))
    .filter((n) => Number.isSafeInteger(n) && n > 0);
}

/**
 * Reads one commit. A GitHub merge commit takes its header from the pull request title, which
 * GitHub writes as the first line of the body; its pull request is the one it merged.
 */
export function parseCommit(commit: RawCommit): Change {
  let header = commit.subject.trim();
  let body = commit.body;
  const prs: number[] = [];
  const merge = MERGE_PR.exec(header);
  if (merge) {
    prs.push(Number(merge[1]));
    const lines = body.split("\n");
    const title = lines.findIndex((l) => l.trim() !== "");
    header = title >= 0 ? lines[title]!.trim() : header;
    body = title >= 0 ? lines.slice(title + 1).join("\n") : "";
  }
  for (const n of pullRequestRefs(header)) if (!prs.includes(n)) prs.push(n);
  const authors = [commit.authorName.trim()].filter(Boolean);
  let breakingNote = "";
  for (const line of body.split("\n")) {
    const footer = BREAKING_FOOTER.exec(line.trim());
    if (footer && !breakingNote) breakingNote = footer[1]!.trim() || "(no description)";
    const co = CO_AUTHOR.exec(line.trim());
    if (co?.[1] && !authors.includes(co[1])) authors.push(co[1]);
  }
  const match = HEADER.exec(header);
  const description = (match ? match[4]! : header).replace(PR_REF, "").trim();
  return {
    sha: commit.sha,
    type: match ? match[1]!.toLowerCase() : "",
    scope: match?.[2]?.trim() ?? "",
    description,
    breaking: Boolean(match?.[3]) || breakingNote !== "",
    breakingNote,
    prs,
    authors,
  };
}
