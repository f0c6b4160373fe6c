/**
 * The supply-chain commands the Dagger module runs in its CLI container (`pipeline sbom`, `sign`,
 * `attest`), and what they cover: every image of the plan at its release tag, plus the chart. One
 * builder per step, so the module and a host run cannot drift apart. The signing key is never in
 * argv: the CLI reads it from COSIGN_PRIVATE_KEY. Keyless signing (an OIDC identity) runs the real
 * cosign instead (core/supply-chain/keyless.ts), which reads the token (or its request) from its environment.
 */

/** What a release's supply-chain steps cover: the images at their tag and the chart. */
export interface ReleaseArtifacts {
  /** `<registry>/<image>:<tag>` for each image of pipeline.yaml. */
  images: string[];
  /** `oci://<chart registry>/<app>:<version>`, when the plan pushes the chart. */
  chart?: string;
}

/**
 * The artifacts a plan published to `registry` (the primary registry of the publish); the chart
 * only when the plan pushes it (a rule without helm-push has no chart to sign).
 */
export function releaseArtifacts(
  images: readonly { name: string }[],
  registry: string,
  plan: { tags: { image: string }; chart: { ref: string; push: boolean } },
): ReleaseArtifacts {
  const base = registry.replace(/\/+$/, "");
  return {
    images: images.map((image) => `${base}/${image.name}:${plan.tags.image}`),
    ...(plan.chart.push ? { chart: plan.chart.ref } : {}),
  };
}

const chartOf = (artifacts: ReleaseArtifacts): string[] => (artifacts.chart ? [artifacts.chart] : []);

/** `sbom`: one SPDX SBOM per image and platform, attached to each platform's digest. */
export function sbomCommand(o: { images: readonly string[]; version: string }): string[] {
  return ["sbom", ...o.images, "--version", o.version];
}

/** `sign`: cosign signatures of every image digest (and its platforms) and of the chart. */
export function signCommand(artifacts: ReleaseArtifacts): string[] {
  return ["sign", ...artifacts.images, ...chartOf(artifacts)];
}

/** `attest`: signed SLSA provenance naming the commit and ref that were built. */
export function attestCommand(artifacts: ReleaseArtifacts, o: { commit: string; gitRef: string }): string[] {
  return ["attest", ...artifacts.images, ...chartOf(artifacts), "--commit", o.commit, "--git-ref", o.gitRef];
}

/**
 * The references cosign signs keylessly: every image and the chart (without its `oci://` scheme,
 * which cosign does not take), each still by tag: the caller pins each to the digest the registry
 * holds before cosign sees it (keyless.ts signs digests only).
 */
export function keylessReferences(artifacts: ReleaseArtifacts): string[] {
  return [...artifacts.images, ...chartOf(artifacts).map((chart) => chart.replace(/^oci:\/\//, ""))];
}

/** The pipeline verify flags of a keyless verification (identity and issuer default from source.url). */
export function keylessVerifyFlags(o: { identityRegexp?: string; issuer?: string }): string[] {
  return [
    "--keyless",
    ...(o.identityRegexp ? ["--certificate-identity-regexp", o.identityRegexp] : []),
    ...(o.issuer ? ["--certificate-oidc-issuer", o.issuer] : []),
  ];
}

/** The registry hosts of the references `keylessSignCommands` signs (for cosign's docker config). */
export function registryHosts(artifacts: ReleaseArtifacts): string[] {
  const hosts = [...artifacts.images, ...chartOf(artifacts)].map(
    (reference) => reference.replace(/^oci:\/\//, "").split("/")[0] ?? "",
  );
  return [...new Set(hosts.filter((host) => host !== ""))];
}
