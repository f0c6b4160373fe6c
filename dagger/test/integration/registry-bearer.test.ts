import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { mergeManifests } from "../../src/adapters/registry/merge.js";
import { pushTestImage } from "../support/images.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { startTokenFront, type TokenFront } from "../support/token-server.js";
import { skipWithout } from "../support/tools.js";

describe.skipIf(skipWithout("docker-registry"))("the bearer-token challenge flow", () => {
  let registry: TestRegistry;
  let front: TokenFront;
  beforeAll(async () => {
    registry = await startRegistry();
    front = await startTokenFront(registry.host, "ci", "token-pass");
  });
  afterAll(async () => {
    await front?.close();
    await registry?.remove();
  });

  it("gets a token for the scope the registry asks for, then pushes and merges through it", async () => {
    const client = new RegistryClient({
      host: front.host,
      credentials: { username: "ci", password: "token-pass" },
    });
    for (const architecture of ["amd64", "arm64"]) {
      await pushTestImage(
        front.host,
        { repository: "shop-api", tag: `1.0.0-${architecture}`, architecture },
        client,
      );
    }
    expect(front.tokenRequests[0]).toBe("repository:shop-api:pull,push");
    const result = await mergeManifests({
      target: `${front.host}/shop-api:1.0.0`,
      sources: [`${front.host}/shop-api:1.0.0-amd64`, `${front.host}/shop-api:1.0.0-arm64`],
      credentials: { username: "ci", password: "token-pass" },
    });
    expect(result.platforms).toEqual(["linux/amd64", "linux/arm64"]);
    // The token is reused for the repository: one token request per client, not one per call.
    expect(front.tokenRequests.length).toBeLessThanOrEqual(2);
  });

  it("fails with one line naming the token service when the credentials are wrong", async () => {
    const client = new RegistryClient({
      host: front.host,
      credentials: { username: "ci", password: "nope-wrong" },
      attempts: 1,
    });
    await expect(client.getManifest("shop-api", "1.0.0")).rejects.toThrow(
      /the token service at 127\.0\.0\.1:\d+ answered HTTP 401 \(check the registry credentials\)/,
    );
  });
});
