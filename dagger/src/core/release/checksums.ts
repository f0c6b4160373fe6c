/**
 * The release's `SHA256SUMS`: one `<hex>  <name>` line per asset, sorted by name, in the format
 * `sha256sum -c` reads (two spaces: text mode, as GoReleaser writes it).
 */

/** The name of the checksums asset. */
export const CHECKSUMS_FILE = "SHA256SUMS";

/** Renders the checksums file from asset names and their SHA-256 digests (lowercase hex). */
export function renderChecksums(assets: readonly { name: string; sha256: string }[]): string {
  return [...assets]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((a) => `${a.sha256}  ${a.name}\n`)
    .join("");
}

/** Reads a checksums file back into name -> digest; lines that are not `<64 hex>  <name>` are refused. */
export function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const [i, line] of text.split("\n").entries()) {
    if (line === "") continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match) throw new Error(`SHA256SUMS line ${i + 1} is not "<sha256>  <name>"`);
    sums.set(match[2]!, match[1]!);
  }
  return sums;
}
