/**
 * `latest`: read the version `latest` points to now in at most three requests — the version
 * annotation of what `latest` resolves to, or the version label of its image config — then apply
 * the core's decision and retag by putting the very same manifest bytes under `latest` (and X,
 * X.Y). The release's manifest is read before anything is written, so `latest` never points at a
 * manifest that does not exist.
 */
import { FailureError } from "../../core/errors.js";
import { decideLatest, type LatestDecision, type TagType } from "../../core/latest.js";
import {
  formatImageRef,
  type ImageIndex,
  type ImageManifest,
  isIndex,
  parseImageRef,
} from "../../core/oci.js";
import { gt } from "../../core/semver.js";
import { parseTagVersion } from "../../core/version.js";
import type { RegistryClient } from "./client.js";
import { clients, type RegistryAccess } from "./connect.js";

const VERSION = "org.opencontainers.image.version";

/** Where the current version was read from. */
export type CurrentSource = "none" | "annotation" | "label" | "digest-scan" | "unknown";

/** The version `latest` points to now, and the requests it took to find out. */
export interface CurrentLatest {
  version: string | null;
  source: CurrentSource;
  digest: string | null;
  requests: number;
}

/** Reads latest's version: annotation (1 request), else the config label (at most 3), else a digest scan. */
export async function readCurrentLatest(client: RegistryClient, repository: string): Promise<CurrentLatest> {
  const before = client.requestCount;
  const done = (version: string | null, source: CurrentSource, digest: string | null) => ({
    version,
    source,
    digest,
    requests: client.requestCount - before,
  });
  const latest = await client.getManifest(repository, "latest");
  if (!latest) return done(null, "none", null);
  const parsed = JSON.parse(latest.bytes.toString()) as ImageIndex & ImageManifest;
  const annotated = parsed.annotations?.[VERSION];
  if (annotated) return done(annotated, "annotation", latest.digest);
  let configDigest: string | undefined = parsed.config?.digest;
  if (isIndex(latest.mediaType)) {
    const first = parsed.manifests[0];
    const child = first && (await client.getManifest(repository, first.digest));
    configDigest = child ? (JSON.parse(child.bytes.toString()) as ImageManifest).config.digest : undefined;
  }
  if (configDigest) {
    const config = JSON.parse((await client.getBlob(repository, configDigest)).toString()) as {
      config?: { Labels?: Record<string, string> | null };
    };
    const label = config.config?.Labels?.[VERSION];
    if (label) return done(label, "label", latest.digest);
  }
  // Neither annotation nor label: find which version tag shares latest's digest (many requests).
  let best: string | null = null;
  for (const tag of await client.listTags(repository)) {
    const version = parseTagVersion(tag);
    if (!version || tag === "latest") continue;
    const resolved = await client.resolve(repository, tag);
    if (resolved?.digest === latest.digest && (!best || gt(version.version, best))) best = version.version;
  }
  return done(best, best ? "digest-scan" : "unknown", latest.digest);
}

/** What `pipeline latest` did. */
export interface LatestResult {
  repository: string;
  version: string;
  current: CurrentLatest;
  decision: LatestDecision;
  /** Tags written (empty on a dry run, a no-op re-run, or no update). */
  moved: string[];
  dryRun: boolean;
}

/** Decides and, unless `dryRun`, moves `latest` (and X, X.Y) to `<repository>:<version>`. */
export async function updateLatest(
  options: {
    repository: string;
    version: string;
    strategy: "auto" | "force" | "skip";
    tagType: TagType;
    majorMinor: boolean;
    dryRun?: boolean;
  } & RegistryAccess,
): Promise<LatestResult> {
  const ref = parseImageRef(options.repository);
  const client = clients(options)(ref.registry);
  const current = await readCurrentLatest(client, ref.repository);
  const decision = decideLatest({
    version: options.version,
    strategy: options.strategy,
    tagType: options.tagType,
    current: current.version,
    majorMinor: options.majorMinor,
  });
  const result: LatestResult = {
    repository: `${ref.registry}/${ref.repository}`,
    version: options.version,
    current,
    decision,
    moved: [],
    dryRun: Boolean(options.dryRun),
  };
  if (!decision.update || options.dryRun) return result;
  const release = await client.getManifest(ref.repository, options.version);
  if (!release) {
    throw new FailureError(
      `${formatImageRef({ ...ref, reference: options.version })} does not exist, so latest stays where it is (publish the release first)`,
    );
  }
  for (const tag of decision.tags) {
    const existing = await client.resolve(ref.repository, tag);
    if (existing?.digest === release.digest) continue;
    await client.putManifest(ref.repository, tag, release.bytes, release.mediaType);
    result.moved.push(tag);
  }
  return result;
}
