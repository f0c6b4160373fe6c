import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/core/plan.js";
import { runRelease } from "../../src/release.js";

const plan = (stages: Plan["stages"]) =>
  ({ stages, version: "1.2.3", event: { kind: "release-tag" } }) as unknown as Plan;

describe("the module's release run, on the shared stage runner", () => {
  it("runs lint and test together, then the rest; folded stages say publish did them; outputs stay out", async () => {
    const summary = await runRelease(plan(["lint", "test", "build", "publish", "release-notes"]), {
      lint: async () => "lint output",
      test: async () => "test output",
      publish: async () => "ghcr.io/acme/app-api:1.2.3@sha256:abc",
    });
    expect(summary.plan).toBe("release-tag 1.2.3");
    expect(summary.stages.map((s) => [s.stage, s.status, s.detail])).toEqual([
      ["lint", "ok", undefined],
      ["test", "ok", undefined],
      ["build", "skipped", "done by publish"],
      ["publish", "ok", undefined],
      ["release-notes", "skipped", "no step in the module"],
    ]);
  });

  it("fails naming the first failed stage and skips what came after", async () => {
    await expect(
      runRelease(plan(["lint", "test", "publish"]), {
        lint: async () => {
          throw new Error("golangci-lint: 2 issues");
        },
        test: async () => "ok",
        publish: async () => "never",
      }),
    ).rejects.toThrow(/^release failed at lint: golangci-lint: 2 issues\n[\s\S]*"an earlier stage failed"/);
  });
});
