import { describe, expect, it } from "vitest";
import { allInOrder, limiter } from "../../src/adapters/registry/parallel.js";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("limiter", () => {
  it.each([1, 3, 8])("never runs more than %i tasks at once, and runs them all", async (n) => {
    const limit = limiter(n);
    let running = 0;
    let most = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit(async () => {
          running++;
          most = Math.max(most, running);
          await tick(i % 3);
          running--;
          return i;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(most).toBe(n);
  });

  it("frees the slot of a task that fails", async () => {
    const limit = limiter(1);
    await expect(limit(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(limit(async () => "next")).resolves.toBe("next");
  });
});

describe("allInOrder", () => {
  it("throws the first failure in the listed order, after every task has settled", async () => {
    const settled: string[] = [];
    const work = [
      tick(20).then(() => {
        settled.push("slow failure");
        throw new Error("first listed");
      }),
      tick(1).then(() => {
        settled.push("fast failure");
        throw new Error("second listed");
      }),
      tick(10).then(() => settled.push("success")),
    ];
    await expect(allInOrder(work)).rejects.toThrow("first listed");
    expect(settled.sort()).toEqual(["fast failure", "slow failure", "success"]);
  });

  it("returns the values in the listed order", async () => {
    await expect(allInOrder([tick(5).then(() => "a"), Promise.resolve("b")])).resolves.toEqual(["a", "b"]);
  });
});
