import { describe, expect, it } from "vitest";
import { measureServe } from "../../scripts/bench/serve.js";

describe("pipeline serve under a burst of webhooks from another process", () => {
  it("records exactly one run per delivery id: 200 deliveries with 20 replays make 180 runs", async () => {
    const result = await measureServe(200, 20);
    expect(result.statuses).toEqual({ "200": 20, "202": 180 });
    expect(result.runs).toBe(180);
    expect(result.p99Ms).toBeGreaterThan(0);
  });
});
