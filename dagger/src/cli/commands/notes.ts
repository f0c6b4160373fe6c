/** `pipeline notes`: the release notes since the previous release tag, as Markdown or JSON. */
import { Command } from "commander";
import { loadRepo } from "../context.js";
import { printJson } from "../output.js";

/** Builds the `notes` command. */
export function notesCommand(): Command {
  return new Command("notes")
    .description("Print the release notes: commits since the previous release tag, grouped by type")
    .option("--from <tag>", "tag to compare with (default: the previous release by semver)")
    .option("--to <ref>", "tag or commit the notes end at (default: HEAD)")
    .option("--json", "print the notes as JSON")
    .action(async (options: { from?: string; to?: string; json?: boolean }, command: Command) => {
      const { root, config } = await loadRepo(command);
      const { localGit } = await import("../../adapters/release/git-context.js");
      const { readReleaseNotes } = await import("../../adapters/release/notes.js");
      const { renderNotesMarkdown } = await import("../../core/release/notes.js");
      const notes = await readReleaseNotes(localGit(root), {
        from: options.from,
        to: options.to,
        sourceUrl: config.source.url || undefined,
        serverUrl: process.env.GITHUB_SERVER_URL,
        repository: process.env.GITHUB_REPOSITORY,
      });
      if (options.json) printJson(notes);
      else process.stdout.write(renderNotesMarkdown(notes));
    });
}
