import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/core/config/config.js";
import { postgresImage, splitCommand } from "../../src/core/config/test-section.js";
import { UsageError } from "../../src/core/errors.js";
import { testEnv, testPlan } from "../../src/core/go/test-plan.js";

const testConfig = (test: unknown) =>
  resolveConfig({ app: "shop", ...(test === undefined ? {} : { test }) }, "pipeline.yaml", ["api"]).test;

describe("the test stage's config", () => {
  it.each([
    [
      "nothing configured: go test -race ./..., no service, nothing before",
      undefined,
      {
        argv: ["go", "test", "-json", "-race", "-count=1", "-coverprofile=c.out", "./..."],
        services: [],
        before: [],
        env: { CGO_ENABLED: "1", CI: "true" },
        tools: ["go", "cc"],
      },
    ],
    [
      "race off: no -race, no cgo, no C compiler",
      { race: false, packages: ["./internal/...", "./pkg/..."] },
      {
        argv: ["go", "test", "-json", "-count=1", "-coverprofile=c.out", "./internal/...", "./pkg/..."],
        services: [],
        before: [],
        env: { CI: "true" },
        tools: ["go"],
      },
    ],
    [
      "a migrator before, PostgreSQL 17 pinned",
      { services: { postgres: { postgres: "17" } }, before: ["go run ./cmd/migrator"] },
      {
        argv: ["go", "test", "-json", "-race", "-count=1", "-coverprofile=c.out", "./..."],
        services: [{ name: "postgres", kind: "postgres", image: "postgres:17.6-alpine", ports: [5432] }],
        before: [["go", "run", "./cmd/migrator"]],
        env: { CGO_ENABLED: "1", CI: "true" },
        tools: ["go", "cc"],
      },
    ],
    [
      "any image with ports, and quoted words before",
      {
        services: { cache: { image: "redis:7-alpine", ports: [6379] } },
        before: [`sh -c 'echo "a b"' x\\ y`],
      },
      {
        argv: ["go", "test", "-json", "-race", "-count=1", "-coverprofile=c.out", "./..."],
        services: [{ name: "cache", kind: "image", image: "redis:7-alpine", ports: [6379] }],
        before: [["sh", "-c", 'echo "a b"', "x y"]],
        env: { CGO_ENABLED: "1", CI: "true" },
        tools: ["go", "cc"],
      },
    ],
  ])("%s", (_, raw, want) => {
    const plan = testPlan(testConfig(raw), "c.out");
    expect(plan.test).toEqual(want.argv);
    expect(plan.services).toMatchObject(want.services);
    expect(plan.services).toHaveLength(want.services.length);
    expect(plan.before.map((b) => b.argv)).toEqual(want.before);
    expect(plan.env).toEqual(want.env);
    expect(plan.hostTools).toEqual(want.tools);
    expect(plan.cover).toEqual(["go", "tool", "cover", "-func=c.out"]);
  });

  it.each([
    ["neither postgres nor image", { services: { db: {} } }, /test\.services\.db: give either postgres/],
    ["both postgres and image", { services: { db: { postgres: "17", image: "x:1" } } }, /give either/],
    [
      "an image without ports",
      { services: { cache: { image: "redis:7" } } },
      /test\.services\.cache\.ports: an image service needs/,
    ],
    ["ports on PostgreSQL", { services: { db: { postgres: "16", ports: [1] } } }, /listens on 5432/],
    [
      "a service name that is no hostname",
      { services: { My_DB: { postgres: "17" } } },
      /lowercase DNS labels/,
    ],
    [
      "an unclosed quote",
      { before: ["sh -c 'oops"] },
      /test\.before\[0\]: "sh -c 'oops" has an unclosed quote/,
    ],
    [
      "a placeholder naming no service",
      { env: { A: "{redis.host}" } },
      /test\.env\.A: "\{redis\.host\}" names no service \(known: none\)/,
    ],
    [
      "a url of a service that is not PostgreSQL",
      { services: { c: { image: "r:1", ports: [1] } }, env: { A: "{c.url}" } },
      /names no PostgreSQL service/,
    ],
    [
      "a flag as a package",
      { packages: ["-exec=evil"] },
      /test\.packages\[0\]: .* is not a Go package pattern/,
    ],
    [
      "a PostgreSQL version that is not one",
      { services: { db: { postgres: "latest" } } },
      /is not a PostgreSQL version/,
    ],
  ])("refuses %s, naming the key", (_, raw, message) => {
    expect(() => testConfig(raw)).toThrow(UsageError);
    expect(() => testConfig(raw)).toThrow(message);
  });
});

