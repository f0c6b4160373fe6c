import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { writeTarGz } from "../../src/adapters/release/archive-writer.js";
import { tarEntries } from "../../src/core/registry/tar.js";
import { clampTarTimes, newestTarTime, reproducibleImage } from "../../src/core/release/reproducible.js";

const tarAt = (mtime: number) =>
  gunzipSync(
    writeTarGz(
      [
        { path: "app/api", mode: 0o755, data: Buffer.from("binary") },
        { path: "app/assets/a.txt", mode: 0o644, data: Buffer.from("x".repeat(700)) },
      ],
      mtime,
    ),
  );

/** Each header's mtime, and whether its checksum is right (what tar and docker check). */
function headers(tar: Uint8Array): { mtime: number; checksumOk: boolean }[] {
  const out = [];
  const data = Buffer.from(tar);
  for (let offset = 0; offset + 512 <= data.length; ) {
    const header = data.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const stored = Number.parseInt(header.subarray(148, 156).toString("ascii"), 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
    out.push({
      mtime: Number.parseInt(header.subarray(136, 148).toString("ascii"), 8),
      checksumOk: sum === stored,
    });
    const size = Number.parseInt(header.subarray(124, 136).toString("ascii"), 8);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** A PAX extended header (`x`) carrying `records`, then one file. */
function paxTar(records: string[]): Buffer {
  const body = Buffer.from(
    records
      .map((r) => {
        let n = r.length + 3;
        while (`${n} ${r}\n`.length !== n) n++;
        return `${n} ${r}\n`;
      })
      .join(""),
  );
  const header = (name: string, type: string, size: number, mtime: number) => {
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write("0000644\0", 100);
    h.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
    h.write(`${mtime.toString(8).padStart(11, "0")}\0`, 136);
    h.write(type, 156);
    h.write("ustar\0", 257);
    h.write("00", 263);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    return h;
  };
  const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc(Math.ceil(b.length / 512) * 512 - b.length)]);
  return Buffer.concat([
    header("PaxHeader/f", "x", body.length, 2_000_000_000),
    pad(body),
    header("f", "0", 2, 2_000_000_000),
    pad(Buffer.from("hi")),
    Buffer.alloc(1024),
  ]);
}

describe("clampTarTimes", () => {
  it("dates every newer entry at the epoch, with valid checksums, and leaves the files' bytes alone", () => {
    const clamped = clampTarTimes(tarAt(2_000_000_000), 1_700_000_000);
    expect(headers(clamped)).toEqual([
      { mtime: 1_700_000_000, checksumOk: true },
      { mtime: 1_700_000_000, checksumOk: true },
    ]);
    expect([...tarEntries(clamped)].map((e) => e.body.toString())).toEqual(["binary", "x".repeat(700)]);
  });

  it("gives the same bytes whenever the archive was made after the epoch", () => {
    expect(Buffer.from(clampTarTimes(tarAt(1_800_000_000), 1_700_000_000))).toEqual(
      Buffer.from(clampTarTimes(tarAt(1_900_000_000), 1_700_000_000)),
    );
  });

  it("returns the very archive when no entry is newer (a reproducible layer keeps its digest)", () => {
    const old = tarAt(1_600_000_000);
    expect(clampTarTimes(old, 1_700_000_000)).toBe(old);
  });

  it("clamps a PAX mtime and drops atime and ctime, resizing the record block", () => {
    const tar = paxTar(["mtime=2000000000.123456789", "atime=2000000001", "ctime=2000000002", "path=f"]);
    const clamped = clampTarTimes(tar, 1_700_000_000);
    const pax = [...tarEntries(clamped)][0]!;
    expect(pax.type).toBe("x");
    expect(pax.body.toString()).toBe("20 mtime=1700000000\n9 path=f\n");
    expect(headers(clamped).every((h) => h.checksumOk && h.mtime === 1_700_000_000)).toBe(true);
    expect([...tarEntries(clamped)][1]!.body.toString()).toBe("hi");
  });

  it("reads the newest entry's time", () => {
    expect(newestTarTime(tarAt(1_234_567_890))).toBe(1_234_567_890);
    expect(newestTarTime(Buffer.alloc(1024))).toBe(0);
  });
});

describe("reproducibleImage", () => {
  /** A config as Docker's legacy builder writes it, with what changes from run to run. */
  const dockerConfig = (run: number) =>
    Buffer.from(
      JSON.stringify({
        architecture: "arm64",
        config: {
          Hostname: "",
          User: "65532:65532",
          Env: ["PATH=/usr/bin"],
          Cmd: null,
          Image: `sha256:${String(run).repeat(64)}`,
          WorkingDir: "/app",
          Entrypoint: ["/app/api"],
          OnBuild: null,
          Labels: { "org.opencontainers.image.created": "2023-11-14T22:13:20Z" },
        },
        container: `${run}`.repeat(64),
        container_config: { Hostname: `host-${run}`, Cmd: ["/bin/sh", "-c", "#(nop) "] },
        created: `2026-12-0${run}T13:18:39.478164981Z`,
        docker_version: "20.10.24",
        history: [
          { created: `2026-12-0${run}T13:18:38Z`, created_by: "COPY file:abc in /app/api " },
          { created: `2026-12-0${run}T13:18:39Z`, created_by: "WORKDIR /app", empty_layer: true },
        ],
        os: "linux",
        variant: "v8",
        rootfs: { type: "layers", diff_ids: ["sha256:stale"] },
      }),
    );

  it("keeps the OCI fields, dates them by the source date, and drops the builder's own", () => {
    const layer = tarAt(1_900_000_000);
    const image = reproducibleImage(
      { config: dockerConfig(1), layers: [layer] },
      1_700_000_000,
      "2023-11-14T22:13:20Z",
    );
    const digest = `sha256:${createHash("sha256").update(image.layers[0]!).digest("hex")}`;
    expect(JSON.parse(image.config.toString())).toEqual({
      created: "2023-11-14T22:13:20Z",
      architecture: "arm64",
      variant: "v8",
      os: "linux",
      config: {
        User: "65532:65532",
        Env: ["PATH=/usr/bin"],
        Entrypoint: ["/app/api"],
        WorkingDir: "/app",
        Labels: { "org.opencontainers.image.created": "2023-11-14T22:13:20Z" },
      },
      rootfs: { type: "layers", diff_ids: [digest] },
      history: [
        { created: "2023-11-14T22:13:20Z", created_by: "COPY file:abc in /app/api " },
        { created: "2023-11-14T22:13:20Z", created_by: "WORKDIR /app", empty_layer: true },
      ],
    });
    expect(image.diffIds).toEqual([digest]);
  });

  it("gives the same config and layer bytes for two builds of one commit", () => {
    const one = reproducibleImage(
      { config: dockerConfig(1), layers: [tarAt(1_800_000_000)] },
      1_700_000_000,
      "x",
    );
    const two = reproducibleImage(
      { config: dockerConfig(2), layers: [tarAt(1_900_000_000)] },
      1_700_000_000,
      "x",
    );
    expect(one.config.equals(two.config)).toBe(true);
    expect(Buffer.from(one.layers[0]!).equals(Buffer.from(two.layers[0]!))).toBe(true);
  });
});
