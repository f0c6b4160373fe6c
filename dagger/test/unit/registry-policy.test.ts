import { describe, expect, it } from "vitest";
import { FailureError, UsageError } from "../../src/core/errors.js";
import {
  checkedDigest,
  digestOf,
  isRepositoryName,
  isTagOrDigest,
  MediaType,
  parseImageRef,
  parseManifest,
  parseRegistryJson,
} from "../../src/core/registry/oci.js";
import {
  REGISTRY_DEFAULTS,
  registryTuning,
  retryAfterMs,
  retryDelayMs,
  worstCaseMs,
} from "../../src/core/registry/retry-policy.js";

describe("registryTuning reads REGISTRY_RETRIES and REGISTRY_TIMEOUT_MS", () => {
  it.each([
    [{}, { attempts: 4, timeoutMs: 30_000 }],
    [{ REGISTRY_RETRIES: "2" }, { attempts: 2, timeoutMs: 30_000 }],
    [
      { REGISTRY_RETRIES: "10", REGISTRY_TIMEOUT_MS: "100" },
      { attempts: 10, timeoutMs: 100 },
    ],
    [
      { REGISTRY_RETRIES: "", REGISTRY_TIMEOUT_MS: "" },
      { attempts: 4, timeoutMs: 30_000 },
    ],
  ])("%j -> %j", (env, expected) => {
    expect(registryTuning(env)).toEqual(expected);
  });

  it.each([
    ["REGISTRY_RETRIES", "abc"],
    ["REGISTRY_RETRIES", "0"],
    ["REGISTRY_RETRIES", "-1"],
    ["REGISTRY_RETRIES", "1.5"],
    ["REGISTRY_RETRIES", "11"],
    ["REGISTRY_RETRIES", "1e3"],
    ["REGISTRY_RETRIES", "Infinity"],
    ["REGISTRY_RETRIES", "4\nFAKE LOG LINE"],
    ["REGISTRY_TIMEOUT_MS", "99"],
    ["REGISTRY_TIMEOUT_MS", "600001"],
    ["REGISTRY_TIMEOUT_MS", "NaN"],
    ["REGISTRY_TIMEOUT_MS", "0x10"],
  ])("refuses %s=%j with a one-line usage error", (name, value) => {
    let error: unknown;
    try {
      registryTuning({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(new RegExp(`^${name}=".*" is not a`));
    expect((error as Error).message).not.toContain("\n");
    expect((error as Error).message).not.toMatch(/NaN attempts/);
  });

  it("bounds a request that never answers by attempts × timeout plus the backoff", () => {
    expect(worstCaseMs({ attempts: 4, timeoutMs: 30_000 })).toBe(4 * 30_000 + 1.5 * (250 + 500 + 1000));
    expect(worstCaseMs({ attempts: 1, timeoutMs: 500 })).toBe(500);
  });
});

describe("Retry-After", () => {
  const now = Date.parse("2026-11-25T12:00:00Z");
  it.each([
    [null, null],
    ["", null],
    ["3", 3000],
    ["0", 0],
    ["soon", null],
    ["-5", null],
    ["Wed, 25 Nov 2026 12:00:10 GMT", 10_000],
    ["Wed, 25 Nov 2026 11:00:00 GMT", 0],
  ])("%j -> %j ms", (header, ms) => {
    expect(retryAfterMs(header, now)).toBe(ms);
  });

  it("waits what the registry asks up to the cap, and gives up on more rather than retry early", () => {
    expect(retryDelayMs(1, 2000, 0.5)).toBe(2000);
    expect(retryDelayMs(1, REGISTRY_DEFAULTS.retryAfterCapMs, 0.5)).toBe(REGISTRY_DEFAULTS.retryAfterCapMs);
    expect(retryDelayMs(1, REGISTRY_DEFAULTS.retryAfterCapMs + 1, 0.5)).toBeNull();
  });

  it("backs off exponentially with jitter without one", () => {
    expect(retryDelayMs(1, null, 0, 100)).toBe(50);
    expect(retryDelayMs(3, null, 0.999_999, 100)).toBeCloseTo(600, 0);
  });
});

describe("checkedDigest hashes bytes against every claim", () => {
  const bytes = Buffer.from('{"schemaVersion":2}');
  const real = digestOf(bytes);
  it("returns the sha256 when the header and the requested digest agree", () => {
    expect(
      checkedDigest(
        bytes,
        [
          { what: "header", digest: real },
          { what: "requested digest", digest: real },
        ],
        "x",
      ),
    ).toBe(real);
    expect(checkedDigest(bytes, [{ what: "header", digest: null }], "x")).toBe(real);
    expect(checkedDigest(bytes, [{ what: "header", digest: digestOf(bytes, "sha512") }], "x")).toBe(real);
  });
  it.each([
    ["a false header", `sha256:${"a".repeat(64)}`],
    ["a truncated digest", "sha256:abc"],
    ["another algorithm", `md5:${"a".repeat(32)}`],
    ["a newline", `${real}\nok`],
  ])("refuses %s in one line", (_name, claim) => {
    expect(() => checkedDigest(bytes, [{ what: "header", digest: claim }], "GET r/x")).toThrow(FailureError);
    try {
      checkedDigest(bytes, [{ what: "header", digest: claim }], "GET r/x");
    } catch (e) {
      expect((e as Error).message).not.toContain("\n");
      expect((e as Error).message).toMatch(/^GET r\/x: /);
    }
  });
});

describe("parseManifest and parseRegistryJson refuse what the pipeline cannot rely on", () => {
  const d = `sha256:${"b".repeat(64)}`;
  const desc = { mediaType: MediaType.ociManifest, digest: d, size: 3 };
  it("reads an index and an image manifest", () => {
    const index = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [desc] });
    expect(parseManifest(index, MediaType.ociIndex, "x").kind).toBe("index");
    const image = JSON.stringify({ schemaVersion: 2, config: desc, layers: [desc] });
    expect(parseManifest(image, MediaType.ociManifest, "x").kind).toBe("image");
  });
  it.each([
    ["malformed JSON", "{not json", MediaType.ociIndex],
    ["a JSON string", '"hello"', MediaType.ociIndex],
    ["null", "null", MediaType.ociIndex],
    ["schemaVersion 1", JSON.stringify({ schemaVersion: 1, manifests: [] }), MediaType.ociIndex],
    ["an index without manifests", JSON.stringify({ schemaVersion: 2 }), MediaType.ociIndex],
    [
      "manifests that are not descriptors",
      JSON.stringify({ schemaVersion: 2, manifests: [{ digest: 1 }] }),
      MediaType.ociIndex,
    ],
    ["a manifest without config", JSON.stringify({ schemaVersion: 2, layers: [] }), MediaType.ociManifest],
    [
      "layers that are not a list",
      JSON.stringify({ schemaVersion: 2, config: desc, layers: "x" }),
      MediaType.ociManifest,
    ],
    [
      "a manifest list claimed as an image",
      JSON.stringify({ schemaVersion: 2, manifests: [desc] }),
      MediaType.ociManifest,
    ],
    [
      "a digest with a path in it",
      JSON.stringify({ schemaVersion: 2, manifests: [{ ...desc, digest: "sha256:../../x" }] }),
      MediaType.ociIndex,
    ],
  ])("refuses %s with a FailureError", (_name, body, type) => {
    expect(() => parseManifest(body, type, "GET r/x")).toThrow(FailureError);
  });
  it("says malformed JSON in one line without echoing it", () => {
    expect(() => parseRegistryJson("{\n SECRET", "token")).toThrow(
      /^token: the registry answered malformed JSON \(\d+ bytes\)/,
    );
  });
});

describe("references never carry a path a URL would resolve away", () => {
  it.each([
    ["charts/../sample-app-api", false],
    ["charts/./x", false],
    ["a//b", false],
    ["charts/sample-app", true],
    ["a__b/c-d.e", true],
  ])("repository %j valid: %s", (name, ok) => {
    expect(isRepositoryName(name)).toBe(ok);
  });
  it.each([
    ["..", false],
    ["../latest", false],
    [".hidden", false],
    ["a".repeat(129), false],
    ["a b", false],
    ["1.2.3_build", true],
    [`sha256:${"a".repeat(64)}`, true],
    ["sha256:../../x", false],
  ])("reference %j valid: %s", (ref, ok) => {
    expect(isTagOrDigest(ref)).toBe(ok);
  });
  it.each(["user:pass@r.io/api:1", "r .io/api:1", "http://r.io/api:1", "r.io/api:1\nINJECTED"])(
    "parseImageRef refuses %j in one line without echoing a newline",
    (text) => {
      expect(() => parseImageRef(text)).toThrow(UsageError);
      try {
        parseImageRef(text);
      } catch (e) {
        expect((e as Error).message).not.toContain("\n");
      }
    },
  );
});