describe("the tests' environment", () => {
  const config = testConfig({
    services: {
      db: { postgres: "16", env: { POSTGRES_USER: "app", POSTGRES_PASSWORD: "p@ss", POSTGRES_DB: "shop" } },
      cache: { image: "redis:7-alpine", ports: [6379, 6380] },
    },
    env: { REDIS_ADDR: "{cache.host}:{cache.port}", OTHER_DB: "{db.url}", PLAIN: "x" },
  });

  it.each([
    [
      "in the module: services by name on their own ports",
      { db: { host: "db", port: 5432 }, cache: { host: "cache", port: 6379 } },
      {
        DATABASE_URL: "postgres://app:p%40ss@db:5432/shop?sslmode=disable",
        OTHER_DB: "postgres://app:p%40ss@db:5432/shop?sslmode=disable",
        REDIS_ADDR: "cache:6379",
        PLAIN: "x",
      },
    ],
    [
      "on the host: loopback and free ports",
      { db: { host: "127.0.0.1", port: 40001 }, cache: { host: "127.0.0.1", port: 40002 } },
      {
        DATABASE_URL: "postgres://app:p%40ss@127.0.0.1:40001/shop?sslmode=disable",
        OTHER_DB: "postgres://app:p%40ss@127.0.0.1:40001/shop?sslmode=disable",
        REDIS_ADDR: "127.0.0.1:40002",
        PLAIN: "x",
      },
    ],
  ])("%s", (_, endpoints, want) => {
    expect(testEnv(config, endpoints)).toEqual(want);
  });

  it("gives the sample's DATABASE_URL for one default PostgreSQL service, and nothing without services", () => {
    const sample = testConfig({ services: { postgres: { postgres: "17" } } });
    expect(testEnv(sample, { postgres: { host: "postgres", port: 5432 } })).toEqual({
      DATABASE_URL: "postgres://postgres:postgres@postgres:5432/postgres?sslmode=disable",
    });
    expect(testEnv(testConfig(undefined), {})).toEqual({});
  });

  it("lets test.env set DATABASE_URL itself", () => {
    const own = testConfig({ services: { pg: { postgres: "17" } }, env: { DATABASE_URL: "{pg.url}&x=1" } });
    expect(testEnv(own, { pg: { host: "pg", port: 5432 } }).DATABASE_URL).toBe(
      "postgres://postgres:postgres@pg:5432/postgres?sslmode=disable&x=1",
    );
  });
});

describe("splitCommand and postgresImage", () => {
  it.each([
    ["go run ./cmd/migrator", ["go", "run", "./cmd/migrator"]],
    ["  a   b  ", ["a", "b"]],
    [`a "b c" 'd e' f\\ g`, ["a", "b c", "d e", "f g"]],
    [`"x\\"y" ''`, ['x"y', ""]],
    ["a 'b", null],
    ['a "b', null],
  ])("splits %j", (text, words) => {
    expect(splitCommand(text)).toEqual(words);
  });

  it.each([
    ["17", "postgres:17.6-alpine"],
    ["17.6", "postgres:17.6-alpine"],
    ["16", "postgres:16-alpine"],
  ])("PostgreSQL %s runs %s", (version, image) => {
    expect(postgresImage(version)).toBe(image);
  });
});
