/** Writes pipeline.schema.json at the repository root from the config schema (`npm run docs:config`). */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { JSON_SCHEMA_FILE, renderJsonSchema } from "../src/core/config/json-schema.js";

const target = resolve(import.meta.dirname, "../..", JSON_SCHEMA_FILE);
writeFileSync(target, renderJsonSchema());
process.stdout.write(`wrote ${target}\n`);
