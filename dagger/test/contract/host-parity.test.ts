/**
 * The host runner and the module run the same commands: for the same plan, the go builds the
 * module sends to the engine (argv and env) are the host runner's build commands, its generated
 * Dockerfiles are byte for byte the host runner's, and it builds the same images per platform from
 * the same files: a generated image replays the plan the host's Dockerfile is rendered from, a repo
 * Dockerfile is the same dockerBuild.
 */
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/adapters/config/config-file.js";
import { resolveConfig } from "../../src/core/config/config.js";
import { buildCommands } from "../../src/core/go/commands.js";
import { dockerfilesFor, imageBuilds, imagePlansFor } from "../../src/core/images/commands.js";
import type { Plan } from "../../src/core/release/plan.js";
import { decodeId, type Step } from "./engine.js";
import { allSteps, type ModuleRun, runModule } from "./harness.js";
import { chainLines, imagesOf, planLines } from "./image-chain.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
const config = loadConfig(join(repoRoot, "pipeline.yaml"));

/** Every chain the run sent, including those inside the IDs it passed, decoded. */
function chains(run: ModuleRun): Step[][] {
  const out: Step[][] = [...run.chains];
  const seen = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === "string" && value.startsWith('"rec:')) visit(JSON.parse(value));
    else if (typeof value === "string" && value.startsWith("rec:") && !seen.has(value)) {
      seen.add(value);
      const chain = decodeId(value);
      out.push(chain);
      for (const step of chain) visit(step.args);
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === "object") Object.values(value).forEach(visit);
  };
  for (const chain of run.chains) for (const step of chain) visit(step.args);
  return out;
}

/** Each `go build` exec with the environment its container had at that point (the `keys` of it). */
function goBuilds(
  run: ModuleRun,
  keys = ["CGO_ENABLED", "GOOS", "GOARCH", "GOARM"],
): { argv: string[]; env: Record<string, string> }[] {
  const found = new Map<string, { argv: string[]; env: Record<string, string> }>();
  for (const chain of chains(run)) {
    const env: Record<string, string> = {};
    for (const step of chain) {
      if (step.field === "withEnvVariable") env[String(step.args.name)] = String(step.args.value);
      const argv = step.args.args as string[] | undefined;
      if (step.field === "withExec" && argv?.[0] === "go" && argv[1] === "build") {
        const picked = Object.fromEntries(
          keys.filter((k) => env[k] !== undefined).map((k) => [k, env[k]!]),
        ) as Record<string, string>;
        found.set(JSON.stringify([argv, picked]), { argv, env: picked });
      }
    }
  }
  return [...found.values()];
}

const sorted = <T>(items: T[]) => items.map((i) => JSON.stringify(i)).sort();

/** The created time is the only input that differs between two runs; compare the rest. */
const created = (text: string) =>
  text.replace(/org\.opencontainers\.image\.created="[^"]*"/, 'org.opencontainers.image.created="T"');

