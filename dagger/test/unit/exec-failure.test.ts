import { describe, expect, it } from "vitest";
import { execFailureOf, toolFailureMessage } from "../../src/core/tools/output.js";

/** The SDK's ExecError as the module sees it: a class it cannot import, known by its name and fields. */
class ExecError extends Error {
  override name = "ExecError";
  constructor(
    message: string,
    readonly cmd: string[],
    readonly exitCode: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

describe("execFailureOf: an engine exec failure, recognised by its shape", () => {
  it.each([
    ["a plain Error", new Error("exit code: 1"), undefined],
    ["a string", "exit code: 1", undefined],
    ["an object with the fields but no Error", { name: "ExecError", cmd: ["x"], exitCode: 1 }, undefined],
    [
      "an Error named ExecError without cmd",
      Object.assign(new Error("x"), { name: "ExecError", exitCode: 1 }),
      undefined,
    ],
    [
      "the SDK's ExecError",
      new ExecError("exit code: 2", ["tsc", "-p", "x"], 2, "src/a.ts(1,1): error TS2307", ""),
      { cmd: ["tsc", "-p", "x"], exitCode: 2, stdout: "src/a.ts(1,1): error TS2307", stderr: "" },
    ],
    [
      "an ExecError missing its output",
      Object.assign(new Error("x"), { name: "ExecError", cmd: ["go"], exitCode: 1 }),
      { cmd: ["go"], exitCode: 1, stdout: "", stderr: "" },
    ],
  ])("%s", (_, error, expected) => {
    expect(execFailureOf(error)).toEqual(expected);
  });

  it("keeps the tool's last lines in the stage's message", () => {
    const failure = execFailureOf(
      new ExecError("exit code: 2", ["node", "tsc"], 2, "", "error TS2307: Cannot find module 'x'"),
    )!;
    expect(toolFailureMessage("pipeline promote", failure)).toBe(
      "pipeline promote: `node tsc` exited 2:\n  error TS2307: Cannot find module 'x'",
    );
  });
});
