/**
 * The CLI container on a real engine: built from the module's source as the runtime hands it over
 * (core/tools/pipeline-cli.ts CLI_BUILD, run on the host by test/integration/cli-container-build.test.ts),
 * and a failure anywhere in it reaches the caller with the failing tool's own last lines.
 */
import { describe, expect, it } from "vitest";
import { CLI_BUILD } from "../../src/core/tools/pipeline-cli.js";
import { execFailure, type Step } from "./engine.js";
import { runModule, secretId } from "./harness.js";

const PROMOTE = {
  fn: "promote",
  args: {
    environment: "staging",
    imageTag: "1.2.3",
    chartVersion: "1.2.3",
    sha: "a".repeat(40),
    token: secretId("gitops"),
  },
};

/** The stdout chain that runs the CLI (its last exec is `node <entry> ...`). */
const isCliRun = (chain: Step[]) =>
  chain.at(-1)?.field === "stdout" &&
  (chain.findLast((s) => s.field === "withExec")?.args.args as string[] | undefined)?.[1]?.endsWith(
    CLI_BUILD.entry,
  );

describe("the CLI container", () => {
  it("installs production dependencies only and copies only the CLI's files from the module's source", async () => {
    const run = await runModule(PROMOTE, { gitops: "gitops-token-value" });
    expect(run.exitCode, run.stderr).toBe(0);
    const chain = run.chains.find(isCliRun)!;
    const execs = chain.filter((s) => s.field === "withExec").map((s) => s.args.args as string[]);
    expect(execs.slice(0, 2)).toEqual([[...CLI_BUILD.install], [...CLI_BUILD.compile]]);
    expect(execs[0]).toContain("--omit=dev");
    const copies = chain.filter((s) => s.field === "withDirectory" && s.args.path === "/pipeline");
    // The manifests alone first (the install layer survives a source change), then the sources.
    expect(copies).toHaveLength(2);
    expect(copies[1]!.args).toMatchObject({
      include: [...CLI_BUILD.sources.include],
      exclude: ["src/module/**", "src/index.ts"],
    });
  }, 120_000);

  it("fails with the failing build step's own output, not only its exit code", async () => {
    const tsc = "src/cli/x.ts(1,20): error TS2307: Cannot find module '@dagger.io/dagger'";
    const run = await runModule(
      {
        ...PROMOTE,
        answer: (chain) => (isCliRun(chain) ? execFailure([...CLI_BUILD.compile], 2, tsc, "") : undefined),
      },
      { gitops: "gitops-token-value" },
    );
    expect(run.error).toBe(`pipeline promote: \`${CLI_BUILD.compile.join(" ")}\` exited 2:\n  ${tsc}`);
  }, 120_000);

  it("fails with the CLI's own error lines when the command fails", async () => {
    const stderr = "promote: staging already runs 1.2.3\nnothing to do";
    const run = await runModule(
      {
        ...PROMOTE,
        answer: (chain) => {
          if (!isCliRun(chain)) return undefined;
          const argv = chain.findLast((s) => s.field === "withExec")!.args.args as string[];
          return execFailure(argv, 1, "", stderr);
        },
      },
      { gitops: "gitops-token-value" },
    );
    expect(run.error).toMatch(
      /^pipeline promote: `node \/pipeline\/dist\/bin\/pipeline\.js --config .*` exited 1:\n/,
    );
    expect(run.error).toContain("  promote: staging already runs 1.2.3\n  nothing to do");
  }, 120_000);
});
