import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { chartAnnotations, chartMetadata } from "../../src/adapters/registry/chart-push.js";
import { dockerConfigCredentials, resolveCredentials } from "../../src/adapters/registry/credentials.js";
import { FailureError, UsageError } from "../../src/core/errors.js";
import {
  buildIndex,
  digestOf,
  formatImageRef,
  MediaType,
  parseImageRef,
  requireWritableManifest,
} from "../../src/core/registry/oci.js";
import { isPlainHttp } from "../../src/core/registry/registries.js";
import { readTarEntry } from "../../src/core/registry/tar.js";

const d = (c: string) => `sha256:${c.repeat(64)}`;

describe("parseImageRef", () => {
  it.each([
    ["ghcr.io/acme/api:1.2.3", { registry: "ghcr.io", repository: "acme/api", reference: "1.2.3" }],
    ["127.0.0.1:5000/api", { registry: "127.0.0.1:5000", repository: "api", reference: "latest" }],
    ["localhost/api:v1", { registry: "localhost", repository: "api", reference: "v1" }],
    [`oci://r.io/charts/app@${d("a")}`, { registry: "r.io", repository: "charts/app", reference: d("a") }],
    ["r.io:443/a/b/c:1.0.0-rc.1", { registry: "r.io:443", repository: "a/b/c", reference: "1.0.0-rc.1" }],
  ])("%s", (text, expected) => {
    expect(parseImageRef(text)).toEqual(expected);
    expect(parseImageRef(formatImageRef(parseImageRef(text)))).toEqual(expected);
  });

  it.each(["api:1.0", "acme/api:1.0", "r.io/Acme/api:1", "r.io/api:bad tag"])("rejects %s", (text) => {
    expect(() => parseImageRef(text)).toThrow(UsageError);
  });
});

describe("requireWritableManifest", () => {
  const image = (mediaType?: string) =>
    JSON.stringify({
      schemaVersion: 2,
      ...(mediaType ? { mediaType } : {}),
      config: { mediaType: MediaType.ociConfig, digest: d("c"), size: 2 },
      layers: [{ mediaType: MediaType.ociLayer, digest: d("e"), size: 3 }],
    });
  const index = (mediaType?: string) =>
    JSON.stringify({
      schemaVersion: 2,
      ...(mediaType ? { mediaType } : {}),
      manifests: [{ mediaType: MediaType.ociManifest, digest: d("a"), size: 9 }],
    });

  it.each([
    ["an OCI manifest", image(MediaType.ociManifest), MediaType.ociManifest, "image"],
    ["an OCI manifest without mediaType in the body", image(), MediaType.ociManifest, "image"],
    ["a Docker v2 manifest", image(MediaType.dockerManifest), MediaType.dockerManifest, "image"],
    ["an OCI index", index(MediaType.ociIndex), MediaType.ociIndex, "index"],
    ["a Docker manifest list", index(MediaType.dockerList), MediaType.dockerList, "index"],
  ])("takes %s", (_name, bytes, type, kind) => {
    expect(requireWritableManifest(bytes, type, "here").kind).toBe(kind);
  });

  it.each([
    ["text that is not JSON", "{not json", MediaType.ociIndex, /here: refusing .*malformed JSON \(9 bytes\)/],
    ["JSON that is no manifest", '{"hello":"world"}', MediaType.ociIndex, /not schemaVersion 2/],
    ["a JSON array", "[]", MediaType.ociIndex, /not a JSON object/],
    ["an unknown media type in the body", index("text/html"), MediaType.ociIndex, /media type "text\/html"/],
    ["an unknown media type to write as", image(), "application/json", /media type "application\/json"/],
    [
      "a body type other than the written one",
      index(MediaType.ociIndex),
      MediaType.dockerList,
      /but is written as/,
    ],
    ["an index written as an image manifest", index(), MediaType.ociManifest, /lists manifests/],
    [
      "an image manifest without layers",
      JSON.stringify({ schemaVersion: 2, config: {} }),
      MediaType.ociManifest,
      /config/,
    ],
  ])("refuses %s", (_name, bytes, type, why) => {
    expect(() => requireWritableManifest(bytes, type, "here")).toThrow(FailureError);
    expect(() => requireWritableManifest(bytes, type, "here")).toThrow(why);
  });
});

