import { describe, expect, it } from "vitest";
import { chooseRunner, parseRunner } from "../../src/core/runners/runner-choice.js";

describe("choosing a runner", () => {
  it.each([
    ["host", { daggerCli: true, engine: true }, "host", "--runner host"],
    ["dagger", { daggerCli: false, engine: null }, "dagger", "--runner dagger"],
    ["auto", { daggerCli: false, engine: null }, "host", "auto: no dagger CLI on PATH"],
    ["auto", { daggerCli: true, engine: false }, "host", "auto: the dagger CLI found no engine"],
    ["auto", { daggerCli: true, engine: true }, "dagger", "auto: dagger CLI and engine found"],
  ] as const)("--runner %s with %j picks %s (%s)", (flag, probe, runner, reason) => {
    expect(chooseRunner(flag, probe)).toEqual({ runner, reason });
  });

  it("defaults to auto and refuses an unknown runner with exit 2", () => {
    expect(parseRunner(undefined)).toBe("auto");
    expect(() => parseRunner("docker")).toThrow(/--runner "docker" must be host, dagger or auto/);
    try {
      parseRunner("x");
    } catch (error) {
      expect((error as { exitCode: number }).exitCode).toBe(2);
    }
  });
});
