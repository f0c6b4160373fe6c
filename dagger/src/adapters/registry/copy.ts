/**
 * Copies an image (an index with its manifests, or one manifest) from one registry to another by
 * digest, through our OCI client: blobs the target lacks are mounted (same registry) or moved,
 * then each manifest is put with its exact bytes, so the target serves the same digest. Nothing
 * is rebuilt. Used for `image.registries` mirrors, `image.releaseRegistry` and `pipeline image copy`;
 * a digest mismatch anywhere is an error. A moved blob is held in memory whole, so the bytes of
 * blobs in flight are bounded ({@link BLOB_BYTES_IN_FLIGHT}) besides the number of requests.
 */
import { FailureError } from "../../core/errors.js";
import { parseImageRef, requireWritableManifest } from "../../core/registry/oci.js";
import { mirrorRef } from "../../core/registry/registries.js";
import { MAX_BODY_BYTES, type RegistryClient } from "./client.js";
import { clients, type RegistryAccess } from "./connect.js";
import { allInOrder, limiter, REQUESTS_IN_FLIGHT } from "./parallel.js";

interface Side {
  client: RegistryClient;
  registry: string;
  repository: string;
}

/**
 * The most blob bytes one operation holds at once (256 MiB), besides the bound on requests: eight
 * large layers copied together would otherwise hold eight layers. A blob larger than this is
 * copied alone.
 */
export const BLOB_BYTES_IN_FLIGHT = 256 * 1024 * 1024;

/** Runs `task` once `bytes` of the budget are free, giving them back when it settles. */
export type Budget = <T>(bytes: number, task: () => Promise<T>) => Promise<T>;

/**
 * A gate on bytes: a task takes `bytes` (at most `capacity`) before it runs and gives them back
 * after. First come, first served, so a large blob waiting is not overtaken forever by small ones.
 */
export function byteBudget(capacity: number): Budget {
  let free = capacity;
  const waiting: { bytes: number; go: () => void }[] = [];
  return async (size, task) => {
    // A size that is no number (a hostile manifest) takes everything; getBlob then refuses it.
    const bytes = Number.isFinite(size) ? Math.min(Math.max(0, size), capacity) : capacity;
    if (waiting.length === 0 && bytes <= free) free -= bytes;
    else await new Promise<void>((go) => waiting.push({ bytes, go }));
    try {
      return await task();
    } finally {
      free += bytes;
      while (waiting.length > 0 && waiting[0]!.bytes <= free) {
        const next = waiting.shift()!;
        free -= next.bytes;
        next.go();
      }
    }
  };
}

/** What the copies of one operation share: the bounds on requests and bytes in flight, and each blob's copy. */
interface Work {
  limit: <T>(task: () => Promise<T>) => Promise<T>;
  /** Taken before `limit` (never while holding a request slot), so neither waits on the other. */
  budget: Budget;
  /** By target repository and digest: a blob two manifests share is copied once. */
  blobs: Map<string, Promise<void>>;
  /** By target repository: the last manifest PUT queued there (see {@link putInTurn}). */
  puts: Map<string, Promise<unknown>>;
}

/**
 * Puts a manifest once the previous PUT to the same repository has settled. distribution's
 * filesystem storage (docker-registry, Kind's registry:2) rewrites a manifest's revision link in
 * place on every PUT of it, so an index PUT that checks its children while another PUT of one of
 * them is rewriting its link fails (DIGEST_INVALID, MANIFEST_BLOB_UNKNOWN). Manifests are small;
 * their blobs still move concurrently.
 */
function putInTurn<T>(work: Work, to: Side, put: () => Promise<T>): Promise<T> {
  const key = `${to.registry}/${to.repository}`;
  const turn = (work.puts.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => work.limit(put));
  work.puts.set(key, turn);
  return turn;
}

