/**
 * The `test:` key of pipeline.yaml: services the tests talk to (PostgreSQL at a version, or any
 * image with ports), commands run before them (a migrator), the race detector, the packages, extra
 * `go test` flags, the environment, and tools put on PATH (envtest's etcd and kube-apiserver).
 * Its schema and resolution live here; core/config/config.ts only plugs them in. The default is a
 * plain `go test -race ./...` with no service: nothing starts that nothing uses.
 */

import { posix } from "node:path";
import {
  DNS_LABEL,
  hasControlChars,
  isImageReference,
  relativePathProblem,
  safeEcho,
  safeKey,
} from "../validate.js";
import type { Schema } from "./schema.js";

/** One service the tests reach by its name (the hostname in the module, 127.0.0.1 on the host). */
export interface TestServiceConfig {
  name: string;
  kind: "postgres" | "image";
  /** The image the module runs (`postgres:<version>-alpine` for PostgreSQL). */
  image: string;
  /** The PostgreSQL version asked for (`17`), for `kind: postgres`. */
  version?: string;
  /** Container ports; the first is the one `{<name>.port}` names. PostgreSQL: 5432. */
  ports: number[];
  /** The container's environment (POSTGRES_USER/PASSWORD/DB for PostgreSQL). */
  env: Record<string, string>;
}

/**
 * A program the tests need on PATH, by the name they call it: a file `<dir>/<name>` of the
 * repository, or a Go package installed with `go install <package>@<version>`.
 */
export interface TestToolConfig {
  name: string;
  kind: "dir" | "go";
  /** `dir`: the repo folder holding the program, relative to the repo root. */
  dir?: string;
  /** `go`: `<package>@<version>`. */
  package?: string;
}

/** The resolved `test:` key. */
export interface TestConfig {
  /** `go test -race` (needs cgo, so a C compiler). */
  race: boolean;
  /** Packages `go test` runs. */
  packages: string[];
  /** Extra `go test` flags, each one argument (`-short`, `-run=TestX`, `-tags=integration`). */
  flags: string[];
  /** Programs put on PATH (in one folder, `{tools.bin}` in `env`). */
  tools: TestToolConfig[];
  /** Commands run in go.source before the tests, each as argv (words, no shell). */
  before: string[][];
  /** Environment of the before commands and the tests; `{<service>.host|port|url}` filled in per runner. */
  env: Record<string, string>;
  services: TestServiceConfig[];
}

/** The PostgreSQL image the module runs for a version (the pinned one for its major). */
export const POSTGRES_PINNED = { major: "17", image: "postgres:17.6-alpine" } as const;

/** The image of a PostgreSQL service at `version` (`17`, `16.4`): the pinned one for 17, else the official alpine tag. */
export function postgresImage(version: string): string {
  return version === POSTGRES_PINNED.major || POSTGRES_PINNED.image === `postgres:${version}-alpine`
    ? POSTGRES_PINNED.image
    : `postgres:${version}-alpine`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** The placeholder of the folder that holds every `test.tools` program. */
export const TOOLS_BIN = "{tools.bin}";
/** One `go test` flag as one argument: `-short`, `-run=^TestX$`, `--tags=a,b`. */
const TEST_FLAG = /^--?[A-Za-z][A-Za-z0-9._-]*(?:=[^\s]*)?$/;
/** Flags the stage sets itself (or that `test.race` says): a second one would fight it. */
const OWN_FLAGS = ["json", "coverprofile", "race", "c", "o"];
/** A program name on PATH. */
const TOOL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** `go install`'s argument: a package path and a pinned version (a tag or pseudo-version). */
const GO_PACKAGE_AT =
  /^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}(?:\/[A-Za-z0-9._~+-]+)+@v\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;
/** Placeholders a `test.env` value may hold. */
const PLACEHOLDER = /\{([a-z0-9-]+)\.(host|port|url)\}/g;
/** A package pattern `go test` takes: `./...`, `./internal/...`, a module path; never a flag. */
const PACKAGE = /^[A-Za-z0-9_.~+][A-Za-z0-9_.~+/-]*$/;

const oneLine = (value: string): string | null =>
  hasControlChars(value) ? "must be one line without control characters" : null;
const envMap = (doc: string, example: string): Schema => ({
  kind: "map",
  doc,
  example,
  values: { kind: "string", doc: "A value.", example: "x", check: oneLine },
});