describe("buildIndex", () => {
  const docker = (arch: string, c: string) => ({
    descriptor: { mediaType: MediaType.dockerManifest, digest: d(c), size: 1 },
    platform: { os: "linux", architecture: arch },
  });
  it("makes a Docker manifest list from Docker v2 manifests, sorted by platform, without annotations", () => {
    const index = buildIndex([docker("arm64", "b"), docker("amd64", "a")], {
      "org.opencontainers.image.version": "1.0.0",
    });
    expect(index.mediaType).toBe(MediaType.dockerList);
    const parsed = JSON.parse(index.bytes);
    expect(
      parsed.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture),
    ).toEqual(["amd64", "arm64"]);
    expect(parsed.annotations).toBeUndefined();
  });
  it("makes an annotated OCI index as soon as one source is OCI, with the same bytes whatever the order", () => {
    const oci = {
      descriptor: { mediaType: MediaType.ociManifest, digest: d("c"), size: 2 },
      platform: { os: "linux", architecture: "arm", variant: "v7" },
    };
    const a = buildIndex([docker("amd64", "a"), oci], { "org.opencontainers.image.version": "1.0.0" });
    const b = buildIndex([oci, docker("amd64", "a")], { "org.opencontainers.image.version": "1.0.0" });
    expect(a.mediaType).toBe(MediaType.ociIndex);
    expect(digestOf(a.bytes)).toBe(digestOf(b.bytes));
    expect(JSON.parse(a.bytes).annotations).toEqual({ "org.opencontainers.image.version": "1.0.0" });
  });
  it("refuses two images of one platform", () => {
    expect(() => buildIndex([docker("amd64", "a"), docker("amd64", "b")])).toThrow(
      /two sources are linux\/amd64 images/,
    );
  });
});

describe("registry helpers", () => {
  it.each([
    ["localhost:5001", [], true],
    ["127.0.0.1:5000", [], true],
    ["[::1]:5000", [], true],
    ["registry.lan:5000", ["registry.lan:5000"], true],
    ["ghcr.io", [], false],
  ])("plain HTTP for %s: %s", (host, insecure, expected) => {
    expect(isPlainHttp(host, insecure)).toBe(expected);
  });

  it("resolves credentials from explicit values, then the environment, then the Docker config", () => {
    const dir = mkdtempSync(join(tmpdir(), "docker-config-"));
    writeFileSync(
      join(dir, "config.json"),
      JSON.stringify({
        auths: { "https://r.io": { auth: Buffer.from("bob:pw:with:colons").toString("base64") } },
      }),
    );
    expect(dockerConfigCredentials("r.io", dir)).toEqual({ username: "bob", password: "pw:with:colons" });
    expect(dockerConfigCredentials("other.io", dir)).toBeUndefined();
    expect(
      resolveCredentials(
        "r.io",
        { username: "a", password: "b" },
        { REGISTRY_USERNAME: "c", REGISTRY_PASSWORD: "d" },
      ),
    ).toEqual({ username: "a", password: "b" });
    expect(resolveCredentials("r.io", {}, { REGISTRY_USERNAME: "c", REGISTRY_PASSWORD: "d" })).toEqual({
      username: "c",
      password: "d",
    });
  });
});

/** A one-file tar archive, written by hand (ustar header). */
function tarOf(name: string, body: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write("0000644\0", 100);
  header.write(`${Buffer.byteLength(body).toString(8).padStart(11, "0")}\0`, 124);
  header.write("0", 156);
  header.write("        ", 148);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
  data.write(body);
  return Buffer.concat([header, data, Buffer.alloc(1024)]);
}

describe("charts", () => {
  it("reads Chart.yaml out of a packaged chart and derives helm's annotations", () => {
    const tgz = gzipSync(
      tarOf(
        "shop/Chart.yaml",
        "apiVersion: v2\nname: shop\nversion: 1.2.3+build.1\ndescription: A shop\nsources: [https://x/y]\n",
      ),
    );
    const meta = chartMetadata(tgz);
    expect(meta).toMatchObject({ name: "shop", version: "1.2.3+build.1" });
    expect(chartAnnotations(meta, "t")).toEqual({
      "org.opencontainers.image.title": "shop",
      "org.opencontainers.image.version": "1.2.3+build.1",
      "org.opencontainers.image.created": "t",
      "org.opencontainers.image.description": "A shop",
      "org.opencontainers.image.source": "https://x/y",
    });
    expect(readTarEntry(gzipSync(Buffer.from("x")).subarray(0, 0), () => true)).toBeNull();
  });
  it.each([
    [Buffer.from("not gzip"), /not a gzip archive/],
    [gzipSync(tarOf("shop/values.yaml", "a: 1\n")), /no <chart>\/Chart.yaml inside/],
  ])("rejects a bad chart archive %#", (bytes, message) => {
    expect(() => chartMetadata(bytes, "x.tgz")).toThrow(message);
  });
});
