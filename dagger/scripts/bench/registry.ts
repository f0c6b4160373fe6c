/**
 * Registry budgets, against one real registry (Debian's docker-registry on loopback):
 * - deciding `latest` with 10, 100 and 1,000 version tags: our requests and time against the
 *   usual scripted approach (list tags, HEAD each for its digest, find latest's, sort -V);
 *   target: at most 3 requests at every size;
 * - merging two per-arch images: ours against `docker manifest create` + `push`; target: ours
 *   faster, no blob bytes moved;
 * - what checking costs: the share of one merge's and one `latest --major-minor` move's wall time
 *   spent hashing manifests and blobs against their digests (client.hashMs); target: under 5%.
 */
import { execFileSync } from "node:child_process";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { readCurrentLatest, updateLatest } from "../../src/adapters/registry/latest.js";
import { mergeManifests } from "../../src/adapters/registry/merge.js";
import { MediaType } from "../../src/core/registry/oci.js";
import { gt } from "../../src/core/release/semver.js";
import { parseTagVersion } from "../../src/core/release/version.js";
import { pushTestImage } from "../../test/support/images.js";
import { startRegistry } from "../../test/support/registry.js";
import { findTool } from "../../test/support/tools.js";

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/** The scripted baseline: what CI scripts usually do with regctl/crane in a loop. */
async function scriptedCurrentLatest(
  host: string,
  repository: string,
): Promise<{ version: string | null; requests: number }> {
  let requests = 0;
  const head = async (ref: string) => {
    requests++;
    const r = await fetch(`http://${host}/v2/${repository}/manifests/${ref}`, {
      method: "HEAD",
      headers: { accept: MediaType.ociIndex },
    });
    return r.headers.get("docker-content-digest");
  };
  const latest = await head("latest");
  const tags: string[] = [];
  let next: string | null = `/v2/${repository}/tags/list?n=100`;
  while (next) {
    requests++;
    const r: Response = await fetch(`http://${host}${next}`);
    tags.push(...((await r.json()) as { tags: string[] }).tags);
    next = /<([^>]+)>/.exec(r.headers.get("link") ?? "")?.[1] ?? null;
  }
  const matching: string[] = [];
  for (const tag of tags) if (tag !== "latest" && (await head(tag)) === latest) matching.push(tag);
  const sorted = matching.map((t) => parseTagVersion(t)!.version).sort((a, b) => (gt(a, b) ? 1 : -1));
  return { version: sorted.at(-1) ?? null, requests };
}

