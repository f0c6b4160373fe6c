/**
 * `latest`: read the version `latest` points to now in at most three requests — the version
 * annotation of what `latest` resolves to, or the version label of its image config — then apply
 * the core's decision and retag by putting the very same manifest bytes under `latest` (and X,
 * X.Y). The release's manifest is read and checked before anything is written, so `latest` never
 * points at a manifest that does not exist or is no manifest.
 */
import { FailureError, PipelineError } from "../../core/errors.js";
import {
  formatImageRef,
  parseImageRef,
  parseManifest,
  parseRegistryJson,
  requireWritableManifest,
} from "../../core/registry/oci.js";
import { decideLatest, type LatestDecision, type TagType } from "../../core/release/latest.js";
import { gt } from "../../core/release/semver.js";
import { parseTagVersion } from "../../core/release/version.js";
import { requireOciTag } from "../../core/validate.js";
import type { RegistryClient } from "./client.js";
import { clients, type RegistryAccess } from "./connect.js";
import { labelsOf } from "./image-config.js";

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
  const where = `registry ${client.host}, repository ${repository}, ref latest`;
  const parsed = parseManifest(latest.bytes, latest.mediaType, where);
  const annotations = parsed.kind === "index" ? parsed.index.annotations : parsed.image.annotations;
  const annotated = annotations?.[VERSION];
  if (typeof annotated === "string" && annotated) return done(annotated, "annotation", latest.digest);
  let config = parsed.kind === "image" ? parsed.image.config : undefined;
  if (parsed.kind === "index") {
    const first = parsed.index.manifests[0];
    const child = first && (await client.getManifest(repository, first.digest));
    const childParsed =
      child &&
      parseManifest(
        child.bytes,
        child.mediaType,
        `registry ${client.host}, repository ${repository}, ref ${first.digest}`,
      );
    config = childParsed?.kind === "image" ? childParsed.image.config : undefined;
  }
  if (config) {
    const json = parseRegistryJson(
      await client.getBlob(repository, config.digest, config.size),
      `${where} config`,
    );
    const label = labelsOf(json)[VERSION];
    if (typeof label === "string" && label) return done(label, "label", latest.digest);
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
  requireOciTag(options.version, "--version");
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
  // What latest will point at must be a manifest (a digest header can match any bytes): refuse
  // before the first tag moves, so a refusal leaves every tag where it was.
  try {
    requireWritableManifest(
      release.bytes,
      release.mediaType,
      `GET ${formatImageRef({ ...ref, reference: options.version })}`,
    );
  } catch (error) {
    if (!(error instanceof PipelineError)) throw error;
    throw new FailureError(`${error.message}; latest stays where it is`);
  }
  // The tags come latest-last (core/release/latest.ts): a failure below leaves latest where it was, so the
  // re-run decides the same and completes the move. What did move is reported exactly.
  for (const [i, tag] of decision.tags.entries()) {
    try {
      // Read and hash what the tag holds: a false digest header must not pass for "already there".
      const existing = await client.resolve(ref.repository, tag);
      if (existing?.digest === release.digest) continue;
      await client.putManifest(ref.repository, tag, release.bytes, release.mediaType);
    } catch (error) {
      if (!(error instanceof PipelineError)) throw error;
      throw new FailureError(
        `latest ${result.repository}: moved ${result.moved.join(", ") || "nothing"}; not confirmed: ${decision.tags.slice(i).join(", ")}; re-run to complete (${error.message})`,
      );
    }
    result.moved.push(tag);
  }
  return result;
}
