/**
 * The recording engine and the module's process are as strict as a real engine (docs/module.md,
 * "What the tests model"): what passes here because the host is generous must fail here too.
 */
import { createServer, type Server } from "node:http";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOL_IMAGES } from "../../src/core/tools/images.js";
import { goJsonString } from "./engine.js";
import { runModule } from "./harness.js";
import { IMAGE_FACTS, lookPath } from "./image-facts.js";

const probe = { src: resolve(import.meta.dirname, "fixtures/probe/src"), name: "probe" };

describe("File.contents answers like the engine: a lossy UTF-8 string", () => {
  it.each([
    ["gzip's magic", [0x1f, 0x8b, 0x08, 0x00], "\u001f\uFFFD\u0008\u0000"],
    ["valid UTF-8", [0xc3, 0xa9, 0x41], "éA"],
    // Go's utf8.DecodeRune: a truncated sequence is one U+FFFD per byte (TextDecoder would give one).
    ["a truncated 3-byte sequence", [0xe2, 0x82, 0x41], "\uFFFD\uFFFDA"],
    ["a UTF-16 surrogate", [0xed, 0xa0, 0x80], "\uFFFD\uFFFD\uFFFD"],
  ])("turns %s into what Go's encoding/json writes", (_, bytes, expected) => {
    expect(goJsonString(Uint8Array.from(bytes))).toBe(expected);
  });
});

describe("the image-facts table", () => {
  it("covers every pinned tool image, each citing the Dockerfile it was read from", () => {
    const pinned = Object.values(TOOL_IMAGES).map((image) =>
      typeof image === "function" ? image("1.26") : image,
    );
    for (const image of pinned) {
      expect(IMAGE_FACTS[image], `no facts for ${image}`).toBeDefined();
      expect(IMAGE_FACTS[image]!.source).toMatch(
        /^github\.com\/\S+ \S*(Dockerfile|\.ko\.yaml)\S* .*@[0-9a-f]{40}/,
      );
    }
  });

  it("finds programs on the image's PATH only, and absolute paths as given", () => {
    const kubeconform = IMAGE_FACTS[TOOL_IMAGES.kubeconform]!;
    expect(lookPath(kubeconform, "kubeconform", kubeconform.path)).toBeUndefined();
    expect(lookPath(kubeconform, "/kubeconform", kubeconform.path)).toBe("/kubeconform");
    const golang = IMAGE_FACTS[TOOL_IMAGES.golang("1.26")]!;
    expect(lookPath(golang, "go", golang.path)).toBe("/usr/local/go/bin/go");
    expect(lookPath(golang, "go", "/usr/bin:/bin")).toBeUndefined();
  });
});

describe("module code runs like in the engine's runtime container", () => {
  let server: Server;
  let port = 0;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_, res) => {
      hits += 1;
      res.end("hello from the host");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("has nothing but node on PATH and an empty HOME", async () => {
    const run = await runModule({ fn: "environment", module: probe });
    expect(run.exitCode, run.stderr).toBe(0);
    const env = JSON.parse(String(run.returned)) as { PATH: string; HOME: string };
    expect(env.PATH.split(":")).toHaveLength(1);
    expect(env.HOME).not.toBe(process.env.HOME);
  });

  it.each(["git", "helm", "docker", "kubectl"])("cannot spawn %s", async (program) => {
    const run = await runModule({ fn: "spawn", args: { program }, module: probe });
    expect(run.error).toMatch(/ENOENT/);
  });

  it.each(["127.0.0.1", "localhost"])("cannot reach a server on the host's loopback as %s", async (host) => {
    const before = hits;
    const run = await runModule({ fn: "fetch", args: { url: `http://${host}:${port}/` }, module: probe });
    expect(run.error).toMatch(/fetch failed|ECONNREFUSED/);
    expect(hits).toBe(before);
  });

  it("reaches a server a test stands in as remote, by its name only", async () => {
    const run = await runModule({
      fn: "fetch",
      args: { url: `http://server.contract.test:${port}/` },
      module: probe,
      remoteHosts: { "server.contract.test": port },
    });
    expect(run.error).toBeUndefined();
    expect(run.returned).toBe("200 hello from the host");
  });
});
