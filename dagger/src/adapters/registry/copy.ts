/**
 * Copies an image (an index with its manifests, or one manifest) from one registry to another by
 * digest, through our OCI client: blobs the target lacks are mounted (same registry) or moved,
 * then each manifest is put with its exact bytes, so the target serves the same digest. Nothing
 * is rebuilt. Used for `image.registries` mirrors, `image.releaseRegistry` and `pipeline image copy`;
 * a digest mismatch anywhere is an error.
 */
import { FailureError } from "../../core/errors.js";
import { parseImageRef } from "../../core/oci.js";
import { mirrorRef } from "../../core/registries.js";
import type { RegistryClient } from "./client.js";
import { clients, type RegistryAccess } from "./connect.js";

interface Side {
  client: RegistryClient;
  registry: string;
  repository: string;
}

/** The descriptors a manifest points at. */
interface ManifestJson {
  manifests?: { digest: string }[];
  config?: { digest: string };
  layers?: { digest: string }[];
}

async function copyBlob(from: Side, to: Side, digest: string): Promise<void> {
  if (await to.client.hasBlob(to.repository, digest)) return;
  if (from.registry === to.registry && (await to.client.mountBlob(to.repository, digest, from.repository)))
    return;
  const pushed = await to.client.pushBlob(to.repository, await from.client.getBlob(from.repository, digest));
  if (pushed !== digest)
    throw new FailureError(
      `copy: blob ${digest} arrived at ${to.registry} as ${pushed}; check the registries`,
    );
}

/** Copies the manifest `ref` (and everything it points at) and puts it under `targetRef`; returns its digest. */
async function copyManifest(from: Side, ref: string, to: Side, targetRef: string): Promise<string> {
  const manifest = await from.client.getManifest(from.repository, ref);
  if (!manifest) throw new FailureError(`copy: ${from.registry}/${from.repository}:${ref} does not exist`);
  const json = JSON.parse(manifest.bytes.toString("utf8")) as ManifestJson;
  for (const child of json.manifests ?? []) await copyManifest(from, child.digest, to, child.digest);
  for (const blob of [json.config, ...(json.layers ?? [])]) if (blob) await copyBlob(from, to, blob.digest);
  const digest = await to.client.putManifest(to.repository, targetRef, manifest.bytes, manifest.mediaType);
  if (digest !== manifest.digest)
    throw new FailureError(
      `copy: ${to.registry}/${to.repository}:${targetRef} stored ${digest}, not ${manifest.digest}`,
    );
  return digest;
}

/** `registry/repo[:tag]@digest` as `registry/repo@digest`: a pushed ref is copied by its digest. */
function byDigest(ref: string): string {
  const [bare = "", digest] = ref.split("@");
  if (!digest) return ref;
  const colon = bare.lastIndexOf(":");
  return `${colon > bare.lastIndexOf("/") ? bare.slice(0, colon) : bare}@${digest}`;
}

/** Copies `source` (`registry/repo:tag`, or with `@digest`: by digest) to each of `targets`; returns each target with its digest. */
export async function copyImage(
  source: string,
  targets: readonly string[],
  access: RegistryAccess = {},
): Promise<string[]> {
  const client = clients(access);
  const src = parseImageRef(byDigest(source));
  const from: Side = { client: client(src.registry), registry: src.registry, repository: src.repository };
  const out: string[] = [];
  for (const target of targets) {
    const dst = parseImageRef(target);
    const to: Side = { client: client(dst.registry), registry: dst.registry, repository: dst.repository };
    const digest = await copyManifest(from, src.reference, to, dst.reference);
    out.push(`${dst.registry}/${dst.repository}:${dst.reference}@${digest}`);
  }
  return out;
}

/**
 * Gives each mirror registry the refs pushed to `primary` (`<primary>/<name>:<tag>@<digest>`), by
 * digest; returns the mirrors' refs with their digests. Both shells' publish call this.
 */
export async function mirrorPublished(
  refs: readonly string[],
  primary: string,
  mirrors: readonly string[],
  access: RegistryAccess = {},
): Promise<string[]> {
  const out: string[] = [];
  for (const ref of refs) {
    out.push(
      ...(await copyImage(
        ref,
        mirrors.map((m) => mirrorRef(ref, primary, m)),
        access,
      )),
    );
  }
  return out;
}

/** Makes the copies a release owes the release registry (core/registries.ts `releaseCopies`); returns the refs with digests. */
export async function copyRelease(
  copies: readonly { source: string; target: string }[],
  access: RegistryAccess = {},
): Promise<string[]> {
  const out: string[] = [];
  for (const copy of copies) out.push(...(await copyImage(copy.source, [copy.target], access)));
  return out;
}
