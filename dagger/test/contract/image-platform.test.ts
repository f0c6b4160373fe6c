/**
 * Every image carries the platform it was built for, whatever its base: a generated image is a
 * container created for that platform (`container(platform:)`, then `from` the base or nothing for
 * scratch), replaying the plan its Dockerfile is rendered from; the repo's own Dockerfile is a
 * dockerBuild for the platform, guarded by publish's platform check. The recording engine reports
 * platforms as a real engine without emulation does (harness.ts builtPlatform): a dockerBuild
 * comes back as the engine's own platform.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { resolveConfig } from "../../src/core/config/config.js";
import { imagePlansFor } from "../../src/core/images/commands.js";
import { TOOL_IMAGES } from "../../src/core/tools/images.js";
import { decodeId, type Step } from "./engine.js";
import { allSteps, ENGINE_PLATFORM, ociLayoutAnswer, runModule } from "./harness.js";
import { chainLines, imagesOf, planLines } from "./image-chain.js";

const PLATFORMS = ["linux/amd64", "linux/arm64", "linux/arm/v7"];

/** A repository whose images are: api on scratch, tools on a base image with a package, migrate from its own Dockerfile. */
const yaml = [
  "app: shop",
  "image:",
  "  registry: registry.example.com/acme",
  "  base: scratch",
  "go:",
  "  source: src",
  `platforms: [${PLATFORMS.join(", ")}]`,
  "images:",
  "  api:",
  "    binaries: { api: /app/api }",
  "    lines: [EXPOSE 8080]",
  "  tools:",
  "    binaries: { worker: /usr/local/bin/worker }",
  `    base: ${TOOL_IMAGES.alpine}`,
  "    packages: [ca-certificates]",
  "    env: { MODE: batch }",
  "  migrate:",
  "    dockerfile: src/Dockerfile",
  "    context: src",
  "    binaries: { migrator: bin/migrator }",
  "",
].join("\n");

const answer = (chain: Step[]) => {
  const last = chain.at(-1)!;
  if (last.field === "contents" && chain.some((s) => s.field === "file" && s.args.path === "pipeline.yaml"))
    return yaml;
  const layout = ociLayoutAnswer(chain);
  if (layout !== undefined) return layout;
  return undefined;
};

describe("images carry the platform they were built for", () => {
  it.each(PLATFORMS)(
    "builds every generated image for %s on a container of that platform",
    async (platform) => {
      const run = await runModule({ fn: "images", args: { platforms: [platform] }, answer });
      expect(run.exitCode, run.stderr).toBe(0);
      const built = imagesOf(run.returned as string[]);
      expect(built.map((b) => b.image).sort()).toEqual(["api", "migrate", "tools"]);
      for (const { image, chain } of built.filter((b) => b.image !== "migrate")) {
        // The first step makes the container for the platform; nothing builds it from a Dockerfile.
        expect(chain[0], image).toEqual({ field: "container", args: { platform } });
        expect(
          chain.some((s) => s.field === "dockerBuild"),
          image,
        ).toBe(false);
      }
      const api = built.find((b) => b.image === "api")!.chain;
      const tools = built.find((b) => b.image === "tools")!.chain;
      // scratch: no base at all; the base image: pulled for that platform, the package installed on it.
      expect(api.filter((s) => s.field === "from")).toEqual([]);
      expect(tools.filter((s) => s.field === "from").map((s) => s.args.address)).toEqual([
        TOOL_IMAGES.alpine,
      ]);
      expect(tools.find((s) => s.field === "withExec")?.args.args).toEqual([
        "/bin/sh",
        "-c",
        "apk add --no-cache ca-certificates",
      ]);
      // The repo's own Dockerfile stays a dockerBuild, asked for the platform.
      const migrate = built.find((b) => b.image === "migrate")!.chain;
      expect(migrate.find((s) => s.field === "dockerBuild")?.args).toMatchObject({ platform });
    },
    120_000,
  );

  it("replays the plan the host's Dockerfile is rendered from, step for step", async () => {
    const run = await runModule({ fn: "images", args: { platforms: ["linux/arm64"] }, answer });
    expect(run.exitCode, run.stderr).toBe(0);
    const planRun = await runModule({ fn: "plan", answer });
    const plan = JSON.parse(String(planRun.returned)) as { annotations: Record<string, string> };
    const config = resolveConfig(parse(yaml), "pipeline.yaml", ["api", "migrator", "worker"]);
    const plans = imagePlansFor(config, plan.annotations, []);
    const built = imagesOf(run.returned as string[]);
    for (const { image, plan: p } of plans) {
      expect(chainLines(built.find((b) => b.image === image)!.chain), image).toEqual(planLines(p));
    }
  }, 120_000);

  it.each(["linux/arm64", "linux/arm/v7"])(
    "publishes generated images for amd64 and %s on an engine without emulation",
    async (other) => {
      const run = await runModule({
        fn: "publish",
        args: { registry: "localhost:5001" },
        answer: (chain) =>
          chain.at(-1)?.field === "contents" &&
          chain.some((s) => s.field === "file" && s.args.path === "pipeline.yaml")
            ? yaml
                .replace(`platforms: [${PLATFORMS.join(", ")}]`, `platforms: [linux/amd64, ${other}]`)
                .replace(/ {2}migrate:\n(?: {4}.*\n)+/, "")
            : answer(chain),
      });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.error).toBeUndefined();
      const merged = allSteps(run).filter(
        (s) => s.field === "publish" && Array.isArray(s.args.platformVariants),
      );
      expect(merged.length).toBeGreaterThan(0);
      for (const p of merged) {
        const platforms = (p.args.platformVariants as string[]).map((id) => decodeId(id)[0]?.args.platform);
        expect(platforms).toEqual(["linux/amd64", other]);
      }
    },
    120_000,
  );

  it("refuses to publish a repo Dockerfile image whose dockerBuild came back as the engine's platform", async () => {
    const run = await runModule({ fn: "publish", args: { registry: "localhost:5001" }, answer });
    expect(run.error).toMatch(
      new RegExp(
        `^publish: refusing to push a multi-arch tag that is not: migrate for linux/arm64: the image config says ${ENGINE_PLATFORM}`,
      ),
    );
    expect(run.error).not.toMatch(/\b(api|tools) for/);
    expect(allSteps(run).filter((s) => s.field === "publish")).toEqual([]);
  }, 120_000);
});
