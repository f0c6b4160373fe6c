import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  decodePathSegment,
  HttpError,
  httpLimits,
  parseJsonObject,
  SECURITY_HEADERS,
} from "../../src/serve/http-util.js";
import { STATUS_PAGE, statusPageCsp } from "../../src/serve/page.js";
import { githubSignatureValid, sameSecret } from "../../src/serve/webhook-signature.js";

describe("webhook secret checks", () => {
  const body = Buffer.from('{"ref":"refs/heads/main"}');
  const good = `sha256=${createHmac("sha256", "s3cret").update(body).digest("hex")}`;
  it.each([
    ["the right signature", good, true],
    [
      "another secret's signature",
      `sha256=${createHmac("sha256", "other").update(body).digest("hex")}`,
      false,
    ],
    ["a truncated signature", good.slice(0, -2), false],
    ["sha1 instead of sha256", good.replace("sha256=", "sha1="), false],
    ["no signature", undefined, false],
  ])("GitHub: %s is %s", (_what, signature, valid) => {
    expect(githubSignatureValid("s3cret", body, signature)).toBe(valid);
  });

  it.each([
    ["the same token", "tok-123", true],
    ["a different token of another length", "tok-1234", false],
    ["no token", undefined, false],
  ])("GitLab: %s is %s", (_what, given, same) => {
    expect(sameSecret(given, "tok-123")).toBe(same);
  });
});

describe("serve's request helpers", () => {
  it.each([
    ['{"ref": "main"}', { ref: "main" }],
    ["{}", {}],
  ])("takes the object %s", (text, value) => {
    expect(parseJsonObject(Buffer.from(text), "{}")).toEqual(value);
  });
  it.each(["null", "[]", '"x"', "7", "true", "{not json"])("answers 400 for the body %s", (text) => {
    let error: unknown;
    try {
      parseJsonObject(Buffer.from(text), '{"ref": "main"}');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(400);
  });
  it.each([
    ["staging", "staging"],
    ["st%61ging", "staging"],
    ["%E2%9C%93", "✓"],
  ])("decodes %s", (segment, decoded) => {
    expect(decodePathSegment(segment, "the environment")).toBe(decoded);
  });
  it.each(["%E0%A4%A", "%", "%zz", "%C0"])("answers 400 for the malformed %s", (segment) => {
    expect(() => decodePathSegment(segment, "the environment")).toThrow(
      expect.objectContaining({ status: 400 }),
    );
  });
  it.each([
    [{}, { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, maxConnections: 256 }],
    [{ requestTimeoutMs: 2000 }, { requestTimeoutMs: 2000, headersTimeoutMs: 2000, maxConnections: 256 }],
    [
      { requestTimeoutMs: 60_000, maxConnections: 3 },
      { requestTimeoutMs: 60_000, headersTimeoutMs: 10_000, maxConnections: 3 },
    ],
  ])("limits %o are %o (headers never outlast the request)", (given, limits) => {
    expect(httpLimits(given)).toEqual(limits);
  });
});

describe("the status page's CSP", () => {
  it("allows exactly its own inline script and style, by hash, and no framing", () => {
    const csp = statusPageCsp();
    const hash = (tag: string) => {
      const body = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(STATUS_PAGE)![1]!;
      return `'sha256-${createHash("sha256").update(body).digest("base64")}'`;
    };
    expect(csp).toContain(`script-src ${hash("script")};`);
    expect(csp).toContain(`style-src ${hash("style")};`);
    expect(csp).toMatch(/^default-src 'none'; /);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe|\*/);
    // One script and one style element: a second would be refused by the policy.
    expect(STATUS_PAGE.match(/<script/g)).toHaveLength(1);
    expect(STATUS_PAGE.match(/<style/g)).toHaveLength(1);
    expect(STATUS_PAGE).not.toMatch(/\son[a-z]+=|style="/i);
  });
  it("sends no framing, sniffing or content on any answer", () => {
    expect(SECURITY_HEADERS).toMatchObject({
      "x-frame-options": "DENY",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    });
  });
});
