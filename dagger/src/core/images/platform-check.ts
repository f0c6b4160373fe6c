/**
 * A multi-arch publish ships what each variant's image config says, not what was asked for: a
 * Dockerfile whose base image lacks a platform builds on another platform's base, and the index
 * then names one platform twice (a "multi-arch" tag that runs on one architecture). This decides,
 * from the configs, whether every variant is the platform it was built for.
 */

/** The platform fields of an OCI image config. */
export interface ConfigPlatform {
  os?: string;
  architecture?: string;
  variant?: string;
}

/** `os/arch[/variant]`, with arm64's default variant v8 left out (linux/arm64 and linux/arm64/v8 are one platform). */
export function platformString(p: ConfigPlatform): string {
  const variant = p.architecture === "arm64" && p.variant === "v8" ? undefined : p.variant;
  return [p.os ?? "?", p.architecture ?? "?", variant].filter(Boolean).join("/");
}

/** Normalises a requested platform the same way. */
export function normalizePlatform(platform: string): string {
  const [os, architecture, variant] = platform.split("/");
  return platformString({ os, architecture, variant });
}

/** One line per variant whose config names another platform than the one it was built for; empty when all match. */
export function platformMismatches(
  variants: readonly { binary: string; platform: string; config: ConfigPlatform }[],
): string[] {
  return variants
    .filter((v) => platformString(v.config) !== normalizePlatform(v.platform))
    .map(
      (v) =>
        `${v.binary} for ${normalizePlatform(v.platform)}: the image config says ${platformString(v.config)} (does the base image have ${normalizePlatform(v.platform)}?)`,
    );
}