/** The schema of `test:` (docs/config.md is rendered from it). */
export const TEST_SCHEMA: Schema = {
  kind: "object",
  doc: "The test stage: `go test` with optional services and commands before it.",
  fields: {
    race: {
      kind: "boolean",
      doc: "Run `go test -race` (needs cgo: a C compiler).",
      example: "false",
      default: true,
    },
    packages: {
      kind: "array",
      doc: "Packages to test, relative to go.source.",
      example: "[./internal/..., ./pkg/...]",
      items: {
        kind: "string",
        doc: "A package pattern.",
        example: "./...",
        check: (v) => (PACKAGE.test(v) ? null : "is not a Go package pattern (e.g. ./... or ./internal/...)"),
      },
      default: ["./..."],
    },
    flags: {
      kind: "array",
      doc: "Extra `go test` flags, one argument each (`-run=TestX`, not `-run TestX`); not -json, -coverprofile or -race, which the stage sets (`race` for -race).",
      example: "[-short, '-skip=TestE2E', -tags=integration, -timeout=20m]",
      items: {
        kind: "string",
        doc: "A flag.",
        example: "-short",
        check: (v) => {
          if (!TEST_FLAG.test(v))
            return "is not one go test flag as one argument (e.g. -short or -run=TestX)";
          const name = v.replace(/^--?/, "").split("=")[0]!;
          return OWN_FLAGS.includes(name)
            ? `is set by the stage itself (${name === "race" ? "use test.race" : "remove it"})`
            : null;
        },
      },
      default: [],
    },
    tools: {
      kind: "map",
      doc: "Programs the tests run, put on PATH by name for both runners: `dir` (a repo folder holding `<name>`) or `go` (`go install <package>@<version>`). They share one folder, `{tools.bin}` in `env` (for envtest: `KUBEBUILDER_ASSETS: '{tools.bin}'`).",
      example:
        "{ etcd: { dir: testbin }, kube-apiserver: { dir: testbin }, setup-envtest: { go: 'sigs.k8s.io/controller-runtime/tools/setup-envtest@v0.0.0-20250101000000-abcdef123456' } }",
      values: {
        kind: "object",
        doc: "One program: `dir` or `go`.",
        fields: {
          dir: {
            kind: "string",
            doc: "Repo folder (relative to the repo root) holding the program `<name>`.",
            example: "testbin",
            check: (v) => (v === "." ? null : relativePathProblem(v)),
          },
          go: {
            kind: "string",
            doc: "A Go package and its pinned version, installed with `go install` (its binary is renamed to `<name>`).",
            example: "go.etcd.io/etcd/server/v3@v3.5.21",
            check: (v) =>
              GO_PACKAGE_AT.test(v)
                ? null
                : "is not <package>@<version> with a pinned version (e.g. go.etcd.io/etcd/server/v3@v3.5.21)",
          },
        },
      },
      default: {},
    },
    before: {
      kind: "array",
      doc: "Commands run in go.source before the tests, in order (split into words like a shell, but no shell runs: write `sh -c '...'` for one).",
      example: "[go run ./cmd/migrator]",
      items: { kind: "string", doc: "A command.", example: "go run ./cmd/migrator", check: oneLine },
      default: [],
    },
    env: envMap(
      "Environment of the before commands and the tests (plain values, never secrets); `{<service>.host}`, `{<service>.port}` and (PostgreSQL) `{<service>.url}` name a service, `{tools.bin}` the folder of `tools`. With one PostgreSQL service, DATABASE_URL is its URL unless set here.",
      "{ REDIS_ADDR: '{redis.host}:{redis.port}' }",
    ),
    services: {
      kind: "map",
      doc: "Services the tests reach, by name (the hostname in the module; 127.0.0.1 and a free port on the host). None by default.",
      example: "{ postgres: { postgres: '17' }, redis: { image: 'redis:7-alpine', ports: [6379] } }",
      values: {
        kind: "object",
        doc: "One service: `postgres` (a version) or `image` with `ports`.",
        fields: {
          postgres: {
            kind: "string",
            doc: "PostgreSQL at this version (the host runner uses the host's PostgreSQL binaries).",
            example: "17",
            pattern: /^\d{1,2}(\.\d{1,2})?$/,
            patternHint: "a PostgreSQL version (17 or 16.4)",
          },
          image: {
            kind: "string",
            doc: "Any image (the host runner runs it with docker).",
            example: "redis:7-alpine",
            check: (v) =>
              isImageReference(v) ? null : "is not an image reference (name[:tag][@sha256:digest])",
          },
          ports: {
            kind: "array",
            doc: "Ports the image listens on; the first is `{<service>.port}` (PostgreSQL: 5432).",
            example: "[6379]",
            items: { kind: "number", doc: "A port.", example: "6379", min: 1, max: 65535 },
          },
          env: envMap(
            "The service's environment (PostgreSQL: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB; default postgres).",
            "{ POSTGRES_DB: app }",
          ),
        },
      },
    },
  },
};

/**
 * Splits a command into words like a POSIX shell would, without running one: blanks separate
 * words, single quotes keep everything, double quotes keep all but `\"` and `\\`, a backslash
 * escapes the next character. Returns null for an unclosed quote.
 */
