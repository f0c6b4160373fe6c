import { describe, expect, it } from "vitest";
import { decideLatest, resolveTagType } from "../../src/core/release/latest.js";

describe("resolveTagType", () => {
  it.each([
    [
      { override: "lightweight", gitObjectType: "tag" as const, tagName: "v1.0.0" },
      "lightweight",
      "override",
    ],
    [{ gitObjectType: "tag" as const, tagName: "v1.0.0-rc.1" }, "annotated", "git"],
    [{ gitObjectType: "commit" as const, tagName: "v1.0.0" }, "lightweight", "git"],
    [{ tagName: "v1.0.0" }, "annotated", "heuristic"],
    [{ tagName: "1.8.7alpha" }, "lightweight", "heuristic"],
    [{ tagName: "v2.0.0-beta.1" }, "lightweight", "heuristic"],
    [{ override: "bogus", tagName: "v2.0.0-dev" }, "lightweight", "heuristic"],
  ])("%j -> %s by %s", (input, type, source) => {
    expect(resolveTagType(input)).toEqual({ type, source });
  });
});

describe("decideLatest", () => {
  const auto = { strategy: "auto" as const, tagType: "annotated" as const, majorMinor: false };
  it.each([
    [
      "1.2.3 vs 1.10.0: semver, not text",
      { ...auto, version: "1.2.3", current: "1.10.0" },
      false,
      [],
      /older than 1\.10\.0/,
    ],
    [
      "1.11.0 vs 1.10.0",
      { ...auto, version: "1.11.0", current: "1.10.0" },
      true,
      ["latest"],
      /newer than 1\.10\.0/,
    ],
    ["no latest yet", { ...auto, version: "1.0.0", current: null }, true, ["latest"], /does not point/],
    ["the same version", { ...auto, version: "1.10.0", current: "1.10.0" }, false, [], /already points/],
    [
      "a lightweight tag",
      { ...auto, tagType: "lightweight" as const, version: "1.8.7alpha", current: "1.0.0" },
      false,
      [],
      /lightweight/,
    ],
    [
      "an annotated prerelease",
      { ...auto, version: "2.0.0-rc.1", current: "1.0.0" },
      false,
      [],
      /prerelease/,
    ],
    [
      "force",
      { ...auto, strategy: "force" as const, version: "0.0.1", current: "9.0.0" },
      true,
      ["latest"],
      /force/,
    ],
    ["skip", { ...auto, strategy: "skip" as const, version: "9.0.0", current: "1.0.0" }, false, [], /skip/],
    [
      "X and X.Y too",
      { ...auto, majorMinor: true, version: "v2.3.4", current: "2.3.3" },
      true,
      ["2", "2.3", "latest"],
      /newer/,
    ],
    [
      "the same version with X and X.Y: they are checked, so a cut-short run completes",
      { ...auto, majorMinor: true, version: "2.3.4", current: "2.3.4" },
      true,
      ["2", "2.3", "latest"],
      /already points to 2\.3\.4; its major and minor tags are checked/,
    ],
  ])("%s", (_name, input, update, tags, reason) => {
    const decision = decideLatest(input);
    expect(decision.update).toBe(update);
    expect(decision.tags).toEqual(tags);
    expect(decision.reason).toMatch(reason);
    expect(decision.reason.split(". ").length).toBe(1);
  });
});
