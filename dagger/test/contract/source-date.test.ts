/**
 * Reproducible by default, through the module: the date stamped into builds, labels and
 * annotations is the commit's, so two calls for one commit at different wall-clock times send
 * the engine the same build and image inputs, and its cache (and the images' digests) hold.
 */
import { describe, expect, it } from "vitest";
import { allSteps, HEAD_COMMIT_TIME, runModule } from "./harness.js";

/** The distinct queries of `a` that `b` never sent, shortened for the report. */
function onlyIn(a: readonly string[], b: readonly string[]): string[] {
  const sent = new Set(b);
  return a.filter((q) => !sent.has(q)).map((q) => q.slice(0, 2000));
}

const A_YEAR_MS = 366 * 24 * 60 * 60 * 1000;
const COMMIT_DATE = new Date(HEAD_COMMIT_TIME * 1000).toISOString().replace(".000Z", "Z");

describe("the module's dates come from the commit, never the clock", () => {
  it("plans created at the commit's committer time", async () => {
    const run = await runModule({ fn: "plan", clockOffsetMs: A_YEAR_MS });
    expect(run.exitCode, run.stderr).toBe(0);
    const plan = JSON.parse(String(run.returned)) as { annotations: Record<string, string> };
    expect(plan.annotations["org.opencontainers.image.created"]).toBe(COMMIT_DATE);
  }, 120_000);

  for (const fn of ["build", "images", "publish"] as const) {
    it(`${fn}: a call a year later sends exactly the same queries`, async () => {
      const args = fn === "publish" ? { registry: "localhost:5001" } : {};
      const now = await runModule({ fn, args });
      const later = await runModule({ fn, args, clockOffsetMs: A_YEAR_MS });
      expect(now.exitCode, now.stderr).toBe(0);
      expect(later.exitCode, later.stderr).toBe(0);
      // Independent queries go out concurrently, so their order (and how often the SDK resolves
      // one ID again) varies between runs; the queries themselves may not.
      expect(onlyIn(later.queries, now.queries)).toEqual([]);
      expect(onlyIn(now.queries, later.queries)).toEqual([]);
      if (fn === "build") return;
      // The labels say the commit's time (and so does every image built from them): generated
      // images get them as withLabel on a container of their platform (module/image-container.ts).
      const created = allSteps(now)
        .filter((s) => s.field === "withLabel" && s.args.name === "org.opencontainers.image.created")
        .map((s) => String(s.args.value));
      expect(created.length).toBeGreaterThan(0);
      expect(new Set(created)).toEqual(new Set([COMMIT_DATE]));
    }, 240_000);
  }
});
