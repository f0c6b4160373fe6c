import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { readCurrentLatest, updateLatest } from "../../src/adapters/registry/latest.js";
import { mergeManifests } from "../../src/adapters/registry/merge.js";
import { runCli } from "../support/cli.js";
import { pushTestImage } from "../support/images.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { skipWithout } from "../support/tools.js";

const settle = () => new Promise((r) => setTimeout(r, 300));

/** Publishes `version` of shop-api as a two-platform index annotated with its version. */
async function release(host: string, version: string, labels = true) {
  for (const architecture of ["amd64", "arm64"]) {
    await pushTestImage(host, {
      repository: "shop-api",
      tag: `${version}-${architecture}`,
      architecture,
      format: "oci",
      labels: labels ? { "org.opencontainers.image.version": version } : {},
    });
  }
  return mergeManifests({
    target: `${host}/shop-api:${version}`,
    sources: [`${host}/shop-api:${version}-amd64`, `${host}/shop-api:${version}-arm64`],
    version: labels ? version : undefined,
  });
}

describe.skipIf(skipWithout("docker-registry"))("latest against a real registry", () => {
  let registry: TestRegistry;
  let host: string;
  beforeAll(async () => {
    registry = await startRegistry();
    host = registry.host;
    for (const v of ["1.2.3", "1.9.0", "1.10.0", "1.11.0"]) await release(host, v);
    await new RegistryClient({ host }).putManifest(
      "shop-api",
      "latest",
      (await new RegistryClient({ host }).getManifest("shop-api", "1.10.0"))!.bytes,
      "application/vnd.oci.image.index.v1+json",
    );
  });
  afterAll(async () => registry?.remove());

  it("reads latest's version from the index annotation in one request", async () => {
    const client = new RegistryClient({ host });
    const current = await readCurrentLatest(client, "shop-api");
    expect(current).toMatchObject({ version: "1.10.0", source: "annotation", requests: 1 });
  });

  it("keeps latest for 1.2.3 when latest is 1.10.0 (semver, not text), deciding in at most 3 registry requests", async () => {
    await settle();
    const before = registry.requests().length;
    const result = runCli([
      "latest",
      `${host}/shop-api`,
      "--version",
      "1.2.3",
      "--tag-type",
      "annotated",
      "--json",
    ]);
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.decision).toMatchObject({ update: false, tags: [] });
    expect(out.decision.reason).toMatch(/older than 1\.10\.0/);
    expect(out.current.requests).toBeLessThanOrEqual(3);
    await settle();
    expect(registry.requests().slice(before).length).toBeLessThanOrEqual(3);
    expect((await new RegistryClient({ host }).resolve("shop-api", "latest"))?.digest).toBe(
      (await new RegistryClient({ host }).resolve("shop-api", "1.10.0"))?.digest,
    );
  });

  it("moves latest to 1.11.0 by putting the same manifest bytes under latest", async () => {
    const result = runCli(["latest", `${host}/shop-api`, "--version", "1.11.0", "--tag-type", "annotated"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/latest -> 1\.10\.0 \(from its annotation\); moved: latest/);
    const client = new RegistryClient({ host });
    expect((await client.resolve("shop-api", "latest"))?.digest).toBe(
      (await client.resolve("shop-api", "1.11.0"))?.digest,
    );
    const again = runCli([
      "latest",
      `${host}/shop-api`,
      "--version",
      "1.11.0",
      "--tag-type",
      "annotated",
      "--json",
    ]);
    expect(JSON.parse(again.stdout)).toMatchObject({ moved: [], decision: { update: false } });
  });

  it("moves X and X.Y too when asked", async () => {
    await release(host, "2.0.0");
    const result = await updateLatest({
      repository: `${host}/shop-api`,
      version: "2.0.0",
      strategy: "auto",
      tagType: "annotated",
      majorMinor: true,
    });
    expect(result.moved).toEqual(["2", "2.0", "latest"]);
  });

  it("never points latest at a manifest that does not exist", async () => {
    const result = runCli(["latest", `${host}/shop-api`, "--version", "9.9.9", "--tag-type", "annotated"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/shop-api:9\.9\.9 does not exist, so latest stays where it is/);
    const client = new RegistryClient({ host });
    expect((await client.resolve("shop-api", "latest"))?.digest).toBe(
      (await client.resolve("shop-api", "2.0.0"))?.digest,
    );
  });

  it("does not move latest for a lightweight tag, and writes nothing on a dry run", () => {
    const lightweight = runCli([
      "latest",
      `${host}/shop-api`,
      "--version",
      "3.0.0",
      "--tag-type",
      "lightweight",
      "--json",
    ]);
    expect(JSON.parse(lightweight.stdout).decision).toMatchObject({ update: false });
    const dry = runCli([
      "latest",
      `${host}/shop-api`,
      "--version",
      "3.0.0",
      "--strategy",
      "force",
      "--dry-run",
      "--json",
    ]);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, moved: [], decision: { update: true } });
  });

  it("falls back to a digest scan when latest carries no version, and says so", async () => {
    await release(host, "0.5.0", false);
    const client = new RegistryClient({ host });
    await client.putManifest(
      "shop-api",
      "latest",
      (await client.getManifest("shop-api", "0.5.0"))!.bytes,
      "application/vnd.oci.image.index.v1+json",
    );
    const result = runCli([
      "latest",
      `${host}/shop-api`,
      "--version",
      "0.6.0",
      "--dry-run",
      "--tag-type",
      "annotated",
    ]);
    expect(result.stdout).toMatch(/latest -> 0\.5\.0 \(from its digest-scan\)/);
    expect(result.stdout).toMatch(/scanning tag digests/);
  });
});
