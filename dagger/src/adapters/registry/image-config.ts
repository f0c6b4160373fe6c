/** Reading what an image says about itself: its platform and labels, from its config blob. */
import { FailureError } from "../../core/errors.js";
import { type ImageManifest, isIndex, type Platform } from "../../core/oci.js";
import type { RegistryClient, StoredManifest } from "./client.js";

/** The fields of an image config the pipeline reads. */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  config?: { Labels?: Record<string, string> | null };
}

/** Reads the config blob of a single-platform manifest. */
export async function readImageConfig(
  client: RegistryClient,
  repository: string,
  manifest: StoredManifest,
): Promise<ImageConfig> {
  if (isIndex(manifest.mediaType)) {
    throw new FailureError(
      `registry ${client.host}, repository ${repository}, ref ${manifest.digest}: is an index, not a single-platform image`,
    );
  }
  const parsed = JSON.parse(manifest.bytes.toString()) as ImageManifest;
  return JSON.parse((await client.getBlob(repository, parsed.config.digest)).toString()) as ImageConfig;
}

/** The platform an image config declares. */
export function platformOf(config: ImageConfig): Platform {
  return {
    os: config.os,
    architecture: config.architecture,
    ...(config.variant ? { variant: config.variant } : {}),
  };
}
