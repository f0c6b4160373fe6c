/**
 * What makes a build's outputs depend on the source date only (./source-date.ts), whatever the
 * clock of the machine that built them: tar entries no newer than the source date (the "clamp"
 * of reproducible-builds.org and BuildKit's rewrite-timestamp), and an image config holding the
 * OCI fields only, dated by the source date. Pure: bytes in, bytes out.
 */
import { createHash } from "node:crypto";

const BLOCK = 512;

/** A tar numeric field: octal text, or GNU base-256 when the first byte's high bit is set. */
function readNumber(field: Uint8Array): number {
  if (field[0]! & 0x80) {
    let value = field[0]! & 0x7f;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    return value;
  }
  const text = Buffer.from(field).toString("ascii").replace(/\0.*$/s, "").trim();
  return text ? Number.parseInt(text, 8) : 0;
}

/** Writes `value` as zero-padded octal filling `length - 1` digits, then NUL. */
function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  header.write(`${value.toString(8).padStart(length - 1, "0")}\0`, offset, length, "ascii");
}

/** Recomputes a header's checksum (the sum of its bytes, the checksum field counted as spaces). */
function writeChecksum(header: Buffer): void {
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
}

/**
 * PAX records with `mtime` clamped to `epoch` and `atime`/`ctime` left out (they say when the
 * builder read the file); null when nothing changes.
 */
function clampPax(body: Buffer, epoch: number): Buffer | null {
  const records: string[] = [];
  let changed = false;
  let offset = 0;
  while (offset < body.length) {
    const space = body.indexOf(0x20, offset);
    const length = Number(body.subarray(offset, space).toString("ascii"));
    if (space < 0 || !Number.isSafeInteger(length) || length <= 0) return null;
    const record = body.subarray(space + 1, offset + length - 1).toString("utf8");
    offset += length;
    const key = record.slice(0, record.indexOf("="));
    if (key === "atime" || key === "ctime") {
      changed = true;
      continue;
    }
    if (key === "mtime" && Number(record.slice(6)) > epoch) {
      records.push(`mtime=${epoch}`);
      changed = true;
      continue;
    }
    records.push(record);
  }
  if (!changed) return null;
  return Buffer.from(
    records
      .map((record) => {
        // The length counts itself: grow it until it does.
        const rest = ` ${record}\n`;
        let length = Buffer.byteLength(rest) + 1;
        while (String(length).length + Buffer.byteLength(rest) !== length) length++;
        return `${length}${rest}`;
      })
      .join(""),
  );
}

/**
 * The tar archive with every entry's mtime clamped to `epoch` (seconds): newer ones become
 * `epoch`, older ones stay. The same archive object comes back when nothing was newer, so a
 * layer that was already reproducible keeps its digest (and its bytes are not copied).
 */
export function clampTarTimes(tar: Uint8Array, epoch: number): Uint8Array {
  const data = Buffer.from(tar.buffer, tar.byteOffset, tar.byteLength);
  const parts: Buffer[] = [];
  let changed = false;
  let offset = 0;
  while (offset + BLOCK <= data.length) {
    const original = data.subarray(offset, offset + BLOCK);
    if (original.every((b) => b === 0)) break;
    const size = readNumber(original.subarray(124, 136));
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    const type = String.fromCharCode(original[156]!);
    const header = Buffer.from(original);
    let body = data.subarray(offset + BLOCK, offset + BLOCK + padded);
    let touched = false;
    if (readNumber(header.subarray(136, 148)) > epoch) {
      writeOctal(header, 136, 12, epoch);
      touched = true;
    }
    if (type === "x" || type === "g") {
      const records = clampPax(body.subarray(0, size), epoch);
      if (records) {
        writeOctal(header, 124, 12, records.length);
        body = Buffer.concat([
          records,
          Buffer.alloc(Math.ceil(records.length / BLOCK) * BLOCK - records.length),
        ]);
        touched = true;
      }
    }
    if (touched) {
      writeChecksum(header);
      changed = true;
    }
    parts.push(header, body);
    offset += BLOCK + padded;
  }
  if (!changed) return tar;
  // The end-of-archive blocks (and any padding after them) as they were.
  parts.push(data.subarray(offset));
  return Buffer.concat(parts);
}