export default async function bench() {
  const rows = [];
  const registry = await startRegistry();
  try {
    const host = registry.host;
    const client = new RegistryClient({ host });
    await pushTestImage(host, { repository: "base", tag: "x", architecture: "amd64", format: "oci" }, client);
    for (const count of [10, 100, 1000]) {
      const repository = `bench-${count}`;
      await pushTestImage(host, { repository, tag: "child", architecture: "amd64", format: "oci" }, client);
      const childManifest = (await client.getManifest(repository, "child"))!;
      for (let i = 0; i < count; i++) {
        const version = `1.${i}.0`;
        const index = JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.ociIndex,
          manifests: [
            {
              mediaType: MediaType.ociManifest,
              digest: childManifest.digest,
              size: childManifest.bytes.length,
              platform: { os: "linux", architecture: "amd64" },
            },
          ],
          annotations: { "org.opencontainers.image.version": version },
        });
        await client.putManifest(repository, version, index, MediaType.ociIndex);
        if (i === Math.floor(count / 2))
          await client.putManifest(repository, "latest", index, MediaType.ociIndex);
      }
      const oursStart = process.hrtime.bigint();
      const ours = await readCurrentLatest(new RegistryClient({ host }), repository);
      const oursMs = ms(oursStart);
      const scriptStart = process.hrtime.bigint();
      const script = await scriptedCurrentLatest(host, repository);
      const scriptMs = ms(scriptStart);
      if (ours.version !== script.version)
        throw new Error(`bench disagrees: ours ${ours.version}, scripted ${script.version}`);
      rows.push({
        name: `latest with ${count} tags: requests (ours / scripted)`,
        value: ours.requests,
        unit: "req",
        note: `scripted ${script.requests} req; target <= 3: ${ours.requests <= 3 ? "ok" : "OVER"}`,
      });
      rows.push({
        name: `latest with ${count} tags: time (ours / scripted)`,
        value: oursMs,
        unit: "ms",
        note: `scripted ${scriptMs.toFixed(1)} ms (x${(scriptMs / oursMs).toFixed(0)})`,
      });
    }

    // Merge: two per-arch Docker v2 images into one tag, ours vs the docker CLI.
    for (const arch of ["amd64", "arm64"])
      await pushTestImage(host, { repository: "merge", tag: `1.0.0-${arch}`, architecture: arch }, client);
    const uploads = (from: number) =>
      registry
        .requests()
        .slice(from)
        .filter((r) => /^(PUT|PATCH) .*\/blobs\/uploads\//.test(r)).length;
    let before = registry.requests().length;
    const oursStart = process.hrtime.bigint();
    await mergeManifests({
      target: `${host}/merge:1.0.0`,
      sources: [`${host}/merge:1.0.0-amd64`, `${host}/merge:1.0.0-arm64`],
    });
    const oursMs = ms(oursStart);
    await new Promise((r) => setTimeout(r, 300));
    const oursUploads = uploads(before);
    const docker = findTool("docker");
    if (docker) {
      before = registry.requests().length;
      const env = {
        ...process.env,
        DOCKER_CONFIG: execFileSync("mktemp", ["-d"], { encoding: "utf8" }).trim(),
      };
      const dockerStart = process.hrtime.bigint();
      execFileSync(
        docker,
        [
          "manifest",
          "create",
          "--insecure",
          `${host}/merge:docker`,
          `${host}/merge:1.0.0-amd64`,
          `${host}/merge:1.0.0-arm64`,
        ],
        { env, stdio: "ignore" },
      );
      execFileSync(docker, ["manifest", "push", "--insecure", `${host}/merge:docker`], {
        env,
        stdio: "ignore",
      });
      const dockerMs = ms(dockerStart);
      await new Promise((r) => setTimeout(r, 300));
      rows.push({
        name: "manifest merge: time (ours / docker manifest)",
        value: oursMs,
        unit: "ms",
        note: `docker ${dockerMs.toFixed(1)} ms (ours x${(dockerMs / oursMs).toFixed(1)} faster)`,
      });
      rows.push({
        name: "manifest merge: blob uploads (ours / docker)",
        value: oursUploads,
        unit: "uploads",
        note: `docker ${uploads(before)}; target 0 bytes moved: ${oursUploads === 0 ? "ok" : "OVER"}`,
      });
    } else {
      rows.push({
        name: "manifest merge: time (ours)",
        value: oursMs,
        unit: "ms",
        note: "docker CLI not found: no comparison",
      });
    }

    // What hashing every manifest and blob costs, as a share of one run's wall time.
    const share = (hashMs: number, totalMs: number) => {
      const pct = (100 * hashMs) / totalMs;
      return `hashing ${hashMs.toFixed(2)} ms of ${totalMs.toFixed(1)} ms; target < 5%: ${pct < 5 ? "ok" : "OVER"}`;
    };
    for (const arch of ["amd64", "arm64"])
      await pushTestImage(
        host,
        { repository: "check", tag: `2.0.0-${arch}`, architecture: arch, format: "oci" },
        client,
      );
    const mergeClient = new RegistryClient({ host });
    const mergeStart = process.hrtime.bigint();
    await mergeManifests({
      target: `${host}/check-merged:2.0.0`,
      sources: [`${host}/check:2.0.0-amd64`, `${host}/check:2.0.0-arm64`],
      version: "2.0.0",
      clients: () => mergeClient,
    });
    const mergeMs = ms(mergeStart);
    rows.push({
      name: "manifest merge: hashing share of wall time",
      value: (100 * mergeClient.hashMs) / mergeMs,
      unit: "%",
      note: share(mergeClient.hashMs, mergeMs),
    });
    const latestClient = new RegistryClient({ host });
    const latestStart = process.hrtime.bigint();
    const moved = await updateLatest({
      repository: `${host}/bench-100`,
      version: "1.99.0",
      strategy: "force",
      tagType: "annotated",
      majorMinor: true,
      clients: () => latestClient,
    });
    const latestMs = ms(latestStart);
    if (moved.moved.length !== 3)
      throw new Error(`bench: latest moved ${moved.moved.join(", ")}, expected 3 tags`);
    rows.push({
      name: "latest --major-minor: hashing share of wall time",
      value: (100 * latestClient.hashMs) / latestMs,
      unit: "%",
      note: share(latestClient.hashMs, latestMs),
    });
  } finally {
    await registry.remove();
  }
  return rows;
}
