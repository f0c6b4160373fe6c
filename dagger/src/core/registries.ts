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
