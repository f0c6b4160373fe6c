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
import { isReleaseCandidate, parseTagVersion } from "../../src/core/release/version.js";
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

/**
 * The values a `run:` step of `steps` writes as output `name` (`echo "name=..." >> "$GITHUB_OUTPUT"`),
 * one per branch of its script, with `$VAR` left as a value.
 */
function echoedOutputs(steps: Record<string, unknown>[], id: string, name: string): string[] {
  const step = steps.find((s) => s.id === id);
  if (typeof step?.run !== "string") return [];
  return [...step.run.matchAll(new RegExp(`echo "${name}=([^"]*)"`, "g"))].map((m) =>
    m[1]!.replace(/\$\w+/g, "VALUE"),
  );
}

/** `args` once per value a `${{ steps.<id>.outputs.flags }}` in it can take. */
function withStepFlags(args: string, steps: Record<string, unknown>[]): string[] {
  const m = /\$\{\{\s*steps\.([\w-]+)\.outputs\.flags\s*\}\}/.exec(args);
  if (!m) return [args];
  return echoedOutputs(steps, m[1]!, "flags").map((flags) => args.replace(m[0], flags));
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
          for (const args of variants.flatMap((a) => withStepFlags(a, job.steps)))
            calls.push(parseCall(args, where));
        }
        if (typeof step.run === "string") {
          for (const m of step.run.matchAll(/dagger call ([^\n|;&]+)/g)) calls.push(parseCall(m[1]!, where));
        }
      }
    }
  }
  return calls;
}

/** GitHub's filter pattern syntax: `*`, `**`, `?` and `+` (of the previous character), `[...]`. */
function filterPattern(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      out += ".*";
      i++;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?" || c === "+") out += c;
    else if (c === "[") {
      const end = glob.indexOf("]", i);
      out += glob.slice(i, end + 1);
      i = end;
    } else out += c.replace(/[.\\^$|(){}]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/** The workflows a push of `tag` starts: the last matching pattern of `on.push.tags` decides (a `!` excludes). */
function workflowsOnTag(tag: string): string[] {
  return workflows.filter((file) => {
    const doc = parse(readFileSync(join(workflowsDir, file), "utf8")) as {
      on?: { push?: { tags?: string[] } };
    };
    let matched = false;
    for (const pattern of doc.on?.push?.tags ?? []) {
      const negated = pattern.startsWith("!");
      if (filterPattern(negated ? pattern.slice(1) : pattern).test(tag)) matched = !negated;
    }
    return matched;
  });
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

  it("sign releases and release candidates with the key or keylessly, granting id-token: write where they sign keylessly", () => {
    const calls = daggerCalls();
    const keyless = calls.filter((c) => c.flags.includes("actions-id-token-request-url"));
    expect(keyless.map((c) => `${c.where} ${c.fn}`)).toEqual(
      expect.arrayContaining([
        "release.yaml job release release",
        "release-candidate.yaml job release release",
      ]),
    );
    for (const file of ["release.yaml", "release-candidate.yaml"])
      expect(calls.filter((c) => c.where.startsWith(file) && c.fn === "release").map((c) => c.flags)).toEqual(
        expect.arrayContaining([
          expect.arrayContaining(["signing-key"]),
          expect.arrayContaining(["actions-id-token-request-url", "actions-id-token-request-token"]),
        ]),
      );
    for (const call of keyless) {
      const [file, , jobName] = call.where.split(" ");
      const doc = parse(readFileSync(join(workflowsDir, file!), "utf8")) as {
        jobs: Record<string, { permissions?: Record<string, string> }>;
      };
      expect(doc.jobs[jobName!]?.permissions?.["id-token"], call.where).toBe("write");
      expect(call.flags, call.where).toEqual(
        expect.arrayContaining(["actions-id-token-request-url", "actions-id-token-request-token"]),
      );
    }
    for (const file of ["release.yaml", "release-candidate.yaml"]) {
      const text = readFileSync(join(workflowsDir, file), "utf8");
      // The token request only ever as env: secrets, never its value in argv.
      expect(text).toContain("--actions-id-token-request-token env:ACTIONS_ID_TOKEN_REQUEST_TOKEN");
      expect(text).not.toMatch(/\$\{\{[^}]*ACTIONS_ID_TOKEN/);
    }
  });

  it("verify production with the public key, or keylessly without it, and need no id-token to verify", () => {
    const verifies = daggerCalls().filter(
      (c) => c.where === "promote-prod.yaml job promote" && c.fn === "verify",
    );
    expect(verifies.map((c) => c.flags)).toEqual(
      expect.arrayContaining([
        expect.arrayContaining(["key", "sha"]),
        expect.arrayContaining(["keyless", "sha"]),
      ]),
    );
    const doc = parse(readFileSync(join(workflowsDir, "promote-prod.yaml"), "utf8")) as {
      jobs: Record<string, { permissions?: Record<string, string> }>;
    };
    expect(doc.jobs.promote?.permissions?.["id-token"]).toBeUndefined();
  });

  it("never persist the checkout token (the module hands the checkout, .git included, to the engine)", () => {
    for (const file of workflows) {
      const doc = parse(readFileSync(join(workflowsDir, file), "utf8")) as {
        jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>;
      };
      for (const [jobName, job] of Object.entries(doc.jobs))
        for (const step of job.steps.filter((s) => s.uses?.startsWith("actions/checkout@")))
          expect(step.with?.["persist-credentials"], `${file} job ${jobName}`).toBe(false);
    }
  });

  it.each([
    ["v1.2.3", "release.yaml"],
    ["1.2.3", "release.yaml"],
    ["v2.0.0", "release.yaml"],
    ["v1.2", "release.yaml"],
    ["v1.2.3-rc.1", "release-candidate.yaml"],
    ["1.4.0-rc.12", "release-candidate.yaml"],
    ["v1.2.3-beta.1", null],
    ["nightly", null],
  ])("start on tag %s only the workflow the plan's rules expect (%s)", (tag, expected) => {
    const version = parseTagVersion(tag);
    const kind = !version ? null : isReleaseCandidate(tag) ? "rc" : version.prerelease ? null : "release";
    expect(kind === null ? null : kind === "rc" ? "release-candidate.yaml" : "release.yaml").toBe(expected);
    expect(workflowsOnTag(tag)).toEqual(expected ? [expected] : []);
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
