import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { JSON_SCHEMA_FILE, renderJsonSchema } from "../../src/core/config/json-schema.js";

const root = resolve(import.meta.dirname, "../../..");
const shipped = readFileSync(resolve(root, JSON_SCHEMA_FILE), "utf8");
const ajv = new Ajv({ allErrors: true, strict: false });
const check = ajv.compile(JSON.parse(shipped));

function errorsOf(yaml: string): string[] {
  return check(parse(yaml)) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

describe("pipeline.schema.json", () => {
  it("is up to date with the schema table (run `npm --prefix dagger run docs:config`)", () => {
    expect(shipped).toBe(renderJsonSchema());
  });

  it("is named by the sample's pipeline.yaml, so editors complete and check it", () => {
    const first = readFileSync(resolve(root, "pipeline.yaml"), "utf8").split("\n")[0];
    expect(first).toBe(`# yaml-language-server: $schema=./${JSON_SCHEMA_FILE}`);
  });

  it.each(["pipeline.yaml", "examples/gitlab-style/pipeline.yaml"])("accepts %s as shipped", (file) => {
    expect(errorsOf(readFileSync(resolve(root, file), "utf8"))).toEqual([]);
  });

  it.each([
    ["a file without app", "image: {}", "must have required property 'app'"],
    ["an unknown key", "app: x\nplatfroms: [linux/amd64]", "must NOT have additional properties"],
    [
      "a platform not in the list",
      "app: x\nplatforms: [linux/sparc64]",
      "must be equal to one of the allowed values",
    ],
    ["an app that is not a DNS label", "app: Sample_App", "must match pattern"],
    ["a coverage above 100", "app: x\ncoverage: { minimum: 120 }", "must be <= 100"],
    ["a reserved environment name", "app: x\nenvironments: { __proto__: {} }", "property name must be valid"],
  ])("refuses %s", (_, yaml, message) => {
    expect(errorsOf(yaml).join("\n")).toContain(message);
  });

  it("accepts an environment written with nothing under it, as the validator does", () => {
    expect(errorsOf("app: x\nenvironments: { staging: , prod: { promotion: manual } }")).toEqual([]);
  });
});
