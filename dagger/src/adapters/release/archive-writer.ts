/**
 * Writes tar.gz and zip archives with node:zlib alone (no dependency for ~150 lines). Archives are
 * reproducible: entries sorted by path, one fixed mtime (the release commit's time), no owner
 * names, uid/gid 0, and gzip without a timestamp, so the same inputs give the same bytes and
 * a re-run of a release finds its assets unchanged.
 */
import { deflateRawSync, gzipSync } from "node:zlib";

/** One file to archive. */
export interface ArchiveInput {
  path: string;
  mode: number;
  data: Buffer;
}

const byPath = (a: ArchiveInput, b: ArchiveInput) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Checks a path inside an archive: relative, `/`-separated, no `..`, no empty parts. */
function checkPath(path: string): void {
  if (!path || path.startsWith("/") || path.split("/").some((p) => p === "" || p === "." || p === ".."))
    throw new Error(`archive entry ${JSON.stringify(path)} is not a relative path inside the archive`);
}

/** A tar (ustar) archive, gzipped: entries sorted by path, every mtime `mtime` (seconds). */
export function writeTarGz(files: readonly ArchiveInput[], mtime: number): Buffer {
  const blocks: Buffer[] = [];
  for (const file of [...files].sort(byPath)) {
    checkPath(file.path);
    blocks.push(tarHeader(file.path, file.mode, file.data.length, mtime), file.data);
    const pad = (512 - (file.data.length % 512)) % 512;
    if (pad) blocks.push(Buffer.alloc(pad));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks), { level: 9 });
}

/** One ustar header; a path over 100 bytes is split into prefix and name at a `/`. */
function tarHeader(path: string, mode: number, size: number, mtime: number): Buffer {
  const header = Buffer.alloc(512);
  const bytes = Buffer.from(path, "utf8");
  let name = path;
  let prefix = "";
  if (bytes.length > 100) {
    const cut = path.lastIndexOf("/", path.length - 1);
    prefix = path.slice(0, cut);
    name = path.slice(cut + 1);
    if (cut < 0 || Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155)
      throw new Error(`archive entry ${JSON.stringify(path)} is too long for a tar header`);
  }
  const octal = (value: number, width: number) => `${value.toString(8).padStart(width - 1, "0")}\0`;
  header.write(name, 0, 100, "utf8");
  header.write(octal(mode & 0o7777, 8), 100, "ascii");
  header.write(octal(0, 8), 108, "ascii");
  header.write(octal(0, 8), 116, "ascii");
  header.write(octal(size, 12), 124, "ascii");
  header.write(octal(Math.max(0, Math.floor(mtime)), 12), 136, "ascii");
  header.write("        ", 148, "ascii");
  header.write("0", 156, "ascii");
  header.write("ustar\0", 257, "ascii");
  header.write("00", 263, "ascii");
  header.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return header;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE), as zip stores it. */
export function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** MS-DOS date and time of `mtime` (UTC; zip cannot say before 1980). */
function dosDateTime(mtime: number): { date: number; time: number } {
  const d = new Date(Math.max(mtime * 1000, Date.UTC(1980, 0, 1)));
  return {
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
  };
}

/**
 * A zip archive: entries sorted by path, deflated (stored when that is smaller), unix modes in the
 * external attributes so unzip restores the executable bit, every time `mtime`. No zip64: an
 * archive over 4 GiB is refused.
 */
export function writeZip(files: readonly ArchiveInput[], mtime: number): Buffer {
  const { date, time } = dosDateTime(mtime);
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const sorted = [...files].sort(byPath);
  for (const file of sorted) {
    checkPath(file.path);
    const name = Buffer.from(file.path, "utf8");
    const deflated = deflateRawSync(file.data, { level: 9 });
    const stored = deflated.length >= file.data.length;
    const body = stored ? file.data : deflated;
    const crc = crc32(file.data);
    if (offset + body.length > 0xfffffff0) throw new Error("zip archive over 4 GiB (zip64 is not written)");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(stored ? 0 : 8, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(file.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE((3 << 8) | 20, 4); // made by unix, so the mode below is read
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt16LE(stored ? 0 : 8, 10);
    entry.writeUInt16LE(time, 12);
    entry.writeUInt16LE(date, 14);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(body.length, 20);
    entry.writeUInt32LE(file.data.length, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(((0o100000 | (file.mode & 0o7777)) << 16) >>> 0, 38);
    entry.writeUInt32LE(offset, 42);
    central.push(entry, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(sorted.length, 8);
  end.writeUInt16LE(sorted.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
