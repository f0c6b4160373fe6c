/** Reading what an image says about itself: its platform and labels, from its config blob. */
import { FailureError } from "../../core/errors.js";
import { type Platform, parseManifest, parseRegistryJson } from "../../core/registry/oci.js";
import type { RegistryClient, StoredManifest } from "./client.js";

/** The fields of an image config the pipeline reads. */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  config?: { Labels?: Record<string, string> | null };
}

/** Reads the config blob of a single-platform manifest (hashed against its digest by the client). */
export async function readImageConfig(
  client: RegistryClient,
  repository: string,
  manifest: StoredManifest,
): Promise<ImageConfig> {
  const where = `registry ${client.host}, repository ${repository}, ref ${manifest.digest}`;
  const parsed = parseManifest(manifest.bytes, manifest.mediaType, where);
  if (parsed.kind === "index") throw new FailureError(`${where}: is an index, not a single-platform image`);
  const config = parseRegistryJson(
    await client.getBlob(repository, parsed.image.config.digest, parsed.image.config.size),
    `${where} config`,
  ) as Partial<ImageConfig> | null;
  if (typeof config?.os !== "string" || typeof config.architecture !== "string")
    throw new FailureError(`${where}: the image config names no os and architecture; check the image`);
  return config as ImageConfig;
}

/** The platform an image config declares. */
export function platformOf(config: ImageConfig): Platform {
  return {
    os: config.os,
    architecture: config.architecture,
    ...(typeof config.variant === "string" && config.variant ? { variant: config.variant } : {}),
  };
}

/** The labels of an image config, or an empty record when it has none (or malformed ones). */
export function labelsOf(config: unknown): Record<string, string> {
  const labels = (config as { config?: { Labels?: unknown } } | null)?.config?.Labels;
  return typeof labels === "object" && labels !== null && !Array.isArray(labels)
    ? (labels as Record<string, string>)
    : {};
}
