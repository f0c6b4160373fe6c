import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { mergeManifests } from "../../src/adapters/registry/merge.js";
import { MediaType } from "../../src/core/registry/oci.js";
import { runCli } from "../support/cli.js";
import { pushTestImage } from "../support/images.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { findTool, skipWithout } from "../support/tools.js";

/** Blob bytes sent to the registry: monolithic PUTs with a digest, or chunked PATCHes. */
const blobUploads = (requests: string[]) =>
  requests.filter((r) => /^(PUT|PATCH) \/v2\/.*\/blobs\/uploads\//.test(r));

describe.skipIf(skipWithout("docker-registry", "skopeo"))("manifest merge against a real registry", () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => registry?.remove());

  it("merges Docker v2 amd64 and arm64 images into a manifest list that skopeo reads back", async () => {
    const host = registry.host;
    await pushTestImage(host, { repository: "shop-api", tag: "1.0.0-amd64", architecture: "amd64" });
    await pushTestImage(host, {
      repository: "shop-api",
      tag: "1.0.0-arm64",
      architecture: "arm64",
      variant: "v8",
    });
    const before = registry.requests().length;
    const result = await mergeManifests({
      target: `${host}/shop-api:1.0.0`,
      sources: [`${host}/shop-api:1.0.0-amd64`, `${host}/shop-api:1.0.0-arm64`],
    });
    expect(result).toMatchObject({
      changed: true,
      mediaType: MediaType.dockerList,
      platforms: ["linux/amd64", "linux/arm64/v8"],
      mounted: 0,
    });
    expect(blobUploads(registry.requests().slice(before))).toEqual([]);

    const raw = JSON.parse(
      execFileSync(
        findTool("skopeo")!,
        ["inspect", "--tls-verify=false", "--raw", `docker://${host}/shop-api:1.0.0`],
        { encoding: "utf8" },
      ),
    );
    expect(raw.mediaType).toBe(MediaType.dockerList);
    expect(raw.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture)).toEqual(
      ["amd64", "arm64"],
    );
  });

  it("is a no-op when re-run with the same input", async () => {
    const host = registry.host;
    const args = {
      target: `${host}/shop-api:1.0.0`,
      sources: [`${host}/shop-api:1.0.0-arm64`, `${host}/shop-api:1.0.0-amd64`],
    };
    const before = registry.requests().length;
    const again = await mergeManifests(args);
    expect(again.changed).toBe(false);
    expect(
      registry
        .requests()
        .slice(before)
        .filter((r) => r.startsWith("PUT")),
    ).toEqual([]);
  });

  it("builds an OCI index with the version annotation and mounts blobs across repositories without copying", async () => {
    const host = registry.host;
    await pushTestImage(host, {
      repository: "build/api-amd64",
      tag: "2.0.0",
      architecture: "amd64",
      format: "oci",
    });
    await pushTestImage(host, {
      repository: "build/api-arm64",
      tag: "2.0.0",
      architecture: "arm64",
      format: "oci",
    });
    const before = registry.requests().length;
    const result = await mergeManifests({
      target: `${host}/shop-api:2.0.0`,
      sources: [`${host}/build/api-amd64:2.0.0`, `${host}/build/api-arm64:2.0.0`],
      version: "2.0.0",
    });
    expect(result.mediaType).toBe(MediaType.ociIndex);
    const requests = registry.requests().slice(before);
    expect(blobUploads(requests)).toEqual([]);
    expect(result.mounted).toBeGreaterThan(0);
    expect(requests.filter((r) => /blobs\/uploads\/\?mount=/.test(r))).toHaveLength(result.mounted);
    const index = await new RegistryClient({ host }).getManifest("shop-api", "2.0.0");
    const parsed = JSON.parse(index!.bytes.toString());
    expect(parsed.annotations).toEqual({ "org.opencontainers.image.version": "2.0.0" });
    expect(
      execFileSync(
        findTool("skopeo")!,
        ["inspect", "--tls-verify=false", "--raw", `docker://${host}/shop-api@${parsed.manifests[0].digest}`],
        { encoding: "utf8" },
      ),
    ).toContain(MediaType.ociManifest);
  });

  it("exits 2 naming the image when a source does not exist, and pushes nothing", () => {
    const result = runCli([
      "manifest",
      "merge",
      `${registry.host}/shop-api:3.0.0`,
      `${registry.host}/shop-api:nope-amd64`,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/shop-api:nope-amd64: no such image/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("survives the registry being killed mid-run: fails clearly, then a re-run succeeds", async () => {
    const host = registry.host;
    await pushTestImage(host, { repository: "shop-worker", tag: "1.0.0-amd64", architecture: "amd64" });
    await pushTestImage(host, { repository: "shop-worker", tag: "1.0.0-arm64", architecture: "arm64" });
    await registry.stop();
    const args = [
      "manifest",
      "merge",
      `${host}/shop-worker:1.0.0`,
      `${host}/shop-worker:1.0.0-amd64`,
      `${host}/shop-worker:1.0.0-arm64`,
    ];
    const failed = runCli(args, { env: { REGISTRY_RETRIES: "2" } });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      new RegExp(
        `registry ${host.replace(".", "\\.")}, repository shop-worker.*no answer after 2 attempts \\(ECONNREFUSED\\)`,
      ),
    );
    await registry.restart();
    const ok = runCli([...args, "--json"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ changed: true, platforms: ["linux/amd64", "linux/arm64"] });
  });
});
