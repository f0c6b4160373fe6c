/**
 * An SPDX 2.3 JSON document for one image and platform: the image, its base, each Go binary in
 * it and every module the binaries were built from (from their embedded build info), plus the Go
 * standard library. Deterministic: the same inputs give the same bytes, so re-attaching an SBOM
 * that is already there changes nothing. Pure: data in, document out.
 */
import { createHash } from "node:crypto";
import type { GoBuildInfo, GoModule } from "./go-buildinfo.js";

/** The artifact type (and media type) of an SPDX JSON document. */
export const SPDX_MEDIA_TYPE = "application/spdx+json";

/** One Go binary found in the image. */
export interface SbomBinary {
  /** Its path in the image, e.g. `/app/api`. */
  path: string;
  /** sha256 hex of the file. */
  sha256: string;
  info: GoBuildInfo;
}

/** What an SBOM describes. */
export interface SbomInput {
  /** `registry/repository` of the image. */
  repository: string;
  /** Digest of the platform's image manifest. */
  digest: string;
  /** `linux/amd64`, ... */
  platform: string;
  /** The base image, as named in config or the image's annotations. */
  base?: { name: string; digest?: string };
  binaries: readonly SbomBinary[];
  /** RFC 3339 time; the image's `created` keeps the document reproducible. */
  created: string;
  /** e.g. `pipeline-0.1.0`. */
  tool: string;
  /** The release version, used for the main module when the build info says `(devel)`. */
  version?: string;
}

/** An SPDX package, as much of it as we write. */
export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  downloadLocation: string;
  filesAnalyzed: false;
  supplier?: string;
  primaryPackagePurpose?: string;
  checksums?: { algorithm: string; checksumValue: string }[];
  externalRefs?: { referenceCategory: string; referenceType: string; referenceLocator: string }[];
  comment?: string;
}

/** The SPDX 2.3 document. */
export interface SpdxDocument {
  spdxVersion: "SPDX-2.3";
  dataLicense: "CC0-1.0";
  SPDXID: "SPDXRef-DOCUMENT";
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
}

/** A purl path with each segment escaped (Go module paths keep their slashes). */
function purlPath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** `pkg:golang/<module>@<version>`. */
export function goPurl(module: { path: string; version: string }): string {
  return `pkg:golang/${purlPath(module.path)}${module.version ? `@${encodeURIComponent(module.version)}` : ""}`;
}

/** `pkg:oci/<name>@<digest>?repository_url=...&arch=...`. */
export function ociPurl(repository: string, digest: string, platform?: string): string {
  const name = repository.split("/").pop()!;
  const query = new URLSearchParams({ repository_url: repository });
  if (platform) {
    const [os, arch, variant] = platform.split("/");
    if (arch) query.set("arch", arch);
    if (os) query.set("os", os);
    if (variant) query.set("variant", variant);
  }
  return `pkg:oci/${encodeURIComponent(name)}@${encodeURIComponent(digest)}?${query}`;
}

function purlRef(locator: string) {
  return [{ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: locator }];
}

/** The module that was actually built: a replacement wins over what go.mod required. */
function effective(module: GoModule): GoModule {
  return module.replace?.version ? module.replace : module;
}

