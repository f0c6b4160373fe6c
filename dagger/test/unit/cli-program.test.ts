import { describe, expect, it } from "vitest";
import { buildProgram, COMMAND_NAMES, namedCommand, programFor } from "../../src/cli/program.js";

const argv = (...args: string[]) => ["node", "pipeline", ...args];

describe("namedCommand: which command argv runs, when it can be built alone", () => {
  it.each([
    { args: ["manifest", "merge", "a", "b"], named: "manifest" },
    { args: ["image", "copy", "a", "b"], named: "image" },
    { args: ["lint"], named: "lint" },
    { args: ["unfreeze", "prod"], named: "unfreeze" },
    { args: ["-c", "p.yaml", "plan", "--json"], named: "plan" },
    { args: ["--config", "p.yaml", "plan"], named: "plan" },
    { args: ["--config=p.yaml", "plan"], named: "plan" },
    { args: ["-cp.yaml", "plan"], named: "plan" },
    // The value of -c is not a command, even when it is spelled like one.
    { args: ["-c", "manifest"], named: undefined },
    { args: [], named: undefined },
    { args: ["local"], named: undefined },
    { args: ["--runner", "host"], named: undefined },
    { args: ["--", "manifest"], named: undefined },
    { args: ["help", "manifest"], named: undefined },
    { args: ["manifest", "--help"], named: undefined },
    { args: ["manifest", "merge", "-h"], named: undefined },
    { args: ["--help"], named: undefined },
    { args: ["nonsense"], named: undefined },
  ])("$args -> $named", ({ args, named }) => {
    expect(namedCommand(argv(...args))).toBe(named);
  });
});

describe("programFor", () => {
  it("builds every named command alone, under the same program", () => {
    for (const name of COMMAND_NAMES) {
      const program = programFor(argv(name));
      expect(program.commands.map((c) => c.name())).toEqual([name]);
      expect(program.options.map((o) => o.flags)).toEqual(["-c, --config <file>"]);
    }
  });

  it("builds the whole program, in --help order, for anything else", () => {
    const whole = buildProgram();
    expect(whole.commands.map((c) => c.name())).toEqual(["local", ...COMMAND_NAMES]);
    const forHelp = programFor(argv("manifest", "--help"));
    expect(forHelp.commands.map((c) => c.name())).toEqual(["local", ...COMMAND_NAMES]);
  });
});
