/**
 * One commit's chart is one blob: `helm package` dates every entry by the clock, so two packages
 * of the same chart differ; pushed with the source date (SOURCE_DATE_EPOCH, which the module sets
 * to the commit's time) they are the same artifact, the second push changes nothing, and the real
 * helm pulls it.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { newestTarTime } from "../../src/core/release/reproducible.js";
import { runCli } from "../support/cli.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool, skipWithout } from "../support/tools.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
const EPOCH = 1_700_000_000;

describe.skipIf(skipWithout("docker-registry", "helm"))("chart push with a source date", () => {
  let registry: TestRegistry;
  const charts: string[] = [];
  const helm = (...args: string[]) =>
    execFileSync(findTool("helm")!, args, {
      encoding: "utf8",
      env: { ...process.env, HELM_CONFIG_HOME: tempDir(), HELM_CACHE_HOME: tempDir() },
    });
  const push = (chart: string, env: Record<string, string | undefined>) =>
    runCli(["chart", "push", chart, `oci://${registry.host}/charts`, "--json"], { env });

  beforeAll(async () => {
    registry = await startRegistry();
    for (let i = 0; i < 2; i++) {
      // Tar times are whole seconds: the second package is made in a later second than the first.
      if (i) await sleep(1_100);
      const out = tempDir();
      helm("package", join(repoRoot, "helm/sample-app"), "--version", "2.0.0", "--destination", out);
      charts.push(join(out, readdirSync(out)[0]!));
    }
  });
  afterAll(async () => {
    await registry?.remove();
    removeTempDirs();
  });

  it("pushes two packagings of one chart as one artifact, dated by the source date", async () => {
    const [a, b] = charts.map((c) => readFileSync(c));
    expect(a!.equals(b!), "helm package is not reproducible by itself").toBe(false);
    const env = { SOURCE_DATE_EPOCH: String(EPOCH) };
    const first = push(charts[0]!, env);
    expect(first.code, first.stderr).toBe(0);
    const second = push(charts[1]!, env);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ changed: true });
    expect(JSON.parse(second.stdout)).toMatchObject({
      changed: false,
      digest: JSON.parse(first.stdout).digest,
    });

    const client = new RegistryClient({ host: registry.host });
    const manifest = JSON.parse(
      (await client.getManifest("charts/sample-app", "2.0.0"))!.bytes.toString(),
    ) as {
      layers: { digest: string; size: number }[];
      annotations: Record<string, string>;
    };
    expect(manifest.annotations["org.opencontainers.image.created"]).toBe("2023-11-14T22:13:20Z");
    const blob = await client.getBlob(
      "charts/sample-app",
      manifest.layers[0]!.digest,
      manifest.layers[0]!.size,
    );
    expect(newestTarTime(gunzipSync(blob))).toBe(EPOCH);
    const shown = helm(
      "show",
      "chart",
      `oci://${registry.host}/charts/sample-app`,
      "--version",
      "2.0.0",
      "--plain-http",
    );
    expect(shown).toMatch(/version: 2\.0\.0/);
  });

  it("without a source date, dates the chart by its own newest entry, never the push", () => {
    const pushed = runCli(["chart", "push", charts[1]!, `oci://${registry.host}/other`, "--json"], {
      env: { SOURCE_DATE_EPOCH: undefined },
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    const packaged = newestTarTime(gunzipSync(readFileSync(charts[1]!)));
    expect(JSON.parse(pushed.stdout).changed).toBe(true);
    return new RegistryClient({ host: registry.host }).getManifest("other/sample-app", "2.0.0").then((m) => {
      const created = JSON.parse(m!.bytes.toString()).annotations["org.opencontainers.image.created"];
      expect(Date.parse(created) / 1000).toBe(packaged);
    });
  });

  it("refuses a SOURCE_DATE_EPOCH that is not a time, pushing nothing", () => {
    const before = registry.requests().length;
    const pushed = push(charts[0]!, { SOURCE_DATE_EPOCH: "soon" });
    expect(pushed.code).toBe(2);
    expect(pushed.stderr).toMatch(/^pipeline: SOURCE_DATE_EPOCH .* is not a time/);
    expect(registry.requests().slice(before)).toEqual([]);
  });
});
