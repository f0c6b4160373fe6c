import { beforeAll, describe, expect, it } from "vitest";
import { decodeId, type Step } from "./engine.js";
import { runModule } from "./harness.js";
import { isExcluded } from "./source-filter.js";

/** The `source` argument of the module's constructor as the module registered it. */
function constructorSource(steps: Step[][]): { defaultPath: unknown; ignore: string[] } {
  const seen = new Set<string>();
  let found: { defaultPath: unknown; ignore: string[] } | undefined;
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const step of decodeId(id)) {
      if (step.field === "withConstructor") {
        for (const inner of decodeId(String(step.args.function))) {
          if (inner.field === "withArg" && inner.args.name === "source") {
            found = { defaultPath: inner.args.defaultPath, ignore: inner.args.ignore as string[] };
          }
        }
      }
      for (const v of Object.values(step.args)) if (typeof v === "string" && v.startsWith("rec:")) visit(v);
    }
  };
  for (const chain of steps)
    for (const step of chain)
      for (const v of Object.values(step.args)) {
        const id = typeof v === "string" && v.startsWith('"rec:') ? (JSON.parse(v) as string) : v;
        if (typeof id === "string" && id.startsWith("rec:")) visit(id);
      }
  if (!found) throw new Error("the module registered no constructor with a source argument");
  return found;
}

describe("the module's source filter, as `dagger -m <ref> call --source .` applies it to another repository", () => {
  let source: { defaultPath: unknown; ignore: string[] };
  beforeAll(async () => {
    const run = await runModule(null);
    expect(run.exitCode, run.stderr).toBe(0);
    source = constructorSource(run.chains);
  }, 120_000);

  it("defaults to the repository root", () => {
    expect(source.defaultPath).toBe("/");
  });

  it("is a pure exclude list: nothing is let through by a sample allowlist", () => {
    expect(source.ignore.filter((p) => p.startsWith("!"))).toEqual([]);
    expect(source.ignore).not.toContain("**");
  });

  // Layouts the sample never had: the module at the root, charts/, ui/, pkg/, a vendor folder,
  // a Dockerfile, an embedded dist/ below the root, tools outside cmd/.
  it.each([
    "pipeline.yaml",
    "go.mod",
    "go.sum",
    "cmd/server/main.go",
    "tools/cli/main.go",
    "pkg/version/version.go",
    "internal/store/store.go",
    "vendor/github.com/x/y/y.go",
    "charts/shop/Chart.yaml",
    "charts/shop/templates/deployment.yaml",
    "deploy/helm/values.yaml",
    "ui/index.html",
    "web/dist/app.js",
    "Dockerfile",
    "build/Dockerfile.worker",
    "environments/staging/values.yaml",
    "src/go.mod",
    "helm/sample-app/Chart.yaml",
    ".git/HEAD",
    ".git/packed-refs",
    ".git/refs/tags/v1.2.3",
    ".git/refs/remotes/origin/HEAD",
    ".git/objects/ab/cdef0123",
    ".git/objects/pack/pack-1.pack",
  ])("lets %s through", (path) => {
    expect(isExcluded(source.ignore, path)).toBe(false);
  });

  it.each([
    "node_modules/left-pad/index.js",
    "dagger/node_modules/yaml/index.js",
    "ui/node_modules/react/index.js",
    ".out/api-linux-amd64",
    "src/.out/x",
    "dist/shop_linux_amd64/shop",
    "dagger/sdk/index.ts",
    ".pipeline/state.db",
    ".git/index",
    ".git/config",
    ".git/hooks/pre-commit",
    ".git/logs/HEAD",
    ".git/FETCH_HEAD",
  ])("leaves %s out", (path) => {
    expect(isExcluded(source.ignore, path)).toBe(true);
  });

  it("models the engine's matcher: the old allowlist would have hidden a root-level go.mod", () => {
    const old = ["**", "!pipeline.yaml", "!src/**", "!helm/**", "!environments/**", "!.git/**"];
    expect(isExcluded(old, "go.mod")).toBe(true);
    expect(isExcluded(old, "charts/shop/Chart.yaml")).toBe(true);
    expect(isExcluded(old, "src/cmd/api/main.go")).toBe(false);
  });
});
