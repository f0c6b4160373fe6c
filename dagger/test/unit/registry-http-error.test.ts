import { describe, expect, it } from "vitest";
import { registryErrorLine } from "../../src/core/registry/http-error.js";

const errors = (...codes: unknown[]) =>
  JSON.stringify({ errors: codes.map((code) => ({ code, message: "secret prose: token=abc" })) });

describe("registryErrorLine", () => {
  it.each([
    [
      "a JSON error body: its codes",
      404,
      errors("MANIFEST_UNKNOWN"),
      "get r/a:1: HTTP 404 Not Found (MANIFEST_UNKNOWN)",
    ],
    [
      "several codes, at most five",
      400,
      errors("A", "B", "C", "D", "E", "F"),
      "get r/a:1: HTTP 400 Bad Request (A, B, C, D, E)",
    ],
    [
      "401 hints at credentials",
      401,
      errors("UNAUTHORIZED"),
      "get r/a:1: HTTP 401 Unauthorized (UNAUTHORIZED) (check the registry credentials)",
    ],
    ["403 too", 403, "", "get r/a:1: HTTP 403 Forbidden (check the registry credentials)"],
    ["not JSON: the status alone", 502, "<html>bad gateway</html>", "get r/a:1: HTTP 502 Bad Gateway"],
    [
      "codes that are not codes are dropped",
      400,
      errors("lower case", 7, "X".repeat(41), "OK_CODE"),
      "get r/a:1: HTTP 400 Bad Request (OK_CODE)",
    ],
    ["an unknown status has no reason phrase", 599, "", "get r/a:1: HTTP 599"],
  ])("%s", (_, status, body, line) => {
    expect(registryErrorLine("get r/a:1", status, body)).toBe(line);
    expect(registryErrorLine("get r/a:1", status, body)).not.toContain("token=abc");
  });
});
