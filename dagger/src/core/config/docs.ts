/**
 * Renders docs/config.md from the config schema, so every key's type, default and meaning is
 * documented from the same table that validates it. A unit test fails when the file is stale.
 */
import { CONFIG_SCHEMA, DEFAULT_RULES } from "./config.js";
import { documentSchema } from "./schema.js";

/** Returns the Markdown of docs/config.md. */
export function renderConfigDocs(): string {
  const rows = documentSchema(CONFIG_SCHEMA).map(
    (row) =>
      `| \`${row.path}\` | ${row.type} | ${row.default ? `\`${row.default.replaceAll("|", "\\|")}\`` : ""} | ${row.doc.replaceAll("|", "\\|")} |`,
  );
  const rules = DEFAULT_RULES.map(
    (rule) =>
      `| ${rule.name} | ${rule.events.join(", ")} | ${rule.branches.join(", ")} | ${rule.stages.join(", ")} | ${rule.promote ?? ""} |`,
  );
  return [
    "# pipeline.yaml reference",
    "",
    "<!-- Generated from dagger/src/core/config/config.ts by `npm --prefix dagger run docs:config`; do not edit by hand. -->",
    "",
    "One file at the repo root configures the whole pipeline. Only `app` is required; everything else has a default.",
    "`npm run pipeline -- config check` validates the file and prints the resolved config (`--json` for all of it).",
    "A mistake exits with code 2 and one line naming the file, the key path, what is wrong and an example of a right value.",
    "",
    "| key | type | default | meaning |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    "## Default rules",
    "",
    "Without `rules`, these apply; the first rule whose events and branches match the run decides its stages.",
    "",
    "| rule | events | branches | stages | promotes |",
    "| --- | --- | --- | --- | --- |",
    ...rules,
    "",
  ].join("\n");
}
