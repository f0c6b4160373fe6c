/** Writes docs/config.md from the config schema (`npm run docs:config`). */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { renderConfigDocs } from "../src/core/config/docs.js";

const target = resolve(import.meta.dirname, "../../docs/config.md");
writeFileSync(target, renderConfigDocs());
process.stdout.write(`wrote ${target}\n`);