export function splitCommand(text: string): string[] | null {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === " " || c === "\t") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return null;
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && (text[j + 1] === '"' || text[j + 1] === "\\")) j++;
        word += text[j];
      }
      if (j >= text.length) return null;
      inWord = true;
      i = j;
    } else if (c === "\\") {
      if (i + 1 < text.length) word += text[++i];
      inWord = true;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

// biome-ignore lint/suspicious/noExplicitAny: the schema has just checked every key and type
type Raw = Record<string, any>;

/**
 * Resolves a validated `test:` key. Each problem (`key: what is wrong`) is added to `problems`, so
 * the caller reports them all at once.
 */
export function resolveTest(raw: Raw | undefined, problems: string[]): TestConfig {
  const v = raw ?? {};
  const services: TestServiceConfig[] = [];
  for (const [name, entry] of Object.entries((v.services ?? {}) as Record<string, Raw>)) {
    const key = `test.services.${safeKey(name)}`;
    if (!DNS_LABEL.test(name))
      problems.push(`${key}: service names are hostnames: lowercase DNS labels (example: postgres)`);
    const env = { ...(entry.env ?? {}) } as Record<string, string>;
    for (const envName of Object.keys(env)) {
      if (!ENV_NAME.test(envName)) problems.push(`${key}.env.${safeKey(envName)}: not a variable name`);
    }
    if ((entry.postgres === undefined) === (entry.image === undefined)) {
      problems.push(
        `${key}: give either postgres (a version) or image (example: postgres: "17", or image: redis:7-alpine with ports: [6379])`,
      );
      continue;
    }
    if (entry.postgres !== undefined) {
      if (entry.ports !== undefined) problems.push(`${key}.ports: PostgreSQL listens on 5432; remove ports`);
      services.push({
        name,
        kind: "postgres",
        image: postgresImage(entry.postgres),
        version: entry.postgres,
        ports: [5432],
        env,
      });
      continue;
    }
    const ports = (entry.ports ?? []) as number[];
    if (ports.length === 0 || ports.some((p) => !Number.isInteger(p))) {
      problems.push(
        `${key}.ports: an image service needs the ports it listens on, whole numbers (example: [6379])`,
      );
    }
    services.push({ name, kind: "image", image: entry.image, ports, env });
  }
  const before: string[][] = [];
  ((v.before ?? []) as string[]).forEach((command, i) => {
    const argv = splitCommand(command);
    if (!argv) problems.push(`test.before[${i}]: ${safeEcho(command)} has an unclosed quote`);
    else if (argv.length === 0) problems.push(`test.before[${i}]: is empty (example: go run ./cmd/migrator)`);
    else before.push(argv);
  });
  const env = { ...(v.env ?? {}) } as Record<string, string>;
  for (const [envName, value] of Object.entries(env)) {
    if (!ENV_NAME.test(envName)) {
      problems.push(`test.env.${safeKey(envName)}: not a variable name`);
      continue;
    }
    for (const m of value.matchAll(PLACEHOLDER)) {
      const service = services.find((s) => s.name === m[1]);
      if (!service || (m[2] === "url" && service.kind !== "postgres")) {
        problems.push(
          `test.env.${envName}: ${safeEcho(m[0])} names no ${m[2] === "url" ? "PostgreSQL " : ""}service (known: ${services.map((s) => s.name).join(", ") || "none"})`,
        );
      }
    }
  }
  const tools: TestToolConfig[] = [];
  for (const [name, entry] of Object.entries((v.tools ?? {}) as Record<string, Raw>)) {
    const key = `test.tools.${safeKey(name)}`;
    if (!TOOL_NAME.test(name)) {
      problems.push(`${key}: not a program name (letters, digits, . _ -; example: etcd)`);
      continue;
    }
    if ((entry.dir === undefined) === (entry.go === undefined)) {
      problems.push(
        `${key}: give either dir (a repo folder holding ${name}) or go (<package>@<version>) (example: dir: testbin)`,
      );
      continue;
    }
    tools.push(
      entry.dir !== undefined
        ? { name, kind: "dir", dir: posix.normalize(entry.dir as string).replace(/\/+$/, "") }
        : { name, kind: "go", package: entry.go as string },
    );
  }
  for (const [envName, value] of Object.entries(env)) {
    if (value.includes(TOOLS_BIN) && tools.length === 0)
      problems.push(
        `test.env.${safeKey(envName)}: ${TOOLS_BIN} names the folder of test.tools, and none is configured`,
      );
  }
  return {
    race: v.race ?? true,
    packages: [...((v.packages as string[] | undefined) ?? ["./..."])],
    flags: [...((v.flags as string[] | undefined) ?? [])],
    tools,
    before,
    env,
    services,
  };
}
