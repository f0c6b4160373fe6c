/**
 * Mirroring a release the way publish does: one index under several tags plus its per-arch tags,
 * all copied at once to another registry. Debian's docker-registry (distribution's filesystem
 * driver) rewrites a manifest's revision link in place on every PUT of it, so a PUT of an index
 * that checks its children while another PUT rewrites one of them fails with DIGEST_INVALID /
 * MANIFEST_BLOB_UNKNOWN. Kind's local registry (registry:2) stores the same way. A copy must never
 * race its own manifest PUTs on one repository; blobs still move concurrently.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { mirrorPublished } from "../../src/adapters/registry/copy.js";
import { mergeManifests } from "../../src/adapters/registry/merge.js";
import { pushTestImage } from "../support/images.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { skipWithout } from "../support/tools.js";

describe.skipIf(skipWithout("docker-registry"))("mirroring an index under many tags at once", () => {
  let primary: TestRegistry;
  let mirror: TestRegistry;
  const refs: string[] = [];
  beforeAll(async () => {
    [primary, mirror] = await Promise.all([startRegistry(), startRegistry()]);
    const arches = ["amd64", "arm64", "arm"];
    for (const architecture of arches) {
      const pushed = await pushTestImage(primary.host, {
        repository: "acme/api",
        tag: `1.0.0-${architecture}`,
        architecture,
        format: "oci",
      });
      refs.push(`${primary.host}/acme/api:1.0.0-${architecture}@${pushed.digest}`);
    }
    const sources = arches.map((a) => `${primary.host}/acme/api:1.0.0-${a}`);
    for (const tag of ["1.0.0", "1.0", "1", "latest", "sha-abc1234"]) {
      const merged = await mergeManifests({ target: `${primary.host}/acme/api:${tag}`, sources });
      refs.unshift(`${primary.host}/acme/api:${tag}@${merged.digest}`);
    }
  });
  afterAll(async () => Promise.all([primary?.remove(), mirror?.remove()]));

  it("lands every tag with its digest, run after run, into fresh repositories", async () => {
    for (let run = 0; run < 12; run++) {
      const target = `${mirror.host}/run${run}`;
      const mirrored = await mirrorPublished(refs, primary.host, [target]);
      expect(mirrored).toHaveLength(refs.length);
      const client = new RegistryClient({ host: mirror.host });
      for (const ref of refs) {
        const [name, digest] = ref.split("@");
        const tag = name!.slice(name!.lastIndexOf(":") + 1);
        expect((await client.getManifest(`run${run}/acme/api`, tag))?.digest).toBe(digest);
      }
    }
  }, 120_000);
});