async function copyBlob(from: Side, to: Side, digest: string, size: number | undefined): Promise<void> {
  if (await to.client.hasBlob(to.repository, digest)) return;
  if (from.registry === to.registry && (await to.client.mountBlob(to.repository, digest, from.repository)))
    return;
  const pushed = await to.client.pushBlob(
    to.repository,
    await from.client.getBlob(from.repository, digest, size),
  );
  if (pushed !== digest)
    throw new FailureError(
      `copy: blob ${digest} arrived at ${to.registry} as ${pushed}; check the registries`,
    );
}

/**
 * Copies the manifest `ref` (and everything it points at) and puts it under `targetRef`; returns
 * its digest. Child manifests and blobs are copied at once (within `limit`); a manifest is put
 * only after everything it points at is there.
 */
async function copyManifest(
  from: Side,
  ref: string,
  to: Side,
  targetRef: string,
  work: Work,
): Promise<string> {
  const { limit, budget, blobs } = work;
  const manifest = await limit(() => from.client.getManifest(from.repository, ref));
  if (!manifest) throw new FailureError(`copy: ${from.registry}/${from.repository}:${ref} does not exist`);
  // Checked as the PUT will check it, but before any child or blob moves: a source that is no
  // manifest (its digest header can match anything) copies nothing.
  const json = requireWritableManifest(
    manifest.bytes,
    manifest.mediaType,
    `copy: GET ${from.registry}/${from.repository}:${ref}`,
  );
  const parsed = json.kind === "index" ? json.index : json.image;
  const blob = (digest: string, size: number | undefined) => {
    const key = `${to.registry}/${to.repository}@${digest}`;
    let copied = blobs.get(key);
    if (!copied) {
      // Without a size, getBlob reads at most MAX_BODY_BYTES.
      copied = budget(size ?? MAX_BODY_BYTES, () => limit(() => copyBlob(from, to, digest, size)));
      blobs.set(key, copied);
    }
    return copied;
  };
  await allInOrder<unknown>([
    ...("manifests" in parsed ? parsed.manifests : []).map((child) =>
      copyManifest(from, child.digest, to, child.digest, work),
    ),
    ...("config" in parsed ? [parsed.config, ...parsed.layers] : []).map((b) => blob(b.digest, b.size)),
  ]);
  const digest = await putInTurn(work, to, () =>
    to.client.putManifest(to.repository, targetRef, manifest.bytes, manifest.mediaType),
  );
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

/**
 * Copies `source` (`registry/repo:tag`, or with `@digest`: by digest) to each of `targets`, all at
 * once over one client per registry; returns each target with its digest.
 */
export async function copyImage(
  source: string,
  targets: readonly string[],
  access: RegistryAccess = {},
): Promise<string[]> {
  return copyAll(
    targets.map((target) => ({ source, target })),
    access,
  );
}

/** Every copy at once, sharing clients and one bound on requests in flight; results in order. */
async function copyAll(
  copies: readonly { source: string; target: string }[],
  access: RegistryAccess,
): Promise<string[]> {
  const client = clients(access);
  const work: Work = {
    limit: limiter(REQUESTS_IN_FLIGHT),
    budget: byteBudget(BLOB_BYTES_IN_FLIGHT),
    blobs: new Map(),
    puts: new Map(),
  };
  const refs = copies.map((copy) => ({
    src: parseImageRef(byDigest(copy.source)),
    dst: parseImageRef(copy.target),
  }));
  return allInOrder(
    refs.map(async ({ src, dst }) => {
      const from: Side = { client: client(src.registry), registry: src.registry, repository: src.repository };
      const to: Side = { client: client(dst.registry), registry: dst.registry, repository: dst.repository };
      const digest = await copyManifest(from, src.reference, to, dst.reference, work);
      return `${dst.registry}/${dst.repository}:${dst.reference}@${digest}`;
    }),
  );
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
  return copyAll(
    refs.flatMap((ref) => mirrors.map((m) => ({ source: ref, target: mirrorRef(ref, primary, m) }))),
    access,
  );
}

/** Makes the copies a release owes the release registry (core/registry/registries.ts `releaseCopies`); returns the refs with digests. */
export async function copyRelease(
  copies: readonly { source: string; target: string }[],
  access: RegistryAccess = {},
): Promise<string[]> {
  return copyAll(copies, access);
}
