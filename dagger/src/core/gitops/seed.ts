/**
 * What `gitops init` writes into each environment's values: the app repository's own values for
 * that environment (`environments/<env>/values.yaml`, the values chart-lint renders with, so a
 * value the chart requires is there from the start), with every image's `repository` pointed at
 * the pipeline's registry and an empty `tag` for promotion to fill. A placeholder the chart's
 * `values.schema.json` would reject (an empty tag where it wants a pattern, a `digest: ""` the
 * seed carries) is not written: promotion adds the key when it has a value. Pure: the adapter
 * reads the seeds and the schema.
 */

import { parseDocument, parse as parseYaml, stringify } from "yaml";
import type { PipelineConfig } from "../config/config.js";
import { chartImages } from "../config/images-section.js";
import { schemaAccepts } from "./values-schema.js";
import { getValue, setValue } from "./yaml-edit.js";

/** Values text and what was left out of it, one line each. */
export interface SeededValues {
  text: string;
  notes: string[];
}

/** Each image's values key and the repository promotion deploys it from. */
function imageRepositories(
  config: Pick<PipelineConfig, "image" | "images">,
): { key: string; repository: string }[] {
  const registry = config.image.registry.replace(/\/+$/, "");
  return chartImages(config.images).map((image) => ({
    key: image.values,
    repository: `${registry}/${image.name}`,
  }));
}

/** True when YAML text holds nothing (absent, empty, `{}`, only comments). */
function isEmpty(text: string | null): boolean {
  if (text === null) return true;
  try {
    const value = parseYaml(text, { maxAliasCount: 50 });
    return (
      value === null || value === undefined || (typeof value === "object" && Object.keys(value).length === 0)
    );
  } catch {
    return false; // Broken YAML is the user's to see: setValue reports it with the file and line.
  }
}

/** `text` without the key at `key` (a dotted path), or unchanged when it has none. */
function withoutKey(text: string, key: string): string {
  const doc = parseDocument(text);
  const path = key.split(".");
  if (!doc.hasIn(path)) return text;
  doc.deleteIn(path);
  return doc.toString();
}

/**
 * The values of one environment (or, with `withTags: false`, the values every preview shares):
 * `seed` (the app repository's file for it, or null) with each image's repository and an empty
 * tag set, or the images block alone when there is no seed. `seedFile` names the seed in notes.
 */
export function seededValues(
  config: Pick<PipelineConfig, "app" | "image" | "images">,
  options: { header: string; seed: string | null; seedFile: string; schema: unknown; withTags: boolean },
): SeededValues {
  const notes: string[] = [];
  const images = imageRepositories(config);
  const placeholders = (key: string) => {
    const fields: { field: string; value: string }[] = [
      { field: "repository", value: images.find((i) => i.key === key)!.repository },
    ];
    if (options.withTags) fields.push({ field: "tag", value: "" });
    return fields.filter(({ field, value }) => {
      if (schemaAccepts(options.schema, `${key}.${field}`, value)) return true;
      notes.push(
        `${key}.${field} left out: the chart's values.schema.json rejects ${JSON.stringify(value)} there${field === "tag" ? " (promotion writes it)" : ""}`,
      );
      return false;
    });
  };
  if (isEmpty(options.seed)) {
    const tree: Record<string, unknown> = {};
    for (const { key } of images) {
      let node = tree;
      const parts = key.split(".");
      for (const part of parts.slice(0, -1)) {
        node[part] ??= {};
        node = node[part] as Record<string, unknown>;
      }
      node[parts.at(-1)!] = Object.fromEntries(placeholders(key).map((p) => [p.field, p.value]));
    }
    return { text: `${options.header}${stringify(tree)}`, notes };
  }
  notes.push(`seeded from the app repository's ${options.seedFile}`);
  let text = `${options.header}# Seeded from the app repository's ${options.seedFile}.\n${options.seed!.replace(/^\uFEFF/, "")}`;
  for (const { key } of images) {
    for (const { field, value } of placeholders(key))
      text = setValue(text, `${key}.${field}`, value, options.seedFile);
    // An empty digest the seed carries is no pin; drop it where the chart's schema refuses "".
    if (
      getValue(text, `${key}.digest`, options.seedFile) === "" &&
      !schemaAccepts(options.schema, `${key}.digest`, "")
    ) {
      text = withoutKey(text, `${key}.digest`);
      notes.push(
        `${key}.digest left out: the chart's values.schema.json rejects "" there (promotion writes a digest when it pins one)`,
      );
    }
  }
  return { text, notes };
}
