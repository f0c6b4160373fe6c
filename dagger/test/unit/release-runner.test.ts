import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/core/release/plan.js";
import { NO_SIGNING_KEY, runRelease } from "../../src/module/release.js";

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

  it("skips the sign stage with the reason when the run has no signing key, and runs it when it has", async () => {
    const stages: Plan["stages"] = ["publish", "helm-push", "sign", "latest"];
    const steps = { publish: async () => "", "helm-push": async () => "", latest: async () => "" };
    const unsigned = await runRelease(plan(stages), steps);
    expect(unsigned.stages.find((s) => s.stage === "sign")).toMatchObject({
      status: "skipped",
      detail: NO_SIGNING_KEY,
    });
    expect(NO_SIGNING_KEY).toMatch(/--signing-key env:COSIGN_PRIVATE_KEY/);
    const order: string[] = [];
    const record = (stage: string) => async () => {
      order.push(stage);
      return "";
    };
    const signed = await runRelease(plan(stages), {
      publish: record("publish"),
      "helm-push": record("helm-push"),
      sign: record("sign"),
      latest: record("latest"),
    });
    expect(signed.stages.map((s) => s.status)).toEqual(["ok", "ok", "ok", "ok"]);
    // Signing needs both pushes done, and comes before latest moves.
    expect(order).toEqual(["publish", "helm-push", "sign", "latest"]);
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
