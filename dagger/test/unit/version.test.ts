import { describe, expect, it } from "vitest";
import {
  computeVersion,
  isReleaseCandidate,
  newestRelease,
  parseTagVersion,
  slugify,
} from "../../src/core/release/version.js";

describe("parseTagVersion", () => {
  it.each([
    ["v1.2.3", "1.2.3", false, false],
    ["1.2.3", "1.2.3", false, false],
    ["v1.2.0-rc.1", "1.2.0-rc.1", false, true],
    ["1.8.7alpha", "1.8.7-alpha", true, true],
    ["v1.2", "1.2.0", true, false],
    ["v2", "2.0.0", true, false],
    ["1.0.0beta.2", "1.0.0-beta.2", true, true],
  ])("%s -> %s (coerced %s, prerelease %s)", (tag, version, coerced, prerelease) => {
    expect(parseTagVersion(tag)).toEqual({ tag, version, coerced, prerelease });
  });

  it.each(["release", "v1.x", "latest", "1..2", ""])("rejects %j", (tag) => {
    expect(parseTagVersion(tag)).toBeNull();
  });
});

describe("newestRelease", () => {
  it("compares by semver, not as text", () => {
    expect(newestRelease(["v1.9.0", "v1.10.0", "v1.2.0"])?.version).toBe("1.10.0");
  });
  it("ignores prereleases and non-versions", () => {
    expect(newestRelease(["v2.0.0-rc.1", "v1.1.0", "nightly"])?.tag).toBe("v1.1.0");
    expect(newestRelease(["nightly"])).toBeNull();
  });
});

describe("computeVersion", () => {
  const base = {
    reachableTags: ["v1.2.3", "v1.10.0", "v1.11.0-rc.1"],
    branch: "main",
    distance: 5,
    initial: "0.1.0",
  };
  it.each([
    [
      "a tag's own version",
      { ...base, tag: "v1.2.0-rc.1" },
      { version: "1.2.0-rc.1", source: "tag", coerced: false },
    ],
    [
      "a coerced tag",
      { ...base, tag: "1.8.7alpha" },
      { version: "1.8.7-alpha", source: "tag", coerced: true },
    ],
    [
      "next patch on main",
      base,
      { version: "1.10.1-main.5", source: "next", coerced: false, base: "v1.10.0" },
    ],
    [
      "next patch on a feature branch",
      { ...base, branch: "feat/Login_v2", distance: 2 },
      { version: "1.10.1-feat-login-v2.2", source: "next", coerced: false, base: "v1.10.0" },
    ],
    [
      "the initial version without tags",
      { ...base, reachableTags: [], distance: 12 },
      { version: "0.1.0-main.12", source: "initial", coerced: false },
    ],
  ])("%s", (_name, input, expected) => {
    expect(computeVersion(input)).toEqual(expected);
  });
});

describe("helpers", () => {
  it.each([
    ["v1.2.0-rc.1", true],
    ["1.2.0-rc.12", true],
    ["v1.2.0-beta.1", false],
    ["v1.2.0", false],
  ])("isReleaseCandidate(%s) = %s", (tag, expected) => {
    expect(isReleaseCandidate(tag)).toBe(expected);
  });
  it.each([
    ["feat/Login_v2", "feat-login-v2"],
    ["--x--", "x"],
    ["///", "unnamed"],
    ["a".repeat(60), "a".repeat(40)],
  ])("slugify(%s) = %s", (input, expected) => {
    expect(slugify(input)).toBe(expected);
  });
});
