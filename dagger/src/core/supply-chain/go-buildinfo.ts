/**
 * The build info the Go linker embeds in every binary (Go 1.18+): the same data `go version -m`
 * prints — Go version, main module, dependencies with versions and sums, build settings. Read
 * from the binary's bytes (the ELF `.go.buildinfo` section, or the aligned magic in other
 * formats) so the module's node-only container needs no Go toolchain, or parsed from
 * `go version -m` text. Pure: bytes or text in, data out.
 */
import { FailureError } from "../errors.js";

/** One module as the build info records it. */
export interface GoModule {
  path: string;
  version: string;
  /** `h1:` checksum from go.sum; empty for the main module and local replacements. */
  sum: string;
  /** The module it was replaced by (`replace` in go.mod), if any. */
  replace?: GoModule;
}

/** A binary's build info. */
export interface GoBuildInfo {
  /** e.g. `go1.26.0`. */
  goVersion: string;
  /** The main package's import path, e.g. `github.com/example/sample-app/cmd/api`. */
  path: string;
  main: GoModule;
  deps: GoModule[];
  /** `-buildmode`, `GOOS`, `GOARCH`, `vcs.revision`, ... in the order recorded. */
  settings: { key: string; value: string }[];
}

const MAGIC = Buffer.from("\xff Go buildinf:", "latin1");
const HEADER = 32;
const FLAG_INLINE_STRINGS = 2;

/** The bytes of the ELF section named `name`, or null when `bytes` is not ELF or lacks it. */
export function elfSection(bytes: Buffer, name: string): Buffer | null {
  if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46) return null;
  const is64 = bytes[4] === 2;
  const little = bytes[5] === 1;
  const u16 = (o: number) => (little ? bytes.readUInt16LE(o) : bytes.readUInt16BE(o));
  const u32 = (o: number) => (little ? bytes.readUInt32LE(o) : bytes.readUInt32BE(o));
  const addr = (o: number) =>
    is64 ? Number(little ? bytes.readBigUInt64LE(o) : bytes.readBigUInt64BE(o)) : u32(o);
  const shoff = addr(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const shstrndx = u16(is64 ? 0x3e : 0x32);
  if (!shoff || shnum === 0 || shstrndx >= shnum || shoff + shnum * shentsize > bytes.length) return null;
  const header = (i: number) => {
    const o = shoff + i * shentsize;
    return {
      name: u32(o),
      type: u32(o + 4),
      offset: addr(o + (is64 ? 0x18 : 0x10)),
      size: addr(o + (is64 ? 0x20 : 0x14)),
    };
  };
  const strings = header(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const section = header(i);
    const start = strings.offset + section.name;
    const end = bytes.indexOf(0, start);
    if (end < 0 || bytes.toString("latin1", start, end) !== name) continue;
    // SHT_NOBITS has no bytes in the file.
    if (section.type === 8 || section.offset + section.size > bytes.length) return null;
    return bytes.subarray(section.offset, section.offset + section.size);
  }
  return null;
}

/** Reads an unsigned varint at `offset`; returns the value and the offset after it. */
function uvarint(bytes: Buffer, offset: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (let i = offset; i < bytes.length && i < offset + 10; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, i + 1];
    shift += 7;
  }
  return [-1, offset];
}

/** The raw version and module-info strings after the magic at `at`, or null when not inline. */
function inlineStrings(bytes: Buffer, at: number): { version: string; mod: string } | null {
  if (at + HEADER > bytes.length) return null;
  const flags = bytes[at + 15]!;
  if ((flags & FLAG_INLINE_STRINGS) === 0) return null;
  let offset = at + HEADER;
  const read = (): string | null => {
    const [length, next] = uvarint(bytes, offset);
    if (length < 0 || next + length > bytes.length) return null;
    offset = next + length;
    return bytes.toString("utf8", next, next + length);
  };
  const version = read();
  const mod = read();
  if (version === null || mod === null || !version.startsWith("go")) return null;
  return { version, mod };
}

/**
 * The build info embedded in a Go binary, or null when `bytes` is no Go binary built with module
 * support. Throws for a Go binary older than 1.18, whose build info needs the binary's loader.
 */
export function readGoBuildInfo(bytes: Buffer): GoBuildInfo | null {
  const section = elfSection(bytes, ".go.buildinfo");
  const haystack = section ?? bytes;
  for (let at = haystack.indexOf(MAGIC); at >= 0; at = haystack.indexOf(MAGIC, at + 1)) {
    // The linker aligns the header to 16 bytes; anything else is the string in some data.
    if (!section && at % 16 !== 0) continue;
    const strings = inlineStrings(haystack, at);
    if (!strings) {
      if (section)
        throw new FailureError(
          "the Go binary was built before Go 1.18 (its build info is not inline); rebuild it with a current Go",
        );
      continue;
    }
    let mod = strings.mod;
    // The module info is framed by two 16-byte sentinels so `strings` can find it.
    if (mod.length >= 33 && mod[mod.length - 17] === "\n") mod = mod.slice(16, -16);
    if (!mod) return null;
    return parseModInfo(strings.version, mod);
  }
  return null;
}

/** Parses module-info lines (`path`, `mod`, `dep`, `=>`, `build`), as the linker writes them. */
export function parseModInfo(goVersion: string, text: string): GoBuildInfo {
  const info: GoBuildInfo = {
    goVersion,
    path: "",
    main: { path: "", version: "", sum: "" },
    deps: [],
    settings: [],
  };
  let last: GoModule | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    const [kind, ...fields] = line.split("\t");
    const module = (): GoModule => ({
      path: fields[0] ?? "",
      version: fields[1] ?? "",
      sum: fields[2] ?? "",
    });
    if (kind === "path") info.path = fields[0] ?? "";
    else if (kind === "mod") last = info.main = module();
    else if (kind === "dep") {
      last = module();
      info.deps.push(last);
    } else if (kind === "=>" && last) last.replace = module();
    else if (kind === "build") {
      const setting = fields.join("\t");
      const eq = setting.indexOf("=");
      if (eq > 0) info.settings.push({ key: setting.slice(0, eq), value: unquote(setting.slice(eq + 1)) });
    }
  }
  return info;
}

/** Build setting values with spaces or quotes are Go-quoted. */
function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  try {
    return JSON.parse(value) as string;
  } catch {
    return value;
  }
}

/** Parses `go version -m <file>` output for one binary (its first line is `<file>: <go version>`). */
export function parseGoVersionM(output: string): GoBuildInfo {
  const lines = output.split("\n");
  const goVersion = /:\s*(go\S+)\s*$/.exec(lines[0] ?? "")?.[1];
  if (!goVersion)
    throw new FailureError(
      "go version -m printed no Go version: is the file a Go binary built with modules?",
    );
  return parseModInfo(
    goVersion,
    lines
      .slice(1)
      .map((l) => l.replace(/^\t/, ""))
      .join("\n"),
  );
}

/** A build setting's value, or undefined. */
export function buildSetting(info: GoBuildInfo, key: string): string | undefined {
  return info.settings.find((s) => s.key === key)?.value;
}
