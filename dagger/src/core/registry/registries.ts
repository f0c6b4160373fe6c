/**
 * Which registries a publish reaches: `--registry` alone when given, else every registry of
 * `image.registries` (default `[image.registry]`). The images are built and pushed to the first;
 * each other gets the same manifests, byte for byte, copied by the OCI client, so every registry
 * serves the same digest.
 */
/** The registries of a publish: the flag's, else the config's, first one pushed to. */
export function publishRegistries(
  config: { image: { registry: string; registries: readonly string[] } },
  override?: string,
): { primary: string; mirrors: string[] } {
  if (override) return { primary: override, mirrors: [] };
  const all = config.image.registries.length ? config.image.registries : [config.image.registry];
  return { primary: all[0]!, mirrors: [...new Set(all.slice(1))].filter((r) => r !== all[0]) };
}

/**
 * The ref a pushed ref gets in a mirror registry: the same repository path under the mirror, and
 * the same tag (or, for a ref without one, the same digest). `ref` is
 * `<primary>/<name>[:<tag>][@<digest>]`.
 */
export function mirrorRef(ref: string, primary: string, mirror: string): string {
  const [bare = "", digest] = ref.split("@");
  const prefix = `${primary.replace(/\/+$/, "")}/`;
  const name = bare.startsWith(prefix) ? bare.slice(prefix.length) : bare.slice(bare.indexOf("/") + 1);
  const tagged = /:[^/]+$/.test(name);
  return `${mirror.replace(/\/+$/, "")}/${name}${tagged || !digest ? "" : `@${digest}`}`;
}

/**
 * What a release copies to `image.releaseRegistry`: each image's release tag, by digest, from the
 * registry publish pushed it to; nothing is rebuilt. Only release tags (not branches, pull
 * requests, release candidates or other prereleases) reach the release registry.
 */
export function releaseCopies(
  config: { image: { registry: string; releaseRegistry?: string }; images: readonly { name: string }[] },
  plan: { event: { kind: string }; tags: { image: string } },
  primary: string,
): { source: string; target: string }[] {
  const release = config.image.releaseRegistry?.replace(/\/+$/, "");
  if (!release || plan.event.kind !== "release-tag") return [];
  const from = primary.replace(/\/+$/, "");
  return config.images.map(({ name }) => ({
    source: `${from}/${name}:${plan.tags.image}`,
    target: `${release}/${name}:${plan.tags.image}`,
  }));
}

/** True when `host` is reached over plain HTTP. */
export function isPlainHttp(host: string, insecure: readonly string[] = []): boolean {
  const name = host.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  return (
    name === "localhost" ||
    name === "127.0.0.1" ||
    name === "::1" ||
    insecure.includes(host) ||
    insecure.includes(name)
  );
}
