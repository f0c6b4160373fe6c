import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { applyChanges, getValue, parseKeyPath, setValue } from "../../src/core/gitops/yaml-edit.js";

const values = `# comment at the top
images:
  api:
    repository: ghcr.io/acme/api   # spaced comment
    tag: ""  # set by promotion
    digest: ''
  worker: { repository: r, tag: "1.0" }
spec:
  sources:
    - chart: shop
      targetRevision: 0.1.0 # chart version
list: [a, b]
`;

describe("setValue", () => {
  it.each([
    [
      "a double-quoted scalar keeps its quotes",
      "images.api.tag",
      "1.2.3",
      '    tag: "1.2.3"  # set by promotion',
    ],
    [
      "a single-quoted scalar keeps its quotes",
      "images.api.digest",
      "sha256:abc",
      "    digest: 'sha256:abc'",
    ],
    ["a scalar in a flow map", "images.worker.tag", "2.0", '  worker: { repository: r, tag: "2.0" }'],
    [
      "a plain scalar in a list item",
      "spec.sources[0].targetRevision",
      "1.2.3-sha-abc1234",
      "      targetRevision: 1.2.3-sha-abc1234 # chart version",
    ],
    [
      "a plain scalar that would turn into a number is quoted",
      "spec.sources[0].targetRevision",
      "1.0",
      '      targetRevision: "1.0" # chart version',
    ],
  ])("%s", (_name, key, value, line) => {
    const out = setValue(values, key, value);
    const before = values.split("\n");
    const after = out.split("\n");
    expect(after).toHaveLength(before.length);
    const diff = after.filter((l, i) => l !== before[i]);
    expect(diff).toEqual([line]);
    expect(getValue(out, key)).toBe(value);
  });

  it("returns the text unchanged when the value is already there", () => {
    const once = setValue(values, "images.api.tag", "1.2.3");
    expect(setValue(once, "images.api.tag", "1.2.3")).toBe(once);
  });

  it("adds a missing key", () => {
    expect(getValue(setValue(values, "images.api.pullPolicy", "Always"), "images.api.pullPolicy")).toBe(
      "Always",
    );
  });

  it("applies several changes", () => {
    const out = applyChanges(values, [
      { key: "images.api.tag", value: "9" },
      { key: "spec.sources[0].targetRevision", value: "9.0.0" },
    ]);
    expect(getValue(out, "images.api.tag")).toBe("9");
    expect(out).toContain("# comment at the top");
  });

  it.each([
    ["malformed YAML", "a: [b\n", "a", /values\.yaml:\d+: not valid YAML/],
    ["a key that is a mapping", values, "images.api", /images\.api is a mapping, not a single value/],
    ["a bad key path", values, "images..tag", /is not a key path/],
  ])("rejects %s", (_name, text, key, message) => {
    expect(() => setValue(text, key, "x", "values.yaml")).toThrow(UsageError);
    expect(() => setValue(text, key, "x", "values.yaml")).toThrow(message);
  });

  it.each([
    ["images.api.tag", ["images", "api", "tag"]],
    ["spec.sources[0].targetRevision", ["spec", "sources", 0, "targetRevision"]],
    ["a[1][2]", ["a", 1, 2]],
  ])("parses %s", (key, path) => {
    expect(parseKeyPath(key)).toEqual(path);
  });
});

describe("Chart.yaml edits", () => {
  it("sets version and appVersion and keeps every other line byte for byte", () => {
    const chart =
      'apiVersion: v2\nname: sample-app\n# Both are set at package time.\nversion: 0.1.0\nappVersion: "0.1.0"\n';
    const out = applyChanges(chart, [
      { key: "version", value: "1.2.4-sha-abc1234" },
      { key: "appVersion", value: "sha-abc1234" },
    ]);
    expect(out).toBe(
      'apiVersion: v2\nname: sample-app\n# Both are set at package time.\nversion: 1.2.4-sha-abc1234\nappVersion: "sha-abc1234"\n',
    );
  });
});
