/**
 * `verify`: before a promotion, every image exists for every configured platform at the given tag
 * or digest, and the chart version exists. Everything missing is reported at once.
 */
import type { PipelineConfig } from "../../core/config/config.js";
import { FailureError } from "../../core/errors.js";
import { DIGEST, parseImageRef, parseManifest, platformName } from "../../core/registry/oci.js";
import { imageRepository } from "../../core/release/names.js";
import { requireOciTag, requireSemver } from "../../core/validate.js";
import { prepareChecks, type SupplyChainExpectations, supplyChainProblems } from "../supply-chain/check.js";
import { clients, type RegistryAccess } from "./connect.js";
import { platformOf, readImageConfig } from "./image-config.js";

/** What verify found. */
export interface VerifyResult {
  ok: boolean;
  checked: string[];
  missing: string[];
}

/** Checks the artifacts of a release; `digests` (per binary) win over `imageTag`. */
export async function verifyArtifacts(
  options: {
    config: PipelineConfig;
    imageTag?: string;
    digests?: Readonly<Record<string, string>>;
    chartVersion?: string;
    /** Registry override (default: image.registry from config). */
    registry?: string;
    /** Also require signatures, SBOMs and provenance naming this repo and the tag's commit. */
    supplyChain?: SupplyChainExpectations;
  } & RegistryAccess,
): Promise<VerifyResult> {
  const { config } = options;
  if (options.imageTag !== undefined) requireOciTag(options.imageTag, "--image-tag");
  for (const [binary, digest] of Object.entries(options.digests ?? {}))
    if (!DIGEST.test(digest)) requireOciTag(digest, `--digest ${binary}`);
  if (options.chartVersion !== undefined) requireSemver(options.chartVersion, "--chart-version");
  const client = clients({ ...options, insecure: options.insecure ?? config.image.insecureRegistries });
  const supplyChain = options.supplyChain && prepareChecks(options.supplyChain);
  const checked: string[] = [];
  const missing: string[] = [];
  for (const binary of config.binaries.filter((b) => b.image)) {
    const reference =
      (options.digests && Object.hasOwn(options.digests, binary.name)
        ? options.digests[binary.name]
        : undefined) ?? options.imageTag;
    if (!reference) {
      missing.push(`${binary.name}: no tag or digest given`);
      continue;
    }
    const ref = parseImageRef(
      `${imageRepository(options.registry ?? config.image.registry, config.app, binary.name)}${DIGEST.test(reference) ? "@" : ":"}${reference}`,
    );
    const text = `${ref.registry}/${ref.repository}${reference.startsWith("sha256:") ? "@" : ":"}${reference}`;
    checked.push(text);
    const registry = client(ref.registry);
    const manifest = await registry.getManifest(ref.repository, ref.reference);
    if (!manifest) {
      missing.push(`${text}: not found`);
      continue;
    }
    // getManifest has hashed the bytes against the header and a requested digest.
    const parsed = parseManifest(manifest.bytes, manifest.mediaType, `registry ${ref.registry}, ${text}`);
    let platforms: string[];
    if (parsed.kind === "index") {
      platforms = parsed.index.manifests.filter((m) => m.platform).map((m) => platformName(m.platform!));
    } else {
      platforms = [platformName(platformOf(await readImageConfig(registry, ref.repository, manifest)))];
    }
    for (const platform of binary.platforms) {
      if (!platforms.includes(platform))
        missing.push(`${text}: no ${platform} image (has ${platforms.join(", ") || "none"})`);
    }
    if (supplyChain)
      missing.push(
        ...(await supplyChainProblems(registry, ref.repository, manifest, supplyChain, { text, sbom: true })),
      );
  }
  if (options.chartVersion) {
    const chartRef = `${config.chart.registry.replace(/^oci:\/\//, "").replace(/\/+$/, "")}/${config.app}:${options.chartVersion.replaceAll("+", "_")}`;
    const ref = parseImageRef(chartRef);
    checked.push(`oci://${chartRef}`);
    const chart = await client(ref.registry).getManifest(ref.repository, ref.reference);
    if (!chart) missing.push(`oci://${chartRef}: chart version not found`);
    else if (supplyChain)
      missing.push(
        ...(await supplyChainProblems(client(ref.registry), ref.repository, chart, supplyChain, {
          text: `oci://${chartRef}`,
          sbom: false,
        })),
      );
  }
  return { ok: missing.length === 0, checked, missing };
}

/** Throws a FailureError listing everything missing, for callers that must refuse (promote). */
export function assertVerified(result: VerifyResult): void {
  if (!result.ok)
    throw new FailureError(`verify failed: ${result.missing.length} missing: ${result.missing.join("; ")}`);
}
