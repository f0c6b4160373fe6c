import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_SCHEMA } from "../../src/core/config/config.js";
import { renderConfigDocs } from "../../src/core/config/docs.js";
import { documentSchema } from "../../src/core/config/schema.js";

describe("docs/config.md", () => {
  it("is up to date with the schema (run `npm --prefix dagger run docs:config`)", () => {
    const onDisk = readFileSync(resolve(import.meta.dirname, "../../../docs/config.md"), "utf8");
    expect(onDisk).toBe(renderConfigDocs());
  });

  it("documents every key with a sentence", () => {
    const rows = documentSchema(CONFIG_SCHEMA);
    expect(rows.map((r) => r.path)).toContain("image.registry");
    expect(rows.map((r) => r.path)).toContain("environments.<name>.verify");
    expect(rows.every((r) => r.doc.length > 5)).toBe(true);
  });
});