describe("the host runner and the module", () => {
  it("cross-compile with the same argv and env for every binary and platform", async () => {
    const platforms = ["linux/amd64", "linux/arm64"];
    const run = await runModule({ fn: "build", args: { platforms, version: "1.2.3", commit: "abc1234" } });
    expect(run.exitCode, run.stderr).toBe(0);
    const host = buildCommands(config, platforms, { version: "1.2.3", commit: "abc1234", outDir: "/out" });
    expect(host).toHaveLength(6);
    expect(sorted(goBuilds(run))).toEqual(sorted(host.map((c) => ({ argv: c.argv, env: c.env }))));
  }, 120_000);

  it("generate the same Dockerfiles, and build the same images from the plans they render and the same files", async () => {
    const planRun = await runModule({ fn: "plan" });
    const plan = JSON.parse(String(planRun.returned)) as Plan;
    const files = await runModule({ fn: "dockerfiles" });
    expect(files.exitCode, files.stderr).toBe(0);
    const moduleFiles = new Map(
      allSteps(files)
        .filter((s) => s.field === "withNewFile" && String(s.args.path).startsWith("Dockerfile."))
        .map((s) => [String(s.args.path), created(String(s.args.contents))]),
    );
    const hostFiles = dockerfilesFor(config, plan.annotations, true);
    expect([...moduleFiles.keys()].sort()).toEqual(hostFiles.map((f) => f.file).sort());
    for (const file of hostFiles) expect(moduleFiles.get(file.file), file.file).toBe(created(file.text));

    const run = await runModule({ fn: "images" });
    expect(run.exitCode, run.stderr).toBe(0);
    // Each image and platform the host builds is a container of that platform replaying the plan
    // the host's Dockerfile is rendered from.
    const built = imagesOf(run.returned as string[]);
    const hostBuilds = imageBuilds(config, config.platforms, plan.tags.image);
    expect(sorted(built.map((b) => ({ image: b.image, platform: b.chain[0]?.args.platform })))).toEqual(
      sorted(hostBuilds.map((b) => ({ image: b.image, platform: b.platform }))),
    );
    const plans = imagePlansFor(config, plan.annotations, true);
    for (const b of built)
      expect(chainLines(b.chain).map(created), b.image).toEqual(
        planLines(plans.find((p) => p.image === b.image)!.plan).map(created),
      );
    // Each context gets each binary from the same place in the build output.
    const steps = allSteps(run);
    const contextFiles = steps
      .filter(
        (s) =>
          s.field === "withFile" && hostBuilds.some((b) => b.context.some((e) => e.path === s.args.path)),
      )
      .map((s) => decodeId(String(s.args.source)).at(-1)?.args.path);
    for (const build of hostBuilds)
      for (const entry of build.context.filter((e) => e.from === "build" && e.source.includes("/")))
        expect(contextFiles).toContain(entry.source);
  }, 120_000);

  describe("for a repo with an images map, a repo Dockerfile and custom build flags", () => {
    // The sample's binaries, shipped the way another repository would: one image with two binaries
    // and a folder, one from the repo's own Dockerfile at a target, custom -X names, tags and env.
    const yaml = [
      "app: shop",
      "go:",
      "  source: src",
      "  ldflags: -s -w -X example.com/shop/pkg/version.VERSION={{.Version}} -X main.REVISION={{.Commit}}",
      "  tags: [netgo]",
      "  env: { GOEXPERIMENT: loopvar }",
      "platforms: [linux/amd64, linux/arm64]",
      "images:",
      "  web:",
      "    binaries: { api: /app/api, worker: /usr/local/bin/worker }",
      "    files: { src/assets: /app/assets }",
      "    env: { ASSETS: /app/assets }",
      "    cmd: [serve]",
      "    values: image",
      "  migrate:",
      "    dockerfile: src/Dockerfile",
      "    context: src",
      "    target: migrate",
      "    binaries: { migrator: bin/migrator }",
      "    buildArgs: { BASE: scratch }",
      "",
    ].join("\n");
    const shop = resolveConfig(parse(yaml), "pipeline.yaml", ["api", "migrator", "worker"]);
    const answer = (chain: Step[]) => {
      const last = chain.at(-1)!;
      if (
        last.field === "contents" &&
        chain.some((s) => s.field === "file" && s.args.path === "pipeline.yaml")
      )
        return yaml;
      if (last.field === "exists") return last.args.path === "src/assets";
      return undefined;
    };

    it("cross-compile with the same argv and env", async () => {
      const platforms = ["linux/amd64", "linux/arm64"];
      const run = await runModule({
        fn: "build",
        args: { platforms, version: "1.2.3", commit: "abc1234" },
        answer,
      });
      expect(run.exitCode, run.stderr).toBe(0);
      const host = buildCommands(shop, platforms, { version: "1.2.3", commit: "abc1234", outDir: "/out" });
      expect(host[0]!.argv).toContain(
        "-s -w -X example.com/shop/pkg/version.VERSION=1.2.3 -X main.REVISION=abc1234",
      );
      const moduleBuilds = goBuilds(run, Object.keys(host[0]!.env));
      expect(sorted(moduleBuilds)).toEqual(sorted(host.map((c) => ({ argv: c.argv, env: c.env }))));
    }, 120_000);

    it("generate the same Dockerfile and build the same images, targets and build args", async () => {
      const planRun = await runModule({ fn: "plan", answer });
      const plan = JSON.parse(String(planRun.returned)) as Plan;
      const files = await runModule({ fn: "dockerfiles", answer });
      const moduleFiles = new Map(
        allSteps(files)
          .filter((s) => s.field === "withNewFile" && String(s.args.path).startsWith("Dockerfile."))
          .map((s) => [String(s.args.path), created(String(s.args.contents))]),
      );
      const hostFiles = dockerfilesFor(shop, plan.annotations, true);
      expect(hostFiles.map((f) => f.file)).toEqual(["Dockerfile.web"]);
      expect(moduleFiles.get("Dockerfile.web")).toBe(created(hostFiles[0]!.text));
      expect(hostFiles[0]!.text).toContain("COPY worker /usr/local/bin/worker");
      expect(hostFiles[0]!.text).toContain("COPY _files/src/assets /app/assets");

      const run = await runModule({ fn: "images", answer });
      expect(run.exitCode, run.stderr).toBe(0);
      const steps = allSteps(run);
      const hostBuilds = imageBuilds(shop, shop.platforms, plan.tags.image);
      // The generated image: a container per platform replaying the plan of Dockerfile.web.
      const web = imagesOf(run.returned as string[]).filter((b) => b.image === "web");
      expect(web.map((b) => b.chain[0]?.args.platform).sort()).toEqual([...shop.platforms].sort());
      const webPlan = imagePlansFor(shop, plan.annotations, true).find((p) => p.image === "web")!.plan;
      for (const b of web) expect(chainLines(b.chain).map(created)).toEqual(planLines(webPlan).map(created));
      // The repo's own Dockerfile: a dockerBuild per platform with its target and build args.
      const moduleBuilds = steps
        .filter((s) => s.field === "dockerBuild")
        .map((s) => ({
          dockerfile: String(s.args.dockerfile),
          platform: String(s.args.platform),
          target: String(s.args.target ?? ""),
          buildArgs: Object.fromEntries(
            ((s.args.buildArgs as { name: string; value: string }[] | undefined) ?? []).map((a) => [
              a.name,
              a.value,
            ]),
          ),
        }));
      expect(sorted(moduleBuilds)).toEqual(
        sorted(
          hostBuilds
            .filter((b) => b.baseContext !== null)
            .map((b) => ({
              dockerfile: b.dockerfile,
              platform: b.platform,
              target: b.target,
              buildArgs: b.buildArgs,
            })),
        ),
      );
      // The Dockerfile image's context starts from the repo folder the config names.
      expect(steps.some((s) => s.field === "directory" && s.args.path === "src")).toBe(true);
      const contextPaths = steps
        .filter((s) => s.field === "withFile" || s.field === "withDirectory")
        .map((s) => s.args.path);
      for (const build of hostBuilds)
        for (const entry of build.context) expect(contextPaths).toContain(entry.path);
    }, 120_000);
  });
});
