import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/adapters/config/config-file.js";
import { resolveConfig } from "../../src/core/config/config.js";
import { UsageError } from "../../src/core/errors.js";

function messageOf(yaml: string): string {
  try {
    resolveConfig(parseConfigText(yaml, "pipeline.yaml"), "pipeline.yaml", ["api"]);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("expected a usage error");
}

describe("config errors", () => {
  it("reports every schema problem of a file at once (unknown keys first), on one line", () => {
    const message = messageOf(
      [
        "app: Bad_Name",
        "platfroms: [linux/amd64]",
        "coverage: { minimum: 200 }",
        "chart: { kubernetesVersion: x }",
      ].join("\n"),
    );
    expect(message).toMatch(
      /^pipeline\.yaml: 4 problems: \(1\) platfroms: unknown key \(did you mean "platforms"\?\)/,
    );
    expect(message).toContain("(2) app: ");
    expect(message).toContain("coverage.minimum: must be at most 100");
    expect(message).toContain("chart.kubernetesVersion: ");
    expect(message).not.toContain("\n");
  });

  it("reports problems in list items and map values together", () => {
    const message = messageOf(
      [
        "app: x",
        "platforms: [windows/amd64, linux/sparc64]",
        "environments: { staging: { promotion: sometimes } }",
      ].join("\n"),
    );
    expect(message).toContain("3 problems");
    expect(message).toContain("platforms[0]: must be one of");
    expect(message).toContain("platforms[1]: must be one of");
    expect(message).toContain("environments.staging.promotion: must be one of auto, manual");
  });

  it("reports every problem of binaries, environments and rules at once too", () => {
    const message = messageOf(
      [
        "app: x",
        "go: { binaries: { ghost: {} } }",
        "environments: { staging: {} }",
        "rules: [{ name: a, stages: [promote] }, { name: b, stages: [promote], promote: uat }]",
      ].join("\n"),
    );
    expect(message).toMatch(/^pipeline\.yaml: 3 problems: \(1\) go\.binaries\.ghost: no such binary/);
    expect(message).toContain(
      "(2) rules[0].promote: a rule with the promote stage must name its environment",
    );
    expect(message).toContain('(3) rules[1].promote: unknown environment "uat"; known: staging');
  });

  it("keeps today's message for a single problem", () => {
    expect(messageOf("app: x\ncoverage: { minimum: 200 }")).toBe(
      "pipeline.yaml: coverage.minimum: must be at most 100 (example: 70)",
    );
  });

  it("names the line and column of a YAML syntax error", () => {
    expect(messageOf("app: x\nimage:\n  registry: [unclosed\n")).toMatch(
      /^pipeline\.yaml:\d+:\d+: not valid YAML/,
    );
  });

  it("still refuses a missing app", () => {
    expect(messageOf("image: {}")).toBe("pipeline.yaml: app: is required (example: sample-app)");
  });

  it("reports the problems of images, archives, test and go together with the others", () => {
    const message = messageOf(
      [
        "app: x",
        "go: { env: { PATH: /x }, binaries: { ghost: {} } }",
        "images: { web: { binaries: { nope: /app/nope }, files: { ../etc: /etc } } }",
        "archives: [{ binaries: [gone] }]",
        "test: { before: [\"'unclosed\"], services: { db: { postgres: '17', ports: [1] } } }",
      ].join("\n"),
    );
    expect(message).toMatch(/^pipeline\.yaml: 7 problems: \(1\) go\.binaries\.ghost: no such binary/);
    for (const key of [
      "go.env.PATH:",
      "images.web.binaries.nope: no such binary",
      "images.web.files.../etc:",
      "archives[0].binaries[0]: no such binary",
      "test.services.db.ports: PostgreSQL listens on 5432",
      "test.before[0]:",
    ])
      expect(message).toContain(key);
    expect(message).not.toContain("\n");
  });
});

/** A config with one or more mistakes in one resolver's keys, and every key its message must name. */
const RESOLVER_MISTAKES: [string, string[], string[]][] = [
  [
    "go: three reserved or invalid env names",
    ["go: { env: { PATH: /x, HOME: /root, lower: y, GOFLAGS: -mod=mod } }"],
    ["go.env.PATH:", "go.env.HOME:", "go.env.lower:"],
  ],
  [
    "images: a bad name, an unknown binary, a relative path and a stray key",
    [
      "images:",
      "  Web: { binaries: { api: /app/api } }",
      "  cli: { binaries: { ghost: /bin/ghost, api: relative }, context: . }",
    ],
    [
      "images.Web: image names must be lowercase DNS labels",
      "images.cli.binaries.ghost: no such binary",
      "images.cli.context: only used with dockerfile",
      'images.cli.binaries: "relative"',
    ],
  ],
  [
    "images: platforms and values of several images",
    [
      "platforms: [linux/amd64]",
      "images:",
      "  a: { binaries: { api: /app/api }, platforms: [linux/arm64], values: image }",
      "  b: { binaries: { api: /app/api }, values: image, env: { '1x': y } }",
      "  c: { dockerfile: Dockerfile, context: sub, base: alpine }",
    ],
    [
      "images.a.platforms:",
      'images.b.values: "image" is already the values key of a',
      "images.b.env.1x: not a variable name",
      "images.c.base: not used with dockerfile",
      "images.c.dockerfile:",
    ],
  ],
  [
    "archives: a duplicate name, an unknown binary and an unknown OS",
    ["archives: [{}, { binaries: [ghost] }, { name: other, formatOverrides: { plan9: zip } }]"],
    [
      'archives[1].name: "x" is used by an earlier archive',
      "archives[1].binaries[0]: no such binary",
      "archives[2].formatOverrides.plan9: not an OS",
    ],
  ],
  [
    "test: services, before and env",
    [
      "test:",
      "  services: { db: { postgres: '17', ports: [5432] }, cache: { image: 'redis:7' }, both: {} }",
      "  before: ['', \"'open\"]",
      "  env: { URL: '{nowhere.url}' }",
    ],
    [
      "test.services.db.ports:",
      "test.services.cache.ports:",
      "test.services.both: give either postgres",
      "test.before[0]: is empty",
      "test.before[1]:",
      "test.env.URL:",
    ],
  ],
];

describe("config errors of one resolver's keys", () => {
  it.each(RESOLVER_MISTAKES)("%s: all at once", (_name, lines, keys) => {
    const message = messageOf(["app: x", ...lines].join("\n"));
    expect(message).toMatch(new RegExp(`^pipeline\\.yaml: ${keys.length} problems: \\(1\\) `));
    keys.forEach((key, i) => {
      expect(message, key).toContain(key);
      // In the order they were found.
      if (i > 0) expect(message.indexOf(key)).toBeGreaterThan(message.indexOf(keys[i - 1]!));
    });
  });
});
