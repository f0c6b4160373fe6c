import { describe, expect, it } from "vitest";
import { blobTimeoutMs, MAX_BLOB_BYTES, REGISTRY_DEFAULTS } from "../../src/core/registry/retry-policy.js";

const MiB = 1024 * 1024;

describe("blobTimeoutMs: the base timeout plus one second per started MiB (a 1 MiB/s floor)", () => {
  it.each([
    { base: 30_000, size: 0, want: 30_000 },
    { base: 30_000, size: 1, want: 31_000 },
    { base: 30_000, size: MiB, want: 31_000 },
    { base: 30_000, size: MiB + 1, want: 32_000 },
    { base: 30_000, size: 40 * MiB, want: 70_000 },
    { base: 30_000, size: 500 * MiB, want: 530_000 },
    { base: 100, size: 2 * MiB, want: 2_100 },
    { base: 30_000, size: -5, want: 30_000 },
    { base: 30_000, size: MAX_BLOB_BYTES, want: 30_000 + 4096 * 1000 },
  ])("base $base ms, $size bytes: $want ms", ({ base, size, want }) => {
    expect(blobTimeoutMs(base, size)).toBe(want);
  });

  it("keeps the default base for small blobs such as configs", () => {
    expect(blobTimeoutMs(REGISTRY_DEFAULTS.timeoutMs, 1500)).toBe(REGISTRY_DEFAULTS.timeoutMs + 1000);
  });

  it("caps blobs at 4 GiB minus one", () => {
    expect(MAX_BLOB_BYTES).toBe(4 * 1024 * MiB - 1);
  });
});