/** The newest mtime (seconds) of a tar archive's entries; 0 for an empty one. */
export function newestTarTime(tar: Uint8Array): number {
  const data = Buffer.from(tar.buffer, tar.byteOffset, tar.byteLength);
  let newest = 0;
  for (let offset = 0; offset + BLOCK <= data.length; ) {
    const header = data.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    newest = Math.max(newest, readNumber(header.subarray(136, 148)));
    offset += BLOCK + Math.ceil(readNumber(header.subarray(124, 136)) / BLOCK) * BLOCK;
  }
  return newest;
}

/** `sha256:<hex>` of bytes. */
function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** The OCI image-spec fields of an image's runtime config, in the spec's order (Docker's own left out). */
const RUNTIME_FIELDS = [
  "User",
  "ExposedPorts",
  "Env",
  "Entrypoint",
  "Cmd",
  "Volumes",
  "WorkingDir",
  "Labels",
  "StopSignal",
  "ArgsEscaped",
  // Docker's extensions that change how the image runs: kept, since dropping them would change it.
  "Healthcheck",
  "Shell",
  "OnBuild",
] as const;

/** A config's fields that are present and say something (null, empty lists and maps are left out). */
function meaningful(value: unknown): boolean {
  if (value === null || value === undefined || value === "" || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

/**
 * An image's config and layers as reproducible bytes: layers clamped to `epoch`, and a config
 * holding only the OCI image-spec fields — platform, runtime config, `created` and every
 * history entry's `created` at the source date, `rootfs.diff_ids` of the layers as pushed. What
 * a builder adds about its own run (the intermediate container's ID and config, the parent image,
 * the daemon's version) is left out. Layers are uncompressed tars, so a layer's digest is its diff ID.
 */
export function reproducibleImage(
  image: { config: Uint8Array; layers: readonly Uint8Array[] },
  epoch: number,
  created: string,
): { config: Buffer; layers: Uint8Array[]; diffIds: string[] } {
  const source = JSON.parse(Buffer.from(image.config).toString("utf8")) as Record<string, unknown>;
  const layers = image.layers.map((layer) => clampTarTimes(layer, epoch));
  const diffIds = layers.map(sha256);
  const runtime = (source.config ?? {}) as Record<string, unknown>;
  const config: Record<string, unknown> = {};
  for (const field of RUNTIME_FIELDS) if (meaningful(runtime[field])) config[field] = runtime[field];
  const history = Array.isArray(source.history) ? (source.history as Record<string, unknown>[]) : [];
  const out: Record<string, unknown> = {
    created,
    ...(typeof source.author === "string" && source.author ? { author: source.author } : {}),
    architecture: source.architecture,
    ...(typeof source.variant === "string" && source.variant ? { variant: source.variant } : {}),
    os: source.os,
    ...(meaningful(source["os.version"]) ? { "os.version": source["os.version"] } : {}),
    ...(meaningful(source["os.features"]) ? { "os.features": source["os.features"] } : {}),
    config,
    rootfs: { type: "layers", diff_ids: diffIds },
    history: history.map((entry) => ({
      created,
      ...(typeof entry.created_by === "string" ? { created_by: entry.created_by } : {}),
      ...(typeof entry.author === "string" && entry.author ? { author: entry.author } : {}),
      ...(typeof entry.comment === "string" && entry.comment ? { comment: entry.comment } : {}),
      ...(entry.empty_layer === true ? { empty_layer: true } : {}),
    })),
  };
  return { config: Buffer.from(JSON.stringify(out)), layers, diffIds };
}
