import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergeManifests } from "../../src/adapters/registry/merge.js";
import { runCli } from "../support/cli.js";
import { pushTestImage } from "../support/images.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool, skipWithout } from "../support/tools.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
afterAll(removeTempDirs);

describe.skipIf(skipWithout("docker-registry", "helm", "htpasswd"))(
  "chart push, verify and credentials against a real registry",
  () => {
    let registry: TestRegistry;
    let secured: TestRegistry;
    let chart: string;
    const helm = (...args: string[]) =>
      execFileSync(findTool("helm")!, args, {
        encoding: "utf8",
        env: { ...process.env, HELM_CONFIG_HOME: tempDir(), HELM_CACHE_HOME: tempDir() },
      });

    beforeAll(async () => {
      registry = await startRegistry();
      secured = await startRegistry({ auth: { username: "ci", password: "s3cret-Pa55" } });
      const out = tempDir();
      helm(
        "package",
        join(repoRoot, "helm/sample-app"),
        "--version",
        "1.2.3",
        "--app-version",
        "1.2.3",
        "--destination",
        out,
      );
      chart = join(out, readdirSync(out)[0]!);
    });
    afterAll(async () => {
      await registry?.remove();
      await secured?.remove();
    });

    it("pushes a chart that the real helm pulls and shows", () => {
      const pushed = runCli(["chart", "push", chart, `oci://${registry.host}/charts`, "--json"]);
      expect(pushed.stderr).toBe("");
      expect(JSON.parse(pushed.stdout)).toMatchObject({
        ref: `oci://${registry.host}/charts/sample-app:1.2.3`,
        changed: true,
      });
      const shown = helm(
        "show",
        "chart",
        `oci://${registry.host}/charts/sample-app`,
        "--version",
        "1.2.3",
        "--plain-http",
      );
      expect(shown).toMatch(/name: sample-app/);
      expect(shown).toMatch(/version: 1\.2\.3/);
      const dest = tempDir();
      helm(
        "pull",
        `oci://${registry.host}/charts/sample-app`,
        "--version",
        "1.2.3",
        "--plain-http",
        "--destination",
        dest,
      );
      expect(readdirSync(dest)).toEqual(["sample-app-1.2.3.tgz"]);
      const again = runCli(["chart", "push", chart, `oci://${registry.host}/charts`, "--json"]);
      expect(JSON.parse(again.stdout).changed).toBe(false);
    });

    it("verifies a release and reports everything missing at once", async () => {
      const repo = tempDir();
      for (const binary of ["api", "worker", "migrator"]) {
        mkdirSync(join(repo, "src/cmd", binary), { recursive: true });
        writeFileSync(join(repo, "src/cmd", binary, "main.go"), "package main\n\nfunc main() {}\n");
      }
      const config = join(repo, "pipeline.yaml");
      writeFileSync(
        config,
        `app: sample-app\nimage:\n  registry: ${registry.host}\nchart:\n  registry: oci://${registry.host}/charts\n`,
      );
      // api complete; worker with amd64 only; migrator absent.
      for (const arch of ["amd64", "arm64"])
        await pushTestImage(registry.host, {
          repository: "sample-app-api",
          tag: `1.2.3-${arch}`,
          architecture: arch,
        });
      await pushTestImage(registry.host, {
        repository: "sample-app-worker",
        tag: "1.2.3-amd64",
        architecture: "amd64",
      });
      await mergeManifests({
        target: `${registry.host}/sample-app-api:1.2.3`,
        sources: [
          `${registry.host}/sample-app-api:1.2.3-amd64`,
          `${registry.host}/sample-app-api:1.2.3-arm64`,
        ],
      });
      await mergeManifests({
        target: `${registry.host}/sample-app-worker:1.2.3`,
        sources: [`${registry.host}/sample-app-worker:1.2.3-amd64`],
      });
      const result = runCli([
        "--config",
        config,
        "verify",
        "--image-tag",
        "1.2.3",
        "--chart-version",
        "9.9.9",
        "--json",
      ]);
      expect(result.code).toBe(1);
      const out = JSON.parse(result.stdout);
      expect(out.missing, result.stdout + result.stderr).toEqual([
        `${registry.host}/sample-app-migrator:1.2.3: not found`,
        `${registry.host}/sample-app-worker:1.2.3: no linux/arm64 image (has linux/amd64)`,
        `oci://${registry.host}/charts/sample-app:9.9.9: chart version not found`,
      ]);
      expect(result.stderr).toMatch(/verify: 3 artifact\(s\) missing/);
    });

    it("pushes with basic auth from the environment", () => {
      const pushed = runCli(["chart", "push", chart, `oci://${secured.host}/charts`], {
        env: { REGISTRY_USERNAME: "ci", REGISTRY_PASSWORD: "s3cret-Pa55" },
      });
      expect(pushed.stderr).toBe("");
      expect(pushed.code).toBe(0);
    });

    it("fails wrong credentials with one line naming the registry and 401, without the password", () => {
      const result = runCli(["chart", "push", chart, `oci://${secured.host}/charts`], {
        env: { REGISTRY_USERNAME: "ci", REGISTRY_PASSWORD: "wrong-Pa55word" },
      });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(
        new RegExp(`registry ${secured.host.replace(".", "\\.")}, repository charts/sample-app.*HTTP 401`),
      );
      expect(result.stderr).toMatch(/check the registry credentials/);
      expect(result.stderr).not.toContain("wrong-Pa55word");
    });

    it("takes the password from stdin, never from argv", () => {
      const result = runCli(
        ["chart", "push", chart, `oci://${secured.host}/charts`, "--username", "ci", "--password-stdin"],
        { input: "s3cret-Pa55\n", env: { REGISTRY_USERNAME: undefined, REGISTRY_PASSWORD: undefined } },
      );
      expect(result.code).toBe(0);
    });

    it("asks for credentials when none are given", () => {
      const result = runCli(["chart", "push", chart, `oci://${secured.host}/charts`], {
        env: { REGISTRY_USERNAME: undefined, REGISTRY_PASSWORD: undefined, DOCKER_CONFIG: tempDir() },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/HTTP 401 Unauthorized: the registry wants credentials/);
    });
  },
);
