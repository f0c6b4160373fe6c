/**
 * The commands the Dagger module runs in its Node container (src/module/cli-container.ts), run for real
 * on the host: the same argv from the same builders (core/tools/pipeline-cli.ts), against a real gitops
 * repository and a real registry. The contract tier checks the module asks for exactly these.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  cliInvocation,
  latestCommand,
  previewDownCommand,
  previewUpCommand,
  promoteCommand,
  rollbackCommand,
  verifyCommand,
} from "../../src/core/tools/pipeline-cli.js";
import { CLI_ENTRY, type CliResult, runCli } from "../support/cli.js";
import { makeApp, makeGitopsRemote } from "../support/gitops.js";
import { startRegistry } from "../support/registry.js";
import { removeTempDirs } from "../support/temp.js";

afterAll(removeTempDirs);

const sample = readFileSync(resolve(import.meta.dirname, "../../../pipeline.yaml"), "utf8");

describe("the module's CLI commands, run on the host", () => {
  const { dir } = makeApp(sample);
  const repo = makeGitopsRemote([makeApp(sample).config]);
  /** Runs one command as the module's container does: `node <entry> --config <file> ... --json`. */
  const run = (command: string[], env: Record<string, string> = {}): CliResult => {
    const argv = cliInvocation(CLI_ENTRY, join(dir, "pipeline.yaml"), command);
    expect(argv.slice(0, 2)).toEqual(["node", CLI_ENTRY]);
    return runCli(argv.slice(2), { env: { GITOPS_TOKEN: "gitops-token", ...env } });
  };
  const json = (result: CliResult) => {
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  };
  const sha = "a".repeat(40);

  it("promotes, previews, removes the preview and rolls back, printing JSON", () => {
    const promote = (tag: string) =>
      json(
        run(
          promoteCommand({
            environment: "staging",
            imageTag: tag,
            chartVersion: `1.2.4-${tag}`,
            sourceSha: sha,
            repo,
          }),
        ),
      );
    expect(promote("sha-1111111")).toMatchObject({
      environment: "staging",
      version: "sha-1111111",
      changed: true,
    });
    expect(promote("sha-2222222")).toMatchObject({ changed: true });
    // Safe to re-run: the same promotion changes nothing.
    expect(promote("sha-2222222")).toMatchObject({ changed: false });
    expect(
      json(
        run(
          previewUpCommand({ pr: 42, imageTag: "pr-42-abc1234", chartVersion: "0.0.0-pr-42-abc1234", repo }),
        ),
      ),
    ).toMatchObject({ pr: 42, changed: true });
    expect(json(run(previewDownCommand({ pr: 42, repo })))).toMatchObject({ pr: 42, changed: true });
    expect(json(run(rollbackCommand({ environment: "staging", repo })))).toMatchObject({
      environment: "staging",
      version: "sha-1111111",
    });
  });

  it("verifies against a real registry, listing what is missing as JSON with exit code 1", async () => {
    const registry = await startRegistry();
    try {
      const result = run(verifyCommand({ imageTag: "1.2.3", registry: registry.host }));
      expect(result.code, result.stderr).toBe(1);
      const report = JSON.parse(result.stdout) as { ok: boolean; missing: string[] };
      expect(report.ok).toBe(false);
      expect(report.missing).toContain(`${registry.host}/sample-app-api:1.2.3: not found`);
      // latest, decided only: the tag type comes from the caller (the plan read it from git).
      const latest = run(
        latestCommand({
          repository: `${registry.host}/sample-app-api`,
          version: "1.2.3",
          tagType: "lightweight",
          dryRun: true,
        }),
      );
      expect(latest.code, latest.stderr).toBe(0);
      expect(JSON.parse(latest.stdout)).toMatchObject({
        dryRun: true,
        moved: [],
        decision: {
          update: false,
          reason: "1.2.3 is a lightweight tag; only annotated release tags move latest.",
        },
      });
    } finally {
      await registry.remove();
    }
  });
});