/** Builds the SPDX document for one image and platform. */
export function buildSpdx(input: SbomInput): SpdxDocument {
  const packages: SpdxPackage[] = [];
  const relationships: SpdxDocument["relationships"] = [];
  const imageId = "SPDXRef-Image";
  packages.push({
    SPDXID: imageId,
    name: input.repository,
    versionInfo: input.digest,
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    primaryPackagePurpose: "CONTAINER",
    checksums: [{ algorithm: "SHA256", checksumValue: input.digest.replace(/^sha256:/, "") }],
    externalRefs: purlRef(ociPurl(input.repository, input.digest, input.platform)),
    comment: `platform ${input.platform}`,
  });
  relationships.push({
    spdxElementId: "SPDXRef-DOCUMENT",
    relationshipType: "DESCRIBES",
    relatedSpdxElement: imageId,
  });
  if (input.base) {
    const [name, tag] = splitTag(input.base.name);
    packages.push({
      SPDXID: "SPDXRef-BaseImage",
      name,
      versionInfo: input.base.digest ?? tag ?? "NOASSERTION",
      downloadLocation: "NOASSERTION",
      filesAnalyzed: false,
      primaryPackagePurpose: "CONTAINER",
      ...(input.base.digest
        ? {
            checksums: [{ algorithm: "SHA256", checksumValue: input.base.digest.replace(/^sha256:/, "") }],
            externalRefs: purlRef(ociPurl(name, input.base.digest)),
          }
        : {}),
      comment: `base image ${input.base.name}`,
    });
    relationships.push({
      spdxElementId: imageId,
      relationshipType: "DESCENDANT_OF",
      relatedSpdxElement: "SPDXRef-BaseImage",
    });
  }
  // One package per module and version, however many binaries use it.
  const moduleIds = new Map<string, string>();
  const moduleId = (module: GoModule, main: boolean, comment?: string): string => {
    const key = `${module.path}@${module.version}`;
    let id = moduleIds.get(key);
    if (!id) {
      id = `SPDXRef-GoModule-${moduleIds.size + 1}`;
      moduleIds.set(key, id);
      packages.push({
        SPDXID: id,
        name: module.path,
        versionInfo: module.version || "NOASSERTION",
        downloadLocation:
          main || !module.version
            ? "NOASSERTION"
            : `https://proxy.golang.org/${module.path}/@v/${module.version}.zip`,
        filesAnalyzed: false,
        primaryPackagePurpose: main ? "APPLICATION" : "LIBRARY",
        externalRefs: purlRef(goPurl(module)),
        ...(module.sum || comment
          ? { comment: [module.sum && `go.sum ${module.sum}`, comment].filter(Boolean).join("; ") }
          : {}),
      });
    }
    return id;
  };
  const binaries = [...input.binaries].sort((a, b) => a.path.localeCompare(b.path));
  binaries.forEach((binary, i) => {
    const id = `SPDXRef-Binary-${i + 1}`;
    const info = binary.info;
    const settings = info.settings.map((s) => `${s.key}=${s.value}`).join(" ");
    packages.push({
      SPDXID: id,
      name: binary.path,
      versionInfo: mainVersion(info, input.version),
      downloadLocation: "NOASSERTION",
      filesAnalyzed: false,
      primaryPackagePurpose: "APPLICATION",
      checksums: [{ algorithm: "SHA256", checksumValue: binary.sha256 }],
      comment: `Go binary ${info.path} built with ${info.goVersion}${settings ? `; build settings: ${settings}` : ""}`,
    });
    relationships.push({ spdxElementId: imageId, relationshipType: "CONTAINS", relatedSpdxElement: id });
    const main = { ...info.main, version: mainVersion(info, input.version) };
    relationships.push({
      spdxElementId: id,
      relationshipType: "GENERATED_FROM",
      relatedSpdxElement: moduleId(main, true),
    });
    relationships.push({
      spdxElementId: id,
      relationshipType: "DEPENDS_ON",
      relatedSpdxElement: moduleId(
        { path: "stdlib", version: info.goVersion, sum: "" },
        false,
        "Go standard library",
      ),
    });
    for (const dep of info.deps) {
      const built = effective(dep);
      const note = built !== dep ? `replaces ${dep.path}@${dep.version}` : undefined;
      relationships.push({
        spdxElementId: id,
        relationshipType: "DEPENDS_ON",
        relatedSpdxElement: moduleId(built, false, note),
      });
    }
  });
  const name = `${input.repository}@${input.digest} ${input.platform}`;
  return {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name,
    // Unique per image and platform, and the same on every run (no random UUID).
    documentNamespace: `https://spdx.org/spdxdocs/${encodeURIComponent(input.repository.split("/").pop()!)}-${createHash("sha256").update(name).digest("hex").slice(0, 32)}`,
    creationInfo: { created: input.created, creators: [`Tool: ${input.tool}`] },
    packages,
    relationships,
  };
}

function mainVersion(info: GoBuildInfo, version?: string): string {
  return info.main.version && info.main.version !== "(devel)"
    ? info.main.version
    : (version ?? info.main.version);
}

function splitTag(reference: string): [string, string | undefined] {
  const at = reference.indexOf("@");
  const withoutDigest = at >= 0 ? reference.slice(0, at) : reference;
  const colon = withoutDigest.lastIndexOf(":");
  if (colon > withoutDigest.lastIndexOf("/"))
    return [withoutDigest.slice(0, colon), withoutDigest.slice(colon + 1)];
  return [withoutDigest, undefined];
}

/** The document's bytes as attached and written: stable key order, two-space indent, final newline. */
export function spdxBytes(document: SpdxDocument): Buffer {
  return Buffer.from(`${JSON.stringify(document, null, 2)}\n`);
}

/** The Go modules an SPDX document lists, as `path@version` (for checks and tests). */
export function spdxGoModules(document: SpdxDocument): string[] {
  return document.packages
    .filter((p) => p.externalRefs?.some((r) => r.referenceLocator.startsWith("pkg:golang/")))
    .map((p) => `${p.name}@${p.versionInfo}`);
}
