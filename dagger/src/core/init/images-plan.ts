/**
 * The `images:` section `pipeline init` writes, from the binaries and the chart's image keys: one
 * image with every binary when the chart reads one image key, one image per chart key otherwise
 * (`<component>.image` each holding the binary it names, by the key or by its repository's name),
 * a build of the repository's Dockerfile when there is no main package, and nothing when the
 * defaults (`images.<binary>`) already fit. So the config it writes passes `config check --strict`.
 */
import type { Chart, ImageValues } from "./chart-scan.js";
import { ownImageKeys } from "./chart-scan.js";
import type { Binary } from "./go-scan.js";
import type { RepoListing } from "./listing.js";

/** Top-level folders of static files a server may read at run time. */
const STATIC_DIRS = ["ui", "web", "static", "public", "assets"];

/** A DNS label of `name` (image names are repository names), or null when nothing is left. */
function label(name: string): string | null {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return cleaned || null;
}

/** The last path segment of an image repository, without tag or digest (`ghcr.io/acme/shop-api:1` → `shop-api`). */
function repositoryName(repository: string): string {
  return repository.split("/").pop()!.split(/[:@]/)[0]!.toLowerCase();
}

/**
 * The binary an image key holds: the one a segment of the key names (`api.image`, `images.api`),
 * else the one its repository is named after (`shop-api`, `api`, `<app>` for the app's own
 * binary), else the only binary there is. Null when none fits.
 */
export function binaryForKey(image: ImageValues, app: string, binaries: readonly Binary[]): Binary | null {
  const segments = image.key.split(".");
  const bySegment = binaries.find((b) => segments.includes(b.name));
  if (bySegment) return bySegment;
  const repo = repositoryName(image.repository);
  const byRepository =
    binaries.find((b) => repo === b.name || repo === `${app}-${b.name}` || repo.endsWith(`-${b.name}`)) ??
    (repo === app ? binaries.find((b) => b.name === app) : undefined);
  if (byRepository) return byRepository;
  return binaries.length === 1 ? binaries[0]! : null;
}

/** Decides `images:` for the binaries and the chart; `findings` get a line per decision. */
export function imagesFor(
  app: string,
  binaries: readonly Binary[],
  chart: Chart | null,
  listing: RepoListing,
  findings: string[],
): Record<string, unknown> | undefined {
  const keys = ownImageKeys(chart?.images ?? [], app, binaries);
  if (binaries.length === 0) {
    const dockerfile = ["Dockerfile", "build/Dockerfile", "docker/Dockerfile"].find((f) =>
      listing.files.includes(f),
    );
    if (!dockerfile) return undefined;
    findings.push(`no Go main package: building ${dockerfile} instead`);
    return { [app]: { dockerfile, context: ".", ...(keys.length === 1 ? { values: keys[0] } : {}) } };
  }
  if (keys.length > 0 && binaries.every((b) => keys.includes(`images.${b.name}`))) return undefined;
  if (keys.length === 1) {
    const primary =
      binaries.find((b) => b.name === app) ?? binaries.find((b) => b.name === "server") ?? binaries[0]!;
    const ordered = [primary, ...binaries.filter((b) => b !== primary)];
    // Static folders a server commonly reads from its working directory (/app) at run time.
    const statics = STATIC_DIRS.filter((d) =>
      listing.files.some((f) => f.startsWith(`${d}/`) && !f.endsWith(".go")),
    );
    findings.push(
      `one image ${app} with ${ordered.map((b) => b.name).join(", ")} on PATH, values ${keys[0]}${statics.length ? `, ${statics.join(", ")} copied to /app` : ""}`,
    );
    return {
      [app]: {
        binaries: Object.fromEntries(ordered.map((b) => [b.name, `/usr/local/bin/${b.name}`])),
        ...(statics.length ? { files: Object.fromEntries(statics.map((d) => [d, `/app/${d}`])) } : {}),
        entrypoint: [`/usr/local/bin/${primary.name}`],
        values: keys[0],
      },
    };
  }
  if (keys.length === 0) return undefined;
  // One image per chart key, named after its binary (after its component when two keys hold one).
  const images: Record<string, unknown> = {};
  const used = new Set<string>();
  const imaged = new Set<string>();
  const byKey = new Map((chart?.images ?? []).map((i) => [i.key, i]));
  for (const key of keys) {
    const binary = binaryForKey(byKey.get(key)!, app, binaries);
    if (!binary) {
      findings.push(
        `the chart's image key ${key} names none of the binaries (${binaries.map((b) => b.name).join(", ")}): set images.<name>.values for it by hand`,
      );
      continue;
    }
    const candidates = [
      binary.name === app ? app : `${app}-${binary.name}`,
      `${app}-${key.split(".")[0]}`,
      `${app}-${key.replaceAll(".", "-")}`,
    ].map(label);
    const name = candidates.find((c): c is string => c !== null && !used.has(c));
    if (!name) continue;
    used.add(name);
    imaged.add(binary.name);
    images[name] = { binaries: { [binary.name]: `/app/${binary.name}` }, values: key };
  }
  const unread = binaries.filter((b) => !imaged.has(b.name));
  if (unread.length) {
    findings.push(
      `no chart value reads an image of ${unread.map((b) => b.name).join(", ")}: built (and archived) but in no image; add it to images: to ship one`,
    );
  }
  if (Object.keys(images).length === 0) return undefined;
  findings.push(
    `images from the chart's keys: ${Object.entries(images)
      .map(([name, image]) => `${name} (${(image as { values: string }).values})`)
      .join(", ")}`,
  );
  return images;
}
