import { defineConfig } from "vitest/config";

/** Three tiers, each runnable alone: `vitest run --project unit|integration|contract`. */
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          // Real servers (registry, PostgreSQL, dockerd, git) start per file; give them room on 2 cores.
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          globalSetup: ["test/integration/global-setup.ts"],
        },
      },
      { test: { name: "contract", include: ["test/contract/**/*.test.ts"], testTimeout: 60_000 } },
    ],
  },
});
