/**
 * Reads what the release notes need from git: the commit the notes end at and the tags there, the
 * tags reachable from it, and the commits since the previous release. Git runs through a
 * {@link GitRunner} (a local process for the CLI, a pinned container for the module), and the log
 * is read with NUL-separated fields so no subject or body can be mistaken for a separator.
 */

import { UsageError } from "../../core/errors.js";
import type { RawCommit } from "../../core/release/conventional-commits.js";
import {
  buildReleaseNotes,
  previousReleaseTag,
  type ReleaseNotes,
  releaseTagOf,
  repositoryWebUrl,
} from "../../core/release/notes.js";
import { parseTagVersion } from "../../core/release/version.js";
import { safeEcho } from "../../core/validate.js";
import type { GitRunner } from "./git-context.js";

/** Fields of one commit in the log, in `--format` order. */
const LOG_FIELDS = ["%H", "%P", "%an", "%ae", "%s", "%b"] as const;

/** What the notes are for. */
export interface NotesRequest {
  /** The tag to compare with (default: the previous release tag by semver). */
  from?: string;
  /** Where the notes end (default: HEAD). */
  to?: string;
  /** `source.url` from the config, `GITHUB_SERVER_URL` and `GITHUB_REPOSITORY`, for links. */
  sourceUrl?: string;
  serverUrl?: string;
  repository?: string;
}

/** Refuses a ref git would read as an option, or one with characters no ref has. */
function checkRef(ref: string, flag: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (!ref || ref.startsWith("-") || ref.length > 255 || /[\s\u0000-\u001f\u007f]|\.\./.test(ref))
    throw new UsageError(`${flag} ${safeEcho(ref)} is not a git ref (example: ${flag} v1.2.0)`);
  return ref;
}

/** Splits `git log -z` output with {@link LOG_FIELDS} into commits. */
export function parseLog(output: string): RawCommit[] {
  const fields = output.split("\0");
  const commits: RawCommit[] = [];
  // -z ends each record with NUL too, so records are exactly LOG_FIELDS.length fields apart.
  for (let i = 0; i + LOG_FIELDS.length <= fields.length; i += LOG_FIELDS.length) {
    const [sha, parents, authorName, authorEmail, subject, body] = fields.slice(i, i + LOG_FIELDS.length);
    if (!sha?.trim()) continue;
    commits.push({
      sha: sha.trim(),
      parents: parents!.split(" ").filter(Boolean),
      authorName: authorName!,
      authorEmail: authorEmail!,
      subject: subject!,
      body: body!.replace(/\n+$/, ""),
    });
  }
  return commits;
}

/** Reads the notes for `request` from the checkout `git` runs in. */
export async function readReleaseNotes(git: GitRunner, request: NotesRequest = {}): Promise<ReleaseNotes> {
  const to = checkRef(request.to ?? "HEAD", "--to");
  if (request.from !== undefined) checkRef(request.from, "--from");
  const commit = (await git(["rev-parse", "--verify", "--quiet", `${to}^{commit}`]).catch(() => "")).trim();
  if (!commit) throw new UsageError(`--to ${safeEcho(to)}: no such commit or tag (example: --to v1.2.0)`);
  // `to` names its release when it is a version tag itself, else by the highest version tag on its commit.
  const toIsTag =
    parseTagVersion(to) !== null &&
    (await git(["tag", "--list", to]).catch(() => "")).split("\n").some((t) => t.trim() === to);
  const toTag = toIsTag ? to : (releaseTagOf(lines(await git(["tag", "--points-at", commit])))?.tag ?? null);
  let from = request.from ?? null;
  if (from === null) {
    from = previousReleaseTag(lines(await git(["tag", "--merged", commit])), toTag)?.tag ?? null;
  } else if (!(await git(["rev-parse", "--verify", "--quiet", `${from}^{commit}`]).catch(() => "")).trim()) {
    throw new UsageError(`--from ${safeEcho(from)}: no such tag or commit (example: --from v1.1.0)`);
  }
  const range = from ? `${from}..${commit}` : commit;
  const log = await git(["log", "--first-parent", "-z", `--format=${LOG_FIELDS.join("%x00")}`, range, "--"]);
  const remoteUrl = request.sourceUrl
    ? undefined
    : (await git(["remote", "get-url", "origin"]).catch(() => "")).trim() || undefined;
  return buildReleaseNotes({
    commits: parseLog(log),
    from,
    to: toTag ?? to,
    version: toTag ? parseTagVersion(toTag)!.version : null,
    repository: repositoryWebUrl({
      sourceUrl: request.sourceUrl,
      serverUrl: request.serverUrl,
      repository: request.repository,
      remoteUrl,
    }),
  });
}

function lines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}
