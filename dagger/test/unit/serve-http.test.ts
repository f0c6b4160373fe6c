import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
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
