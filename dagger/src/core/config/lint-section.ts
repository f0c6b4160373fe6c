/**
 * The `lint:` key of pipeline.yaml: which golangci-lint runs (default: the version the repository
 * pins for itself, else the pipeline's own, core/go/lint-version.ts) and which of the repository's
 * Go modules are linted (default: go.source's module only; a nested module such as an end-to-end
 * test module with its own go.mod is linted only when listed). Its schema and resolution live
 * here; core/config/config.ts only plugs them in.
 */

import { posix } from "node:path";
import { GOLANGCI_LINT_VERSION } from "../go/lint-version.js";
import { relativePathProblem } from "../validate.js";
import type { Schema } from "./schema.js";

/** The resolved `lint:` key. */
export interface LintConfig {
  golangciLint: {
    /** `v2.1.6`; empty: the repository's pin, else the pipeline's default (decided when lint runs). */
    version: string;
  };
  /** Go modules linted, relative to go.source (`.` is go.source's own). */
  modules: string[];
}

/** The schema of `lint:` (docs/config.md is rendered from it). */
export const LINT_SCHEMA: Schema = {
  kind: "object",
  doc: "The lint stage: gofmt, `go mod tidy -diff`, `go vet` and golangci-lint in each linted Go module.",
  fields: {
    golangciLint: {
      kind: "object",
      doc: "golangci-lint.",
      fields: {
        version: {
          kind: "string",
          doc: "golangci-lint version (the module's `golangci/golangci-lint` image tag; the host runner says when its own differs). Default: the version the repository pins (a Makefile's `GOLANGCI_LINT_VERSION` or `go install .../golangci-lint@v`, an install script's under scripts/ or hack/, a tools go.mod's `require`, `.tool-versions`, the golangci-lint-action's `version:`), else v2.15.0. `.golangci.yml`'s `version` is its config format, not this.",
          example: "v2.1.6",
          pattern: GOLANGCI_LINT_VERSION,
          patternHint: "a golangci-lint version (v2.1.6)",
        },
      },
    },
    modules: {
      kind: "array",
      doc: "Go modules to lint, relative to `go.source`; a nested module (its own go.mod, such as an e2e test module) is linted only when listed.",
      example: "[., e2e]",
      items: {
        kind: "string",
        doc: "A module folder.",
        example: "e2e",
        check: (value) => (value === "." ? null : relativePathProblem(value)),
      },
      default: ["."],
    },
  },
};

// biome-ignore lint/suspicious/noExplicitAny: the schema has just checked every key and type
type Raw = Record<string, any>;

/** Resolves a validated `lint:` key; problems (`key: what is wrong`) are added to `problems`. */
export function resolveLint(raw: Raw | undefined, problems: string[]): LintConfig {
  // `./e2e` and `e2e/` are `e2e`: each module is linted once.
  const modules = [
    ...new Set(
      ((raw?.modules as string[] | undefined) ?? ["."]).map((m) => posix.normalize(m).replace(/\/+$/, "")),
    ),
  ];
  if (modules.length === 0)
    problems.push("lint.modules: lists no module; list go.source's own as . (example: [.])");
  return { golangciLint: { version: (raw?.golangciLint?.version as string | undefined) ?? "" }, modules };
}
