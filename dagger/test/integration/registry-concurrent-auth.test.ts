/**
 * One RegistryClient shared by many requests that start at once, before it holds any credentials
 * the registry accepts: every one of them meets the auth challenge, and all must succeed with one
 * token fetch per scope (bearer) or without declaring good credentials bad (basic).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { copyImage } from "../../src/adapters/registry/copy.js";
import { mergeManifests } from "../../src/adapters/registry/merge.js";
import { pushTestImage } from "../support/images.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { startTokenFront, type TokenFront } from "../support/token-server.js";
import { skipWithout } from "../support/tools.js";

const credentials = { username: "ci", password: "token-pass" };
const images = ["api", "migrator", "worker"];
const arches = ["amd64", "arm64"];

/** Pushes every image of `images` for both arches through `host`. */
async function pushAll(host: string, client: RegistryClient): Promise<void> {
  for (const repository of images)
    for (const architecture of arches)
      await pushTestImage(host, { repository, tag: `1.0.0-${architecture}`, architecture }, client);
}

describe.skipIf(skipWithout("docker-registry"))("a client shared by concurrent first requests", () => {
  let registry: TestRegistry;
  let front: TokenFront;
  beforeAll(async () => {
    registry = await startRegistry();
    front = await startTokenFront(registry.host, credentials.username, credentials.password);
    await pushAll(front.host, new RegistryClient({ host: front.host, credentials }));
  }, 60_000);
  afterAll(async () => {
    await front?.close();
    await registry?.remove();
  });

  it("answers one bearer challenge per scope with one token fetch, however many requests race on it", async () => {
    const client = new RegistryClient({ host: front.host, credentials });
    const before = front.tokenRequests.length;
    const reads = images.flatMap((repository) =>
      arches.flatMap((a) => [1, 2, 3].map(() => client.getManifest(repository, `1.0.0-${a}`))),
    );
    const manifests = await Promise.all(reads);
    expect(manifests).toHaveLength(18);
    for (const manifest of manifests) expect(manifest?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(front.tokenRequests.slice(before).sort()).toEqual(
      images.map((i) => `repository:${i}:pull,push`).sort(),
    );
    // Later requests carry the token: no new challenge, no new token.
    await Promise.all(images.map((repository) => client.listTags(repository)));
    expect(front.tokenRequests.length).toBe(before + images.length);
  });

  it("runs a release's merges and a copy concurrently over one fresh client", async () => {
    const client = new RegistryClient({ host: front.host, credentials });
    const before = front.tokenRequests.length;
    const results = await Promise.all(
      images.map((image) =>
        mergeManifests({
          target: `${front.host}/${image}:1.0.0`,
          sources: arches.map((a) => `${front.host}/${image}:1.0.0-${a}`),
          clients: () => client,
        }),
      ),
    );
    for (const result of results) expect(result.platforms).toEqual(["linux/amd64", "linux/arm64"]);
    expect(front.tokenRequests.length).toBe(before + images.length);

    const copied = await copyImage(
      `${front.host}/api:1.0.0`,
      [`${front.host}/api:copy-a`, `${front.host}/api:copy-b`],
      { clients: () => client },
    );
    expect(copied).toEqual([
      `${front.host}/api:copy-a@${results[0]!.digest}`,
      `${front.host}/api:copy-b@${results[0]!.digest}`,
    ]);
    expect(front.tokenRequests.length).toBe(before + images.length);
  });
});

describe.skipIf(skipWithout("docker-registry", "htpasswd"))(
  "a basic-auth client shared by concurrent first requests",
  () => {
    let registry: TestRegistry;
    beforeAll(async () => {
      registry = await startRegistry({ auth: credentials });
      await pushAll(registry.host, new RegistryClient({ host: registry.host, credentials }));
    }, 60_000);
    afterAll(async () => {
      await registry?.remove();
    });

    it("does not take a raced challenge for rejected credentials", async () => {
      const client = new RegistryClient({ host: registry.host, credentials });
      const manifests = await Promise.all(
        images.flatMap((repository) => arches.map((a) => client.getManifest(repository, `1.0.0-${a}`))),
      );
      for (const manifest of manifests) expect(manifest?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    });

    it("still says so when the credentials are wrong", async () => {
      const client = new RegistryClient({
        host: registry.host,
        credentials: { username: "ci", password: "nope-wrong" },
        attempts: 1,
      });
      await expect(
        Promise.all(images.map((repository) => client.getManifest(repository, "1.0.0-amd64"))),
      ).rejects.toThrow(/HTTP 401 Unauthorized.*\(check the registry credentials\)/);
    });
  },
);
