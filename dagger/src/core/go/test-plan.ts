/**
 * The test stage, decided once for both shells: which services start and with what environment,
 * the tools put on PATH, the commands run before the tests, the `go test -json` and coverage argv,
 * and the environment the tests see once each service's address is known (its name in the module, 127.0.0.1 and a free
 * port on the host).
 */
import { type TestConfig, type TestServiceConfig, TOOLS_BIN } from "../config/test-section.js";
import { TOOLS_DIR, type ToolStep, testToolSteps } from "./test-tools.js";

/** Where a service answers, as the tests reach it. */
export interface ServiceEndpoint {
  host: string;
  port: number;
}

/** The test stage's commands. */
export interface TestPlan {
  services: TestServiceConfig[];
  /** How `test.tools` get into the tools folder, in order (core/go/test-tools.ts). */
  tools: ToolStep[];
  /** Run in go.source, in order, before the tests. */
  before: { name: string; argv: string[] }[];
  test: string[];
  cover: string[];
  /** Environment that does not depend on where services run. */
  env: Record<string, string>;
  /** Host programs the stage needs (a C compiler only for -race). */
  hostTools: string[];
}

/**
 * `go test -json` of the configured packages, with -race when asked, a coverage profile and the
 * configured flags (before the packages, where `go test` reads flags). The JSON lets a failure
 * show each failed package's and test's own output (core/go/test-report.ts).
 */
export function goTestArgv(
  test: Pick<TestConfig, "race" | "packages"> & Partial<Pick<TestConfig, "flags">>,
  profile = "coverage.out",
): string[] {
  return [
    "go",
    "test",
    "-json",
    ...(test.race ? ["-race"] : []),
    "-count=1",
    `-coverprofile=${profile}`,
    ...(test.flags ?? []),
    ...test.packages,
  ];
}

/** The coverage report the gate reads. */
export function goCoverArgv(profile = "coverage.out"): string[] {
  return ["go", "tool", "cover", `-func=${profile}`];
}

/** The test stage's commands for a config; `profile` is where the coverage profile goes. */
export function testPlan(test: TestConfig, profile = "coverage.out", toolsBin = TOOLS_DIR): TestPlan {
  return {
    services: test.services,
    tools: testToolSteps(test.tools, toolsBin),
    before: test.before.map((argv) => ({ name: argv.join(" "), argv })),
    test: goTestArgv(test, profile),
    cover: goCoverArgv(profile),
    // -race needs cgo; CI=true is what the tests read to run their integration cases.
    env: { ...(test.race ? { CGO_ENABLED: "1" } : {}), CI: "true" },
    hostTools: test.race ? ["go", "cc"] : ["go"],
  };
}

/** The user, password and database of a PostgreSQL service (the official image's defaults: postgres). */
export function postgresCredentials(service: Pick<TestServiceConfig, "env">): {
  user: string;
  password: string;
  database: string;
} {
  const user = service.env.POSTGRES_USER || "postgres";
  return {
    user,
    password: service.env.POSTGRES_PASSWORD || "postgres",
    database: service.env.POSTGRES_DB || user,
  };
}

/** The environment a service's container starts with: PostgreSQL's image refuses to start without a password. */
export function serviceContainerEnv(service: TestServiceConfig): Record<string, string> {
  if (service.kind !== "postgres") return { ...service.env };
  return { ...service.env, POSTGRES_PASSWORD: postgresCredentials(service).password };
}

/** A PostgreSQL service's URL at an endpoint (sslmode=disable: a test server has no certificate). */
export function postgresUrl(service: Pick<TestServiceConfig, "env">, endpoint: ServiceEndpoint): string {
  const { user, password, database } = postgresCredentials(service);
  const e = encodeURIComponent;
  return `postgres://${e(user)}:${e(password)}@${endpoint.host}:${endpoint.port}/${e(database)}?sslmode=disable`;
}

/**
 * The environment of the before commands and the tests: `test.env` with `{<service>.host}`,
 * `{<service>.port}` and `{<service>.url}` filled in from `endpoints`, and DATABASE_URL for a
 * single PostgreSQL service unless `test.env` sets it.
 */
export function testEnv(
  test: TestConfig,
  endpoints: Readonly<Record<string, ServiceEndpoint>>,
  toolsBin = TOOLS_DIR,
): Record<string, string> {
  const env: Record<string, string> = {};
  const postgres = test.services.filter((s) => s.kind === "postgres");
  if (postgres.length === 1 && endpoints[postgres[0]!.name]) {
    env.DATABASE_URL = postgresUrl(postgres[0]!, endpoints[postgres[0]!.name]!);
  }
  for (const [name, value] of Object.entries(test.env)) {
    env[name] = value
      .replaceAll(TOOLS_BIN, toolsBin)
      .replace(/\{([a-z0-9-]+)\.(host|port|url)\}/g, (whole, service: string, field: string) => {
        const endpoint = endpoints[service];
        const config = test.services.find((s) => s.name === service);
        if (!endpoint || !config) return whole;
        if (field === "host") return endpoint.host;
        if (field === "port") return String(endpoint.port);
        return postgresUrl(config, endpoint);
      });
  }
  return env;
}
