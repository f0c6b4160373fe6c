/**
 * The workflows call the module that exists: every `dagger call` in .github/workflows names a
 * function the module registers and only arguments that function declares. actionlint (real)
 * checks the workflows themselves.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { findTool, skipWithout } from "../support/tools.js";
import { runModule } from "./harness.js";
import { type RegisteredFunction, registeredFunctions } from "./registration.js";

const workflowsDir = resolve(import.meta.dirname, "../../../.github/workflows");
const workflows = readdirSync(workflowsDir).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"));

const camel = (kebab: string) => kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** One `dagger call` found in a workflow. */
interface DaggerCall {
  where: string;
  fn: string;
  flags: string[];
}

/** Parses `fn --flag value --other value chained-call ...` (expressions count as one value). */
function parseCall(args: string, where: string): DaggerCall {
  const tokens = args
    .replace(/\$\{\{[^}]*\}\}/g, "EXPR")
    .trim()
    .split(/\s+/);
  const fn = tokens.shift() ?? "";
  const flags: string[] = [];
  while (tokens.length && tokens[0]!.startsWith("--")) {
    flags.push(tokens.shift()!.slice(2));
    if (tokens.length && !tokens[0]!.startsWith("--")) tokens.shift();
  }
  return { where, fn, flags };
}

/** Every dagger call in every workflow: the action's args (matrix expanded) and `run:` lines. */
function daggerCalls(): DaggerCall[] {
  const calls: DaggerCall[] = [];
  for (const file of workflows) {
    const doc = parse(readFileSync(join(workflowsDir, file), "utf8")) as {
      jobs: Record<
        string,
        { steps: Record<string, unknown>[]; strategy?: { matrix?: Record<string, string[]> } }
      >;
    };
    for (const [jobName, job] of Object.entries(doc.jobs)) {
      for (const step of job.steps) {
        const where = `${file} job ${jobName}`;
        if (typeof step.uses === "string" && step.uses.startsWith("dagger/dagger-for-github@")) {
          const withs = step.with as { verb?: string; args?: string };
          if ((withs.verb ?? "call") !== "call") continue;
          const matrix = /^\$\{\{\s*matrix\.(\w+)\s*\}\}$/.exec(String(withs.args).trim());
          const variants = matrix ? (job.strategy?.matrix?.[matrix[1]!] ?? []) : [String(withs.args)];
          for (const args of variants) calls.push(parseCall(args, where));
        }
        if (typeof step.run === "string") {
          for (const m of step.run.matchAll(/dagger call ([^\n|;&]+)/g)) calls.push(parseCall(m[1]!, where));
        }
      }
    }
  }
  return calls;
}

describe("the workflows", () => {
  let functions: RegisteredFunction[];
  beforeAll(async () => {
    functions = registeredFunctions(await runModule(null));
  }, 120_000);

  it("pin dagger/dagger-for-github and the engine version in every call", () => {
    for (const file of workflows) {
      const text = readFileSync(join(workflowsDir, file), "utf8");
      for (const uses of text.matchAll(/uses: (dagger\/dagger-for-github@\S+)/g))
        expect(uses[1]).toBe("dagger/dagger-for-github@27b130bf0f79a7f6fbbbe0fbca6760dc9bb40a77");
      for (const version of text.matchAll(/version: "([^"]+)"/g)) expect(version[1]).toBe("0.21.9");
    }
  });

  it("call only functions the module registers, with arguments they declare", () => {
    const calls = daggerCalls();
    expect(calls.length).toBeGreaterThan(15);
    for (const call of calls) {
      const fn = functions.find((f) => f.name === camel(call.fn));
      expect(fn, `${call.where}: dagger call ${call.fn}`).toBeDefined();
      const declared = fn!.args.map((a) => a.name);
      for (const flag of call.flags)
        expect(declared, `${call.where}: ${call.fn} --${flag}`).toContain(camel(flag));
    }
  });

  it("cover the release paths: pull request, cleanup, main, release candidates, releases, production", () => {
    const used = new Set(daggerCalls().map((c) => `${c.where.split(" ")[0]} ${c.fn}`));
    for (const expected of [
      "pr.yaml lint",
      "pr.yaml test",
      "pr.yaml chart-lint",
      "pr.yaml publish",
      "pr.yaml helm-push",
      "pr.yaml preview",
      "pr-cleanup.yaml preview-cleanup",
      "main.yaml release",
      "release-candidate.yaml release",
      "promote-prod.yaml verify",
      "promote-prod.yaml promote",
      "dagger-smoke.yaml build",
    ]) {
      expect(used).toContain(expected);
    }
  });

  it.skipIf(skipWithout("actionlint", "shellcheck"))("pass actionlint (with shellcheck)", () => {
    const out = execFileSync(
      findTool("actionlint")!,
      workflows.map((f) => join(workflowsDir, f)),
      { encoding: "utf8", env: { ...process.env, PATH: `${process.env.PATH}:/usr/bin` } },
    );
    expect(out).toBe("");
  });
});
