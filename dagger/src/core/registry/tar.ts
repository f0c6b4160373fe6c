/** Reads files out of an (uncompressed) tar archive: a chart's Chart.yaml, the binaries of an image layer. */

/** One entry of a tar archive: a regular file's bytes, or a name (directories, links) with none. */
export interface TarEntry {
  name: string;
  /** `0` regular file, `5` directory, `2` symlink, ... */
  type: string;
  body: Buffer;
  /** A link's target (`1` hard link, `2` symlink); empty for other entries. */
  link: string;
}

/** Every entry of a tar archive in order, long (GNU `L`) names resolved. */
export function* tarEntries(tar: Uint8Array): Generator<TarEntry> {
  const data = Buffer.from(tar.buffer, tar.byteOffset, tar.byteLength);
  let offset = 0;
  let longName: string | null = null;
  while (offset + 512 <= data.length) {
    const header = data.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) return;
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString("utf8")
        .replace(/\0.*$/s, "");
    const size = Number.parseInt(field(124, 12).trim() || "0", 8);
    const type = field(156, 1) || "0";
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const body = data.subarray(offset + 512, offset + 512 + size);
    longName = null;
    if (type === "L") longName = body.toString("utf8").replace(/\0.*$/s, "");
    else yield { name, type: type === "\0" ? "0" : type, body, link: field(157, 100) };
    offset += 512 + Math.ceil(size / 512) * 512;
  }
}

/** Returns the contents of the first regular file whose name satisfies `match`, or null. */
export function readTarEntry(tar: Uint8Array, match: (name: string) => boolean): Buffer | null {
  for (const entry of tarEntries(tar))
    if (entry.type === "0" && match(entry.name)) return Buffer.from(entry.body);
  return null;
}
