import { describe, expect, it } from "vitest";
import { byteBudget } from "../../src/adapters/registry/copy.js";

/** Runs tasks of the given sizes through one budget; returns the peak bytes held at once and the start order. */
async function run(capacity: number, sizes: number[]): Promise<{ peak: number; order: number[] }> {
  const budget = byteBudget(capacity);
  let held = 0;
  let peak = 0;
  const order: number[] = [];
  await Promise.all(
    sizes.map((size, i) =>
      budget(size, async () => {
        const bytes = Number.isFinite(size) ? Math.min(size, capacity) : capacity;
        held += bytes;
        peak = Math.max(peak, held);
        order.push(i);
        await new Promise((r) => setTimeout(r, 5));
        held -= bytes;
      }),
    ),
  );
  return { peak, order };
}

describe("byteBudget: the blob bytes a copy holds at once", () => {
  it.each([
    { name: "small blobs run together", capacity: 100, sizes: [10, 20, 30], peak: 60, order: [0, 1, 2] },
    { name: "never more than the capacity", capacity: 100, sizes: [60, 60, 30], peak: 90, order: [0, 1, 2] },
    {
      name: "a blob over the capacity runs alone",
      capacity: 100,
      sizes: [10, 500, 10],
      peak: 100,
      order: [0, 1, 2],
    },
    { name: "first come, first served", capacity: 100, sizes: [90, 50, 5], peak: 90, order: [0, 1, 2] },
    {
      name: "a size that is no number takes everything",
      capacity: 100,
      sizes: [10, Number.NaN, 10],
      peak: 100,
      order: [0, 1, 2],
    },
  ])("$name", async ({ capacity, sizes, peak, order }) => {
    const result = await run(capacity, sizes);
    expect(result.peak).toBe(peak);
    expect(result.order).toEqual(order);
  });

  it("gives the bytes back when a task fails", async () => {
    const budget = byteBudget(100);
    await expect(budget(100, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await budget(100, async () => "ran")).toBe("ran");
  });
});
