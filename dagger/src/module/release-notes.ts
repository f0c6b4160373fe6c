/** `release-notes`: the commits since the previous release tag, read by git in a container. */
import { readReleaseNotes } from "../adapters/release/notes.js";
import { renderNotesMarkdown } from "../core/release/notes.js";
import type { ModuleContext } from "./context.js";
import { containerGit } from "./source.js";

/** The notes from `from` (default: the previous release tag) to `to` (default: HEAD), as Markdown or JSON. */
export async function releaseNotes(
  context: ModuleContext,
  input: { from?: string; to?: string; json?: boolean },
): Promise<string> {
  const config = await context.config();
  const notes = await readReleaseNotes(containerGit(context.source), {
    from: input.from,
    to: input.to,
    sourceUrl: config.source.url || undefined,
  });
  return input.json ? JSON.stringify(notes, null, 2) : renderNotesMarkdown(notes);
}
