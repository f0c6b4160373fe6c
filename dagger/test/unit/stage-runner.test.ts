import { describe, expect, it } from "vitest";
import { FailureError, MissingToolError } from "../../src/core/errors.js";
import { exitCodeOf, runStages, stageLine, summaryRows } from "../../src/core/runners/stage-runner.js";

/** A clock that advances one second per reading. */
function ticking(): () => number {
  let now = 0;
  return () => (now += 1000);
}

const ok = () => Promise.resolve("done");
const missing = () =>
  Promise.reject(new MissingToolError("chart-lint needs helm: go install helm.sh/helm/v3/cmd/helm@v3.22.0"));
const failing = () =>
  Promise.reject(new FailureError("test: coverage 40% is 10 points below the minimum 50%"));

describe("the stage runner", () => {
  it("runs every stage in order and exits 0 when all ran", async () => {
    const seen: string[] = [];
    const outcomes = await runStages(
      ["lint", "test"],
      { lint: ok, test: ok },
      {
        clock: ticking(),
        onOutcome: (o) => seen.push(o.stage),
      },
    );
    expect(outcomes.map((o) => [o.stage, o.status, o.seconds])).toEqual([
      ["lint", "ok", 1],
      ["test", "ok", 1],
    ]);
    expect(seen).toEqual(["lint", "test"]);
    expect(exitCodeOf(outcomes)).toBe(0);
  });

  it("skips a stage whose tool is missing, goes on, and exits 3", async () => {
    const outcomes = await runStages(["chart-lint", "build"], { "chart-lint": missing, build: ok });
    expect(outcomes.map((o) => o.status)).toEqual(["skipped", "ok"]);
    expect(outcomes[0]).toMatchObject({ missing: true, detail: expect.stringMatching(/go install helm/) });
    expect(exitCodeOf(outcomes)).toBe(3);
  });

  it("stops at a failure, skips the rest as such, and exits 1 even when a tool was missing too", async () => {
    const outcomes = await runStages(["lint", "test", "build"], { lint: missing, test: failing, build: ok });
    expect(outcomes.map((o) => [o.status, o.detail])).toEqual([
      ["skipped", expect.stringMatching(/needs helm/)],
      ["failed", "test: coverage 40% is 10 points below the minimum 50%"],
      ["skipped", "an earlier stage failed"],
    ]);
    expect(exitCodeOf(outcomes)).toBe(1);
  });

  it("runs the parallel group together first and reports in stage order", async () => {
    const order: string[] = [];
    const slow = (name: string, ms: number) => () =>
      new Promise<string>((r) =>
        setTimeout(() => {
          order.push(name);
          r(name);
        }, ms),
      );
    const outcomes = await runStages(
      ["lint", "test", "build"],
      {
        lint: slow("lint", 30),
        test: slow("test", 1),
        build: slow("build", 1),
      },
      { parallel: ["lint", "test"] },
    );
    expect(order).toEqual(["test", "lint", "build"]);
    expect(outcomes.map((o) => o.stage)).toEqual(["lint", "test", "build"]);
  });

  it("says why a stage without a step did not run", async () => {
    const outcomes = await runStages(["build"], {}, { noStep: () => "done by publish" });
    expect(outcomes[0]).toEqual({ stage: "build", status: "skipped", seconds: 0, detail: "done by publish" });
    expect(exitCodeOf(outcomes)).toBe(0);
  });

  it.each([
    [{ stage: "lint", status: "ok", seconds: 2.04 }, "ok    lint            2.0 s"],
    [
      { stage: "build", status: "ok", seconds: 1, detail: "6 binaries\nmore" },
      "ok    build           1.0 s  6 binaries",
    ],
    [
      {
        stage: "deploy",
        status: "skipped",
        seconds: 0,
        detail: "deploy needs a cluster\nmore",
        missing: true,
      },
      "skip  deploy          0.0 s  deploy needs a cluster",
    ],
    [
      { stage: "test", status: "failed", seconds: 12.2, detail: "test: boom" },
      "FAIL  test           12.2 s  test: boom",
    ],
  ] as const)("prints %j as one line", (outcome, line) => {
    expect(stageLine(outcome)).toBe(line);
  });

  it("tabulates ran, skipped with the reason, and failed, with a total", () => {
    const rows = summaryRows([
      { stage: "lint", status: "ok", seconds: 1 },
      { stage: "deploy", status: "skipped", seconds: 0, detail: "needs a cluster", missing: true },
    ]);
    expect(rows).toEqual([
      ["STAGE", "STATUS", "SECONDS", "REASON"],
      ["lint", "ran", "1.0", ""],
      ["deploy", "skipped", "0.0", "needs a cluster"],
      ["total", "incomplete", "1.0", ""],
    ]);
  });
});
