import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { parseMergeGroups } from "../../src/cli/commands/manifest-merge-all.js";
import { runCli } from "../support/cli.js";
import { pushTestImage } from "../support/images.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";

describe("pipeline manifest merge-all", () => {
  let registry: TestRegistry;
  let cwd: string;
  const images = ["api", "migrator", "worker"];
  const group = (image: string, tag = "1.0.0") =>
    `${registry.host}/${image}:${tag}=${["amd64", "arm64"].map((a) => `${registry.host}/${image}:${tag}-${a}`).join(",")}`;

  beforeAll(async () => {
    registry = await startRegistry();
    cwd = mkdtempSync(join(tmpdir(), "merge-all-"));
    const client = new RegistryClient({ host: registry.host });
    for (const image of images)
      for (const architecture of ["amd64", "arm64"])
        await pushTestImage(
          registry.host,
          { repository: image, tag: `1.0.0-${architecture}`, architecture, format: "oci" },
          client,
        );
  }, 60_000);
  afterAll(async () => {
    await registry?.remove();
    rmSync(cwd, { recursive: true, force: true });
  });

  it("merges every image of a release in one call, moving no blob bytes, and a re-run changes nothing", async () => {
    const before = registry.requests().length;
    const first = runCli(
      ["manifest", "merge-all", ...images.map((i) => group(i)), "--version", "1.0.0", "--json"],
      {
        cwd,
      },
    );
    expect(first.code, first.stderr).toBe(0);
    const results = JSON.parse(first.stdout) as { ref: string; changed: boolean; platforms: string[] }[];
    expect(results.map((r) => [r.ref, r.changed, r.platforms.join(" ")])).toEqual(
      images.map((i) => [`${registry.host}/${i}:1.0.0`, true, "linux/amd64 linux/arm64"]),
    );
    for (const image of images) {
      const index = await new RegistryClient({ host: registry.host }).getManifest(image, "1.0.0");
      expect(JSON.parse(index!.bytes.toString()).annotations).toEqual({
        "org.opencontainers.image.version": "1.0.0",
      });
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(
      registry
        .requests()
        .slice(before)
        .filter((r) => /^(PUT|PATCH) .*\/blobs\/uploads\//.test(r)),
    ).toEqual([]);

    const again = runCli(["manifest", "merge-all", ...images.map((i) => group(i)), "--version", "1.0.0"], {
      cwd,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(
      again.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(" ")[0]),
    ).toEqual(["unchanged", "unchanged", "unchanged"]);
  }, 60_000);

  it("exits 2 with one line naming the image whose source is missing", () => {
    const result = runCli(["manifest", "merge-all", group("api", "1.0.0"), group("worker", "9.9.9")], {
      cwd,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/worker:9\.9\.9-amd64: no such image/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("merges several images at once against a registry that asks for credentials", async () => {
    const auth = { username: "ci", password: "merge-all-Secret-1" };
    const secured = await startRegistry({ auth });
    try {
      const client = new RegistryClient({ host: secured.host, credentials: auth });
      for (const image of images)
        for (const architecture of ["amd64", "arm64"])
          await pushTestImage(
            secured.host,
            { repository: image, tag: `2.0.0-${architecture}`, architecture, format: "oci" },
            client,
          );
      const groups = images.map(
        (i) => `${secured.host}/${i}:2.0.0=${secured.host}/${i}:2.0.0-amd64,${secured.host}/${i}:2.0.0-arm64`,
      );
      const result = runCli(["manifest", "merge-all", ...groups, "--json"], {
        cwd,
        env: { REGISTRY_USERNAME: auth.username, REGISTRY_PASSWORD: auth.password },
      });
      expect(result.code, result.stderr).toBe(0);
      expect((JSON.parse(result.stdout) as { changed: boolean }[]).map((r) => r.changed)).toEqual([
        true,
        true,
        true,
      ]);
      expect(result.stdout + result.stderr).not.toContain(auth.password);
    } finally {
      await secured.remove();
    }
  }, 60_000);

  it.each([
    [["a/b:1"], /not <target>=<source>,<source>/],
    [["a/b:1="], /not <target>=<source>,<source>/],
    [["=a/b:1-amd64"], /not <target>=<source>,<source>/],
    [["r/a:1=r/a:1-x", "r/a:1=r/a:1-y"], /named as a target twice/],
  ])("refuses the groups %j", (groups, message) => {
    expect(() => parseMergeGroups(groups)).toThrow(message);
  });
});
