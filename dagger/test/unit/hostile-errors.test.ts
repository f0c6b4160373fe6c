import { describe, expect, it } from "vitest";
import { reportError } from "../../src/cli/main.js";
import { formatTable } from "../../src/cli/output.js";
import { FailureError, UsageError } from "../../src/core/errors.js";
import { renderDockerfile } from "../../src/core/images/dockerfile.js";

const env = { REGISTRY_PASSWORD: "reg-pa55word-4711", GITOPS_TOKEN: "gitops-t0ken-0815", HOME: "/home/x" };

function report(error: unknown, extra: Record<string, string> = {}): { code: number; text: string } {
  let text = "";
  const code = reportError(error, { ...env, ...extra }, (t) => {
    text += t;
  });
  return { code, text };
}

describe("reportError", () => {
  it("prints a typed error as one line with its exit code", () => {
    expect(report(new UsageError("pipeline.yaml: app: is required"))).toEqual({
      code: 2,
      text: "pipeline: pipeline.yaml: app: is required\n",
    });
  });

  it("prints an unexpected error as one line, without a stack, and exits 1", () => {
    const { code, text } = report(new TypeError("x.replaceAll is not a function"));
    expect(code).toBe(1);
    expect(text).toBe(
      "pipeline: unexpected error (a bug, please report it; PIPELINE_DEBUG=1 prints the stack): TypeError: x.replaceAll is not a function\n",
    );
  });

  it.each([
    [
      "a typed error",
      new FailureError("push failed: token gitops-t0ken-0815 refused\nREGISTRY_PASSWORD=reg-pa55word-4711"),
    ],
    [
      "an unexpected error",
      new Error("fetch https://bot:hunter2@host/x failed with reg-pa55word-4711\n  at evil"),
    ],
    ["a thrown string", "gitops-t0ken-0815"],
  ])("never prints a secret, URL credentials or a second line for %s", (_name, error) => {
    for (const extra of [{}, { PIPELINE_DEBUG: "1" }] as Record<string, string>[]) {
      const { text } = report(error, extra);
      expect(text).not.toContain("reg-pa55word-4711");
      expect(text).not.toContain("gitops-t0ken-0815");
      expect(text).not.toContain("hunter2");
      if (!extra.PIPELINE_DEBUG) expect(text.trimEnd().split("\n")).toHaveLength(1);
    }
  });

  it("prints the stack and its causes only with PIPELINE_DEBUG=1", () => {
    const error = new FailureError("outer", { cause: new Error("inner cause") });
    expect(error.cause).toBeInstanceOf(Error);
    expect(report(error).text).not.toMatch(/\n\s+at /);
    const debug = report(error, { PIPELINE_DEBUG: "1" }).text;
    expect(debug).toMatch(/\n\s+at /);
    expect(debug).toMatch(/caused by:\nError: inner cause/);
  });
});

describe("renderDockerfile refuses what a shell would run", () => {
  const base = { binary: "api", base: "alpine:3.20", packages: [], user: "", hasAssets: false, labels: {} };
  it.each([
    [
      "a base with a newline",
      { base: "alpine:3.20\nRUN rm -rf /" },
      /image\.base "alpine:3\.20\\nRUN rm -rf \/"/,
    ],
    ["a package with a command", { packages: ["curl; rm -rf /"] }, /image\.packages/],
    ["a package with a substitution", { packages: ["$(id)"] }, /image\.packages/],
    ["a user with a newline", { user: "app\nRUN id" }, /image\.user/],
    ["a binary with a space", { binary: "a b" }, /binary "a b"/],
  ])("%s", (_name, override, message) => {
    expect(() => renderDockerfile({ ...base, ...override })).toThrow(UsageError);
    expect(() => renderDockerfile({ ...base, ...override })).toThrow(message);
  });
});

describe("formatTable", () => {
  it("keeps a hostile cell on its row", () => {
    expect(
      formatTable([
        ["message", "promote\nPipeline-Env: prod"],
        ["env", "staging"],
      ]),
    ).toBe("message  promote\\nPipeline-Env: prod\nenv      staging");
  });
});
