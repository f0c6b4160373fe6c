/**
 * `chart pull`: a chart version's packaged bytes (.tgz) from `oci://registry/path/<name>:<version>`,
 * read through the same OCI client that pushed it (chart-push.ts): the manifest at the version's
 * tag, then its one chart layer. Promotion renders it when `gitops.validate` is `registry`.
 */
import { FailureError } from "../../core/errors.js";
import { MediaType, parseManifest } from "../../core/registry/oci.js";
import { requireHelmChartName, requireSemver } from "../../core/validate.js";
import { chartTag, parseChartTarget } from "./chart-push.js";
import { clients, type RegistryAccess } from "./connect.js";

/** Reads chart `name` at `version` from `target` (`oci://host/path`); a missing chart is a FailureError saying so. */
export async function pullChart(
  options: { target: string; name: string; version: string } & RegistryAccess,
): Promise<Buffer> {
  const { host, path } = parseChartTarget(options.target);
  requireHelmChartName(options.name, "chart name");
  requireSemver(options.version, "--chart-version");
  const repository = [path, options.name].filter(Boolean).join("/");
  const tag = chartTag(options.version);
  const ref = `oci://${host}/${repository}:${tag}`;
  const client = clients(options)(host);
  const stored = await client.getManifest(repository, tag);
  if (!stored) {
    throw new FailureError(
      `${ref}: no such chart in the registry (push it first: helm-push, or pipeline chart push); nothing was pushed`,
    );
  }
  const manifest = parseManifest(
    stored.bytes,
    stored.mediaType,
    `registry ${host}, repository ${repository}, ref ${tag}`,
  );
  const layer =
    manifest.kind === "image"
      ? manifest.image.layers.find((l) => l.mediaType === MediaType.helmChart)
      : undefined;
  if (!layer) throw new FailureError(`${ref}: is not a Helm chart (no ${MediaType.helmChart} layer)`);
  return client.getBlob(repository, layer.digest, layer.size);
}
