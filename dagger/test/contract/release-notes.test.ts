/**
 * The module's releaseNotes through the SDK entrypoint: git runs in the pinned git image over the
 * source (never spawned by the module, whose container has only node), the log is read with
 * NUL-separated fields, and the notes come back as Markdown.
 */
import { describe, expect, it } from "vitest";
import type { Step } from "./engine.js";
import { allSteps, runModule } from "./harness.js";

const TAG_SHA = "c".repeat(40);
const record = (sha: string, subject: string, body = "") =>
  [sha, "p".repeat(40), "Ann Lee", "ann@example.com", subject, body].join("\0");

/** Git's answers for a repo where v1.2.0 follows v1.2.0-rc.1 and v1.1.0. */
function gitAnswer(chain: Step[]): unknown {
  if (chain.at(-1)!.field !== "stdout") return undefined;
  const exec = [...chain].reverse().find((s) => s.field === "withExec");
  const argv = ((exec?.args.args as string[] | undefined) ?? []).slice(3);
  if (argv[0] === "rev-parse") return `${TAG_SHA}\n`;
  if (argv[0] === "tag" && argv[1] === "--list") return "v1.2.0\n";
  if (argv[0] === "tag" && argv[1] === "--merged") return "v1.0.0\nv1.1.0\nv1.2.0-rc.1\nv1.2.0\n";
  if (argv[0] === "log")
    return `${record("1".repeat(40), "feat(api): list orders (#21)")}\0${record("2".repeat(40), "fix: close rows", "BREAKING CHANGE: rows close early")}\0`;
  return undefined;
}

describe("releaseNotes", () => {
  it("reads git in the pinned git image and returns Markdown since the previous final release", async () => {
    const run = await runModule({ fn: "releaseNotes", args: { to: "v1.2.0" }, answer: gitAnswer });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.error).toBeUndefined();
    const notes = String(run.returned);
    expect(notes).toContain("## v1.2.0\n");
    expect(notes).toContain(
      "**Full changelog**: https://github.com/example/sample-app/compare/v1.1.0...v1.2.0",
    );
    expect(notes.indexOf("### Breaking changes")).toBeLessThan(notes.indexOf("### Features"));
    expect(notes).toContain("[#21](https://github.com/example/sample-app/pull/21)");

    const steps = allSteps(run);
    const execs = steps.filter((s) => s.field === "withExec").map((s) => s.args.args as string[]);
    const gitExecs = execs.filter((a) => a[0] === "git");
    expect(gitExecs.length).toBeGreaterThan(0);
    expect(execs.filter((a) => a[0] !== "git")).toEqual([]);
    for (const argv of gitExecs) expect(argv.slice(0, 3)).toEqual(["git", "-c", "safe.directory=/src"]);
    expect(gitExecs.find((a) => a[3] === "log")).toEqual([
      "git",
      "-c",
      "safe.directory=/src",
      "log",
      "--first-parent",
      "-z",
      "--format=%H%x00%P%x00%an%x00%ae%x00%s%x00%b",
      `v1.1.0..${TAG_SHA}`,
      "--",
    ]);
    const images = steps.filter((s) => s.field === "from").map((s) => s.args.address);
    expect(new Set(images)).toEqual(new Set(["alpine/git:v2.52.0"]));
  }, 120_000);
});
