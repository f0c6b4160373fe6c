/**
 * Hostile registries and hostile input for every registry command (latest, manifest merge, chart
 * push, verify), through the real CLI and a fault-injecting proxy in front of a real
 * password-protected registry. Every case must end in exit 0, 1 or 2 with at most one line on
 * stderr, no stack trace, no secret anywhere in the output, within the documented timeout, and
 * leave the registry consistent: every tag readable and matching its digest, every child and blob
 * present, `latest` never ahead of `X` and `X.Y`, and nothing changed by a refused command.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { mergeManifests } from "../../src/adapters/registry/merge.js";
import { MediaType, parseManifest } from "../../src/core/registry/oci.js";
import { worstCaseMs } from "../../src/core/registry/retry-policy.js";
import { CLI_ENTRY, type CliResult } from "../support/cli.js";
import { type FaultProxy, type FaultRule, startFaultProxy } from "../support/fault-proxy.js";
import { pushTestImage } from "../support/images.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool, skipWithout } from "../support/tools.js";

const USER = "ci-bot";
const PASSWORD = "Hostile-Pa55-w0rd-7f3a";
const SECRETS = [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString("base64")];
const TIMEOUT_MS = 1000;
const ATTEMPTS = 2;
/** How long any case may take: every attempt timed out, the backoff, and the CLI's own start. */
const CASE_BUDGET_MS = worstCaseMs({ attempts: ATTEMPTS, timeoutMs: TIMEOUT_MS }) * 2 + 6000;

afterAll(removeTempDirs);

/** Runs the real CLI without blocking this process (the proxy answers from it). */
function run(
  args: string[],
  cwd: string,
  env: Record<string, string | undefined>,
): Promise<CliResult & { ms: number }> {
  const full: Record<string, string | undefined> = { ...process.env, ...env };
  delete full.INIT_CWD;
  const start = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], { cwd, env: full as NodeJS.ProcessEnv });
    let stdout = "";
    let stderr = "";
    const killer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code: code ?? 99, stdout, stderr, ms: Date.now() - start });
    });
  });
}

/** A packaged chart made by hand (tar + gzip), so names and versions helm would refuse can be tried. */
function handMadeChart(chartYaml: string, dirName = "chart"): string {
  const dir = tempDir();
  mkdirSync(join(dir, dirName), { recursive: true });
  writeFileSync(join(dir, dirName, "Chart.yaml"), chartYaml);
  const out = join(dir, "chart.tgz");
  spawnTar(["-czf", out, "-C", dir, dirName]);
  return out;
}

function spawnTar(args: string[]): void {
  const tar = findTool("tar");
  if (!tar) throw new Error("tar not found");
  const r = spawnSync(tar, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
}

interface Case {
  name: string;
  args: string[];
  env?: Record<string, string | undefined>;
  rules?: FaultRule[];
  code: 0 | 1 | 2;
  stderr?: RegExp;
  stdout?: RegExp;
  /** The registry must not have been asked anything (input refused up front). */
  noRequests?: boolean;
  /** At least this long (a Retry-After waited out). */
  minMs?: number;
  /** Extra state checks after the run. */
  check?: () => Promise<void>;
  /** Set up registry state before the run (through the direct client). */
  before?: () => Promise<void>;
}

describe.skipIf(skipWithout("docker-registry", "htpasswd", "tar"))(
  "registry commands against hostile registries and hostile input",
  () => {
    let registry: TestRegistry;
    let proxy: FaultProxy;
    let direct: RegistryClient;
    let repo: string;
    // The proxy's host, what the CLI is pointed at: cases are written before it starts, so they say
    // PROXYHOST and each run puts the real host in.
    const P = "PROXYHOST";
    const releases: Record<string, { digest: string; bytes: Buffer }> = {};
    const env = (): Record<string, string | undefined> => ({
      REGISTRY_USERNAME: USER,
      REGISTRY_PASSWORD: PASSWORD,
      REGISTRY_TIMEOUT_MS: String(TIMEOUT_MS),
      REGISTRY_RETRIES: String(ATTEMPTS),
      DOCKER_CONFIG: repo,
      TAG_TYPE_OVERRIDE: undefined,
    });

    const publish = async (repository: string, version: string, annotate: boolean, labels: boolean) => {
      for (const architecture of ["amd64", "arm64"])
        await pushTestImage(
          registry.host,
          {
            repository,
            tag: `${version}-${architecture}`,
            architecture,
            format: "oci",
            labels: labels ? { "org.opencontainers.image.version": version } : {},
          },
          direct,
        );
      const merged = await mergeManifests({
        target: `${registry.host}/${repository}:${version}`,
        sources: [
          `${registry.host}/${repository}:${version}-amd64`,
          `${registry.host}/${repository}:${version}-arm64`,
        ],
        version: annotate ? version : undefined,
        credentials: { username: USER, password: PASSWORD },
      });
      const stored = (await direct.getManifest(repository, merged.digest))!;
      return { digest: merged.digest, bytes: stored.bytes };
    };

    const setTags = async (repository: string, version: string, tags: string[]) => {
      const release = releases[`${repository}:${version}`]!;
      for (const tag of tags) await direct.putManifest(repository, tag, release.bytes, MediaType.ociIndex);
    };

    const digestAt = async (repository: string, tag: string) =>
      (await direct.getManifest(repository, tag))?.digest ?? null;

    /** Every tag of `repository` readable, hash-checked, with every child manifest and blob present. */
    const assertConsistent = async (repository: string) => {
      for (const tag of await direct.listTags(repository)) {
        const manifest = await direct.getManifest(repository, tag);
        expect(manifest, `${repository}:${tag}`).not.toBeNull();
        const parsed = parseManifest(manifest!.bytes, manifest!.mediaType, `${repository}:${tag}`);
        if (parsed.kind === "index") {
          for (const child of parsed.index.manifests)
            expect(
              await direct.getManifest(repository, child.digest),
              `${repository}:${tag} child`,
            ).not.toBeNull();
        } else {
          for (const blob of [parsed.image.config, ...parsed.image.layers])
            expect(await direct.hasBlob(repository, blob.digest), `${repository}:${tag} blob`).toBe(true);
        }
      }
    };

    beforeAll(async () => {
      registry = await startRegistry({ auth: { username: USER, password: PASSWORD } });
      proxy = await startFaultProxy(registry.host);
      direct = new RegistryClient({
        host: registry.host,
        credentials: { username: USER, password: PASSWORD },
        attempts: 2,
        timeoutMs: 10_000,
      });
      for (const v of ["1.0.0", "1.1.0"])
        releases[`shop-api:${v}`] = await publish("shop-api", v, true, true);
      await setTags("shop-api", "1.0.0", ["latest", "1", "1.0"]);
      // A repository whose latest carries only a label, and one with neither (digest scan).
      releases["shop-label:1.0.0"] = await publish("shop-label", "1.0.0", false, true);
      await setTags("shop-label", "1.0.0", ["latest"]);
      releases["shop-plain:1.0.0"] = await publish("shop-plain", "1.0.0", false, false);
      await setTags("shop-plain", "1.0.0", ["latest"]);
      for (const architecture of ["amd64", "arm64"])
        await pushTestImage(
          registry.host,
          { repository: "shop-worker", tag: `2.0.0-${architecture}`, architecture },
          direct,
        );
      repo = tempDir();
      mkdirSync(join(repo, "src/cmd/api"), { recursive: true });
      writeFileSync(join(repo, "src/cmd/api/main.go"), "package main\n\nfunc main() {}\n");
      writeFileSync(
        join(repo, "pipeline.yaml"),
        `app: shop\nimage:\n  registry: ${proxy.host}\nchart:\n  registry: oci://${proxy.host}/charts\n`,
      );
    });
    afterAll(async () => {
      await proxy?.close();
      await registry?.remove();
    });

    const D = (v: string) => releases[`shop-api:${v}`]!.digest;
    const latestArgs = (version = "1.1.0", ...more: string[]) => [
      "latest",
      `${P}/shop-api`,
      "--version",
      version,
      "--tag-type",
      "annotated",
      "--major-minor",
      ...more,
    ];
    const cli = (args: string[]) =>
      run(
        args.map((a) => a.replaceAll(P, proxy.host)),
        repo,
        env(),
      );
    const resetLatest = async () => {
      await setTags("shop-api", "1.0.0", ["latest", "1"]);
    };
    const unchangedLatest = async () => {
      expect(await digestAt("shop-api", "latest")).toBe(D("1.0.0"));
    };
    const movedLatest = async () => {
      for (const tag of ["1", "1.1", "latest"]) expect(await digestAt("shop-api", tag), tag).toBe(D("1.1.0"));
    };
    const goodChart = () =>
      handMadeChart("apiVersion: v2\nname: shop\nversion: 1.0.0\ndescription: a shop\n");
    const bearer = (realm: string): FaultRule => ({
      path: /^\/v2\/.+/,
      fault: {
        kind: "status",
        status: 401,
        headers: {
          "www-authenticate": `Bearer realm="${realm}",service="test",scope="repository:shop-api:pull"`,
          "content-type": "application/json",
        },
        body: '{"errors":[{"code":"UNAUTHORIZED"}]}',
      },
    });
    const digestArg = (v: string) => `api=${D(v)}`;

    const cases: Case[] = [
      // --- latest: faults ---------------------------------------------------------------------
      {
        name: "latest through a clean proxy moves 1, 1.1 and latest",
        args: latestArgs(),
        code: 0,
        stdout: /moved: 1, 1\.1, latest/,
        check: movedLatest,
      },
      {
        name: "latest when the registry stalls on everything",
        args: latestArgs(),
        rules: [{ fault: { kind: "stall" } }],
        code: 1,
        stderr: /timed out after 1000 ms/,
        check: unchangedLatest,
      },
      {
        name: "latest when manifest PUTs stall",
        args: latestArgs(),
        rules: [{ method: "PUT", fault: { kind: "stall" } }],
        code: 1,
        stderr: /moved nothing; not confirmed: 1, 1\.1, latest; re-run to complete.*timed out/,
        check: unchangedLatest,
      },
      {
        name: "latest when a body never ends",
        args: latestArgs(),
        rules: [{ method: "GET", path: /manifests\/latest/, fault: { kind: "stall-body" } }],
        code: 1,
        stderr: /timed out after 1000 ms/,
        check: unchangedLatest,
      },
      {
        name: "latest when every connection drops",
        args: latestArgs(),
        rules: [{ fault: { kind: "drop" } }],
        code: 1,
        stderr: /no answer after 2 attempts/,
        check: unchangedLatest,
      },
      {
        name: "latest when one connection drops, then the registry answers",
        args: latestArgs(),
        rules: [{ fault: { kind: "drop" }, times: 1 }],
        code: 0,
        check: movedLatest,
      },
      {
        name: "latest when the registry answers 500 once",
        args: latestArgs(),
        rules: [{ fault: { kind: "status", status: 500 }, times: 1 }],
        code: 0,
        check: movedLatest,
      },
      {
        name: "latest when the registry answers 500 always",
        args: latestArgs(),
        rules: [
          {
            fault: { kind: "status", status: 500, body: `{"errors":[{"code":"X","message":"${PASSWORD}"}]}` },
          },
        ],
        code: 1,
        stderr: /HTTP 500 Internal Server Error/,
        check: unchangedLatest,
      },
      {
        name: "latest when the registry answers 503 on PUTs",
        args: latestArgs(),
        rules: [{ method: "PUT", fault: { kind: "status", status: 503 } }],
        code: 1,
        stderr: /not confirmed: 1, 1\.1, latest.*HTTP 503/,
        check: unchangedLatest,
      },
      {
        name: "latest waits out a 429 with Retry-After: 2",
        args: latestArgs(),
        rules: [{ fault: { kind: "status", status: 429, headers: { "retry-after": "2" } }, times: 1 }],
        code: 0,
        minMs: 2000,
        check: movedLatest,
      },
      {
        name: "latest gives up at once on Retry-After: 3600",
        args: latestArgs(),
        rules: [{ fault: { kind: "status", status: 429, headers: { "retry-after": "3600" } } }],
        code: 1,
        stderr: /Retry-After 3600 s, longer than the 30 s the pipeline waits/,
        check: unchangedLatest,
      },
      {
        name: "latest retries after a Retry-After date in the past",
        args: latestArgs(),
        rules: [
          {
            fault: {
              kind: "status",
              status: 503,
              headers: { "retry-after": "Wed, 21 Oct 2015 07:28:00 GMT" },
            },
            times: 1,
          },
        ],
        code: 0,
        check: movedLatest,
      },
      {
        name: "latest refuses release bytes rewritten in transit (header kept)",
        args: latestArgs(),
        rules: [{ method: "GET", path: /manifests\/1\.1\.0/, fault: { kind: "rewrite-body" } }],
        code: 1,
        stderr: /hash to sha256:[0-9a-f]{64}, not the Docker-Content-Digest header/,
        check: unchangedLatest,
      },
      {
        name: "latest refuses latest's bytes rewritten in transit",
        args: latestArgs(),
        rules: [{ method: "GET", path: /manifests\/latest/, fault: { kind: "rewrite-body" } }],
        code: 1,
        stderr: /refusing them/,
        check: unchangedLatest,
      },
      {
        name: "latest never says 'already there' on a false digest header",
        args: latestArgs(),
        rules: [
          {
            method: "GET",
            path: /manifests\/(1|latest)$/,
            fault: { kind: "false-digest", digest: "RELEASE" },
          },
        ],
        code: 1,
        stderr: /not the Docker-Content-Digest header/,
        check: unchangedLatest,
      },
      {
        name: "latest refuses a registry that misreports what it stored",
        args: latestArgs(),
        rules: [{ method: "PUT", fault: { kind: "false-digest" } }],
        code: 1,
        stderr: /the registry says it stored "sha256:0badc0de/,
        check: async () => expect(await digestAt("shop-api", "latest")).toBe(D("1.0.0")),
      },
      {
        name: "latest refuses a non-digest header",
        args: latestArgs(),
        rules: [{ method: "GET", fault: { kind: "headers", set: { "docker-content-digest": "md5:abc" } } }],
        code: 1,
        check: unchangedLatest,
      },
      {
        name: "latest refuses malformed JSON for latest",
        args: latestArgs(),
        rules: [{ method: "GET", path: /manifests\/latest/, fault: { kind: "body", dropDigest: true } }],
        code: 1,
        stderr: /malformed JSON/,
        check: unchangedLatest,
      },
      {
        name: "latest refuses an index with malformed entries",
        args: latestArgs(),
        rules: [
          {
            method: "GET",
            path: /manifests\/latest/,
            fault: {
              kind: "body",
              dropDigest: true,
              body: '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"digest":"sha256:../../x"}]}',
            },
          },
        ],
        code: 1,
        stderr: /malformed entry in manifests/,
        check: unchangedLatest,
      },
      {
        name: "latest refuses a manifest that is a JSON string",
        args: latestArgs(),
        rules: [
          {
            method: "GET",
            path: /manifests\/latest/,
            fault: { kind: "body", dropDigest: true, body: '"hello"' },
          },
        ],
        code: 1,
        stderr: /not a JSON object/,
        check: unchangedLatest,
      },
      {
        name: "latest refuses an answer over 32 MiB",
        args: latestArgs(),
        rules: [
          {
            method: "GET",
            path: /manifests\/latest/,
            fault: { kind: "body", dropDigest: true, body: Buffer.alloc(33 * 1024 * 1024, 32) },
          },
        ],
        code: 1,
        stderr: /larger than 32 MiB/,
        check: unchangedLatest,
      },
      {
        name: "latest refuses a config blob rewritten in transit (label path)",
        args: ["latest", `${P}/shop-label`, "--version", "2.0.0", "--tag-type", "annotated", "--dry-run"],
        rules: [{ method: "GET", path: /blobs\//, fault: { kind: "rewrite-body" } }],
        code: 1,
        stderr: /blob digest/,
      },
      {
        name: "latest refuses a malformed tag list (digest-scan path)",
        args: ["latest", `${P}/shop-plain`, "--version", "2.0.0", "--tag-type", "annotated", "--dry-run"],
        rules: [{ path: /tags\/list/, fault: { kind: "body" } }],
        code: 1,
        stderr: /malformed JSON/,
      },
      {
        name: "latest refuses a tag list that is not strings",
        args: ["latest", `${P}/shop-plain`, "--version", "2.0.0", "--tag-type", "annotated", "--dry-run"],
        rules: [{ path: /tags\/list/, fault: { kind: "body", body: '{"tags":[1,{"a":2}]}' } }],
        code: 1,
        stderr: /not a list of strings/,
      },
      {
        name: "latest refuses a tag-list link to another host",
        args: ["latest", `${P}/shop-plain`, "--version", "2.0.0", "--tag-type", "annotated", "--dry-run"],
        rules: [
          {
            path: /tags\/list/,
            fault: {
              kind: "headers",
              set: { link: '<http://evil.example/v2/shop-plain/tags/list?n=1>; rel="next"' },
            },
          },
        ],
        code: 1,
        stderr: /link to another host \(evil\.example\)/,
      },
      {
        name: "latest finds the version by digest scan through a clean proxy",
        args: ["latest", `${P}/shop-plain`, "--version", "2.0.0", "--tag-type", "annotated", "--dry-run"],
        code: 0,
        stdout: /from its digest-scan/,
      },
      {
        name: "latest with a token endpoint answering malformed JSON",
        args: latestArgs(),
        rules: [
          { path: /^\/token/, fault: { kind: "status", status: 200, body: "{not json" } },
          bearer("TOKEN"),
        ],
        code: 1,
        stderr: /token for .* malformed JSON/,
        check: unchangedLatest,
      },
      {
        name: "latest with a token endpoint answering a number as token",
        args: latestArgs(),
        rules: [
          { path: /^\/token/, fault: { kind: "status", status: 200, body: '{"token": 5}' } },
          bearer("TOKEN"),
        ],
        code: 1,
        stderr: /returned no usable token/,
        check: unchangedLatest,
      },
      {
        name: "latest with a token endpoint answering 500",
        args: latestArgs(),
        rules: [{ path: /^\/token/, fault: { kind: "status", status: 500 } }, bearer("TOKEN")],
        code: 1,
        stderr: /token service at .* answered HTTP 500/,
        check: unchangedLatest,
      },
      {
        name: "latest with a token endpoint that stalls",
        args: latestArgs(),
        rules: [{ path: /^\/token/, fault: { kind: "stall" } }, bearer("TOKEN")],
        code: 1,
        stderr: /timed out after 1000 ms/,
        check: unchangedLatest,
      },
      {
        name: "latest never sends credentials to a plain-HTTP token realm on another host",
        args: latestArgs(),
        rules: [bearer("http://evil.example/token")],
        code: 1,
        stderr: /plain HTTP; refusing to send credentials/,
        check: unchangedLatest,
      },
      {
        name: "latest with a token realm that is not a URL",
        args: latestArgs(),
        rules: [bearer("::nonsense")],
        code: 1,
        stderr: /token realm is not a URL/,
        check: unchangedLatest,
      },
      {
        name: "latest with an unknown auth scheme",
        args: latestArgs(),
        rules: [{ fault: { kind: "status", status: 401, headers: { "www-authenticate": "Negotiate abc" } } }],
        code: 1,
        stderr: /auth scheme the pipeline does not know \(negotiate\)/,
        check: unchangedLatest,
      },
      {
        name: "latest when the registry echoes the password in an error",
        args: latestArgs(),
        rules: [
          {
            method: "PUT",
            fault: {
              kind: "status",
              status: 400,
              body: `{"errors":[{"code":"DENIED","message":"${PASSWORD}\\nfake line"}]}`,
            },
          },
        ],
        code: 1,
        stderr: /HTTP 400 Bad Request \(DENIED\)/,
        check: unchangedLatest,
      },
      {
        name: "latest with a lying status text",
        args: latestArgs(),
        rules: [{ method: "PUT", fault: { kind: "status", status: 404 } }],
        code: 1,
        stderr: /HTTP 404 Not Found/,
        check: unchangedLatest,
      },
      // --- latest: input ----------------------------------------------------------------------
      {
        name: "latest --version ../latest",
        args: latestArgs("../latest"),
        code: 2,
        stderr: /--version "\.\.\/latest" is not a valid image tag/,
        noRequests: true,
      },
      { name: "latest --version with a space", args: latestArgs("1.0 0"), code: 2, noRequests: true },
      {
        name: "latest --version of 129 characters",
        args: latestArgs("a".repeat(129)),
        code: 2,
        noRequests: true,
      },
      {
        name: "latest --version with a newline",
        args: latestArgs("1.1.0\npipeline: all good"),
        code: 2,
        stderr: /\\n/,
        noRequests: true,
      },
      {
        name: "latest with credentials in the repository",
        args: ["latest", `${USER}:${PASSWORD}@${P}/shop-api`, "--version", "1.1.0"],
        code: 2,
        noRequests: true,
      },
      {
        name: "latest with a scheme in the repository",
        args: ["latest", `http://${P}/shop-api`, "--version", "1.1.0"],
        code: 2,
        noRequests: true,
      },
      {
        name: "latest with .. in the repository",
        args: ["latest", `${P}/charts/../shop-api`, "--version", "1.1.0"],
        code: 2,
        noRequests: true,
      },
      {
        name: "REGISTRY_RETRIES=abc",
        args: latestArgs(),
        env: { REGISTRY_RETRIES: "abc" },
        code: 2,
        stderr: /REGISTRY_RETRIES="abc" is not a number of attempts/,
        noRequests: true,
      },
      {
        name: "REGISTRY_RETRIES=0",
        args: latestArgs(),
        env: { REGISTRY_RETRIES: "0" },
        code: 2,
        noRequests: true,
      },
      {
        name: "REGISTRY_RETRIES=-3",
        args: latestArgs(),
        env: { REGISTRY_RETRIES: "-3" },
        code: 2,
        noRequests: true,
      },
      {
        name: "REGISTRY_RETRIES=1e9",
        args: latestArgs(),
        env: { REGISTRY_RETRIES: "1e9" },
        code: 2,
        noRequests: true,
      },
      {
        name: "REGISTRY_TIMEOUT_MS=5",
        args: latestArgs(),
        env: { REGISTRY_TIMEOUT_MS: "5" },
        code: 2,
        stderr: /REGISTRY_TIMEOUT_MS="5" is not a timeout/,
        noRequests: true,
      },
      {
        name: "REGISTRY_TIMEOUT_MS=soon",
        args: latestArgs(),
        env: { REGISTRY_TIMEOUT_MS: "soon" },
        code: 2,
        noRequests: true,
      },
      {
        name: "--insecure with a space",
        args: [...latestArgs(), "--insecure", "evil host"],
        code: 2,
        noRequests: true,
      },
      // --- manifest merge ---------------------------------------------------------------------
      {
        name: "merge through a clean proxy",
        args: [
          "manifest",
          "merge",
          `${P}/shop-worker:2.0.0`,
          `${P}/shop-worker:2.0.0-amd64`,
          `${P}/shop-worker:2.0.0-arm64`,
        ],
        code: 0,
        stdout: /pushed/,
      },
      {
        name: "merge re-run is a no-op",
        args: [
          "manifest",
          "merge",
          `${P}/shop-worker:2.0.0`,
          `${P}/shop-worker:2.0.0-amd64`,
          `${P}/shop-worker:2.0.0-arm64`,
        ],
        code: 0,
        stdout: /unchanged/,
      },
      {
        name: "merge refuses a source rewritten in transit",
        args: ["manifest", "merge", `${P}/shop-worker:2.0.1`, `${P}/shop-worker:2.0.0-amd64`],
        rules: [{ method: "GET", path: /manifests\/2\.0\.0-amd64/, fault: { kind: "rewrite-body" } }],
        code: 1,
        check: async () => expect(await digestAt("shop-worker", "2.0.1")).toBeNull(),
      },
      {
        name: "merge refuses a config blob rewritten in transit",
        args: ["manifest", "merge", `${P}/shop-worker:2.0.1`, `${P}/shop-worker:2.0.0-amd64`],
        rules: [
          {
            method: "GET",
            path: /blobs\//,
            fault: { kind: "body", body: '{"os":"linux","architecture":"evil"}' },
          },
        ],
        code: 1,
        stderr: /blob digest/,
        check: async () => expect(await digestAt("shop-worker", "2.0.1")).toBeNull(),
      },
      {
        name: "merge never takes a false header for 'unchanged'",
        args: [
          "manifest",
          "merge",
          `${P}/shop-worker:2.0.0`,
          `${P}/shop-worker:2.0.0-amd64`,
          `${P}/shop-worker:2.0.0-arm64`,
        ],
        rules: [{ method: "GET", path: /manifests\/2\.0\.0$/, fault: { kind: "false-digest" } }],
        code: 1,
        stderr: /not the Docker-Content-Digest header/,
      },
      {
        name: "merge when the registry stalls",
        args: ["manifest", "merge", `${P}/shop-worker:2.0.1`, `${P}/shop-worker:2.0.0-amd64`],
        rules: [{ fault: { kind: "stall" } }],
        code: 1,
        stderr: /timed out/,
        check: async () => expect(await digestAt("shop-worker", "2.0.1")).toBeNull(),
      },
      {
        name: "merge when the PUT answer lies about the digest",
        args: ["manifest", "merge", `${P}/shop-worker:2.0.2`, `${P}/shop-worker:2.0.0-amd64`],
        rules: [{ method: "PUT", fault: { kind: "false-digest" } }],
        code: 1,
        stderr: /says it stored/,
      },
      {
        name: "merge target tag ../x",
        args: ["manifest", "merge", `${P}/shop-worker:../x`, `${P}/shop-worker:2.0.0-amd64`],
        code: 2,
        noRequests: true,
      },
      {
        name: "merge source digest with a path",
        args: ["manifest", "merge", `${P}/shop-worker:2.0.3`, `${P}/shop-worker@sha256:../../x`],
        code: 2,
        noRequests: true,
      },
      {
        name: "merge --version with a newline",
        args: [
          "manifest",
          "merge",
          `${P}/shop-worker:2.0.3`,
          `${P}/shop-worker:2.0.0-amd64`,
          "--version",
          "2.0.3\nx",
        ],
        code: 2,
        noRequests: true,
      },
      // --- chart push -------------------------------------------------------------------------
      {
        name: "chart push of ../shop-api:latest is refused and pushes nothing",
        args: [
          "chart",
          "push",
          "CHART:apiVersion: v2\nname: ../shop-api\nversion: latest\n",
          `oci://${P}/charts`,
        ],
        code: 2,
        stderr: /Chart\.yaml name "\.\.\/shop-api" is not a Helm chart name/,
        noRequests: true,
        check: unchangedLatest,
      },
      {
        name: "chart push of name ../shop-api with a semver version",
        args: [
          "chart",
          "push",
          "CHART:apiVersion: v2\nname: ../shop-api\nversion: 1.0.0\n",
          `oci://${P}/charts`,
        ],
        code: 2,
        noRequests: true,
        check: unchangedLatest,
      },
      {
        name: "chart push of version latest",
        args: ["chart", "push", "CHART:apiVersion: v2\nname: shop\nversion: latest\n", `oci://${P}/charts`],
        code: 2,
        stderr: /version "latest" is not a semantic version/,
        noRequests: true,
      },
      {
        name: "chart push of an uppercase name",
        args: ["chart", "push", "CHART:apiVersion: v2\nname: Shop\nversion: 1.0.0\n", `oci://${P}/charts`],
        code: 2,
        noRequests: true,
      },
      {
        name: "chart push of a name with a slash",
        args: ["chart", "push", "CHART:apiVersion: v2\nname: a/b\nversion: 1.0.0\n", `oci://${P}/charts`],
        code: 2,
        noRequests: true,
      },
      {
        name: "chart push of version 1.0 (a YAML number)",
        args: ["chart", "push", "CHART:apiVersion: v2\nname: shop\nversion: 1.0\n", `oci://${P}/charts`],
        code: 2,
        noRequests: true,
      },
      {
        name: "chart push of a billion-laughs Chart.yaml",
        args: [
          "chart",
          "push",
          `CHART:a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\nname: shop\nversion: 1.0.0\n`,
          `oci://${P}/charts`,
        ],
        code: 2,
        noRequests: true,
      },
      {
        name: "chart push of a Chart.yaml that is a list",
        args: ["chart", "push", "CHART:- name: shop\n", `oci://${P}/charts`],
        code: 2,
        noRequests: true,
      },
      {
        name: "chart push of a file that is not gzip",
        args: ["chart", "push", "pipeline.yaml", `oci://${P}/charts`],
        code: 2,
        noRequests: true,
      },
      {
        name: "chart push to a URL with credentials",
        args: ["chart", "push", "GOOD", `oci://${USER}:${PASSWORD}@${P}/charts`],
        code: 2,
        noRequests: true,
      },
      {
        name: "chart push to a path with ..",
        args: ["chart", "push", "GOOD", `oci://${P}/charts/../x`],
        code: 2,
        noRequests: true,
      },
      {
        name: "chart push to an https:// URL",
        args: ["chart", "push", "GOOD", `https://${P}/charts`],
        code: 2,
        noRequests: true,
      },
      {
        name: "chart push when manifest PUTs stall tags nothing",
        args: ["chart", "push", "GOOD", `oci://${P}/charts`],
        rules: [{ method: "PUT", path: /manifests/, fault: { kind: "stall" } }],
        code: 1,
        stderr: /timed out/,
        check: async () => expect(await digestAt("charts/shop", "1.0.0")).toBeNull(),
      },
      {
        name: "chart push through a clean proxy",
        args: ["chart", "push", "GOOD", `oci://${P}/charts`],
        code: 0,
        stdout: /pushed oci:\/\/.*\/charts\/shop:1\.0\.0@sha256:/,
      },
      {
        name: "chart push never takes rewritten bytes for 'unchanged'",
        args: ["chart", "push", "GOOD", `oci://${P}/charts`],
        rules: [{ method: "GET", path: /manifests\/1\.0\.0/, fault: { kind: "rewrite-body" } }],
        code: 1,
        stderr: /refusing them/,
      },
      {
        name: "chart push with build metadata tags 1.0.0_b.1",
        args: [
          "chart",
          "push",
          "CHART:apiVersion: v2\nname: shop\nversion: 1.0.0+b.1\n",
          `oci://${P}/charts`,
        ],
        code: 0,
        stdout: /shop:1\.0\.0_b\.1@/,
      },
      // --- verify -----------------------------------------------------------------------------
      {
        name: "verify --digest through a clean proxy",
        args: ["verify", "--digest", "DIGEST:1.0.0"],
        code: 0,
        stdout: /checked/,
      },
      {
        name: "verify --digest answered with other bytes under the right header",
        args: ["verify", "--digest", "DIGEST:1.0.0"],
        rules: [{ method: "GET", path: /manifests\/sha256/, fault: { kind: "rewrite-body" } }],
        code: 1,
        stderr: /refusing them/,
      },
      {
        name: "verify --digest answered with another release's manifest and header",
        args: ["verify", "--digest", "DIGEST:1.0.0"],
        rules: [
          {
            method: "GET",
            path: /manifests\/sha256/,
            fault: { kind: "body", body: "RELEASE-1.1.0", digest: "RELEASE" },
          },
        ],
        code: 1,
        stderr: /not the requested digest/,
      },
      {
        name: "verify --image-tag with a false header",
        args: ["verify", "--image-tag", "1.0.0"],
        rules: [{ method: "GET", path: /manifests\/1\.0\.0/, fault: { kind: "false-digest" } }],
        code: 1,
        stderr: /not the Docker-Content-Digest header/,
      },
      {
        name: "verify when the registry stalls",
        args: ["verify", "--image-tag", "1.0.0"],
        rules: [{ fault: { kind: "stall" } }],
        code: 1,
        stderr: /timed out after 1000 ms/,
      },
      { name: "verify --image-tag ../x", args: ["verify", "--image-tag", "../x"], code: 2, noRequests: true },
      {
        name: "verify --chart-version not semver",
        args: ["verify", "--image-tag", "1.0.0", "--chart-version", "not a version"],
        code: 2,
        noRequests: true,
      },
      {
        name: "verify --digest that is not a digest",
        args: ["verify", "--digest", "api=sha256:xyz"],
        code: 2,
        noRequests: true,
      },
      {
        name: "verify --registry with credentials",
        args: ["verify", "--image-tag", "1.0.0", "--registry", `${USER}:${PASSWORD}@${P}`],
        code: 2,
        noRequests: true,
      },
    ];

    it("holds at least 50 cases", () => {
      expect(cases.length).toBeGreaterThanOrEqual(50);
    });

    let good: string;
    for (const c of cases) {
      it(c.name, async () => {
        good ??= goodChart();
        await resetLatest();
        const args = c.args.map((a) => {
          if (a === "GOOD") return good;
          if (a.startsWith("CHART:")) return handMadeChart(a.slice(6));
          if (a.startsWith("DIGEST:")) return digestArg(a.slice(7));
          return a.replaceAll(P, proxy.host);
        });
        const release11 = releases["shop-api:1.1.0"]!;
        proxy.set(
          ...(c.rules ?? []).map((rule) => {
            const f = rule.fault;
            if (f.kind === "false-digest" && f.digest === "RELEASE")
              return { ...rule, fault: { ...f, digest: release11.digest } };
            if (f.kind === "body" && f.body === "RELEASE-1.1.0")
              return { ...rule, fault: { ...f, body: release11.bytes, digest: release11.digest } };
            if (f.kind === "status" && f.headers?.["www-authenticate"]?.includes('realm="TOKEN"'))
              return {
                ...rule,
                fault: {
                  ...f,
                  headers: {
                    ...f.headers,
                    "www-authenticate": f.headers["www-authenticate"].replace(
                      "TOKEN",
                      `http://${proxy.host}/token`,
                    ),
                  },
                },
              };
            return rule;
          }),
        );
        const before = proxy.requests.length;
        const result = await run(args, repo, { ...env(), ...c.env });
        proxy.clear();
        const output = result.stdout + result.stderr;
        const story = `${c.name}\nexit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
        expect(result.code, story).toBe(c.code);
        expect(result.stderr.split("\n").filter(Boolean).length, story).toBeLessThanOrEqual(1);
        if (c.code !== 0) expect(result.stderr, story).toMatch(/^pipeline: \S.*\n$/);
        expect(output, story).not.toMatch(/\n\s+at |unexpected error|TypeError|SyntaxError/);
        for (const secret of SECRETS) expect(output, story).not.toContain(secret);
        expect(result.ms, story).toBeLessThan(CASE_BUDGET_MS);
        if (c.minMs) expect(result.ms, story).toBeGreaterThanOrEqual(c.minMs);
        // A registry that never answers costs attempts × timeout plus the backoff, and the CLI's start.
        if (c.rules?.some((r) => r.fault.kind === "stall" || r.fault.kind === "stall-body"))
          expect(result.ms, story).toBeLessThan(
            worstCaseMs({ attempts: ATTEMPTS, timeoutMs: TIMEOUT_MS }) + 4000,
          );
        if (c.stderr) expect(result.stderr, story).toMatch(c.stderr);
        if (c.stdout) expect(result.stdout, story).toMatch(c.stdout);
        if (c.noRequests) expect(proxy.requests.slice(before), story).toEqual([]);
        await c.check?.();
        // latest never moves ahead of X and X.Y, and every tag is whole.
        if ((await digestAt("shop-api", "latest")) === D("1.1.0")) await movedLatest();
        for (const repository of ["shop-api", "shop-worker", "charts/shop"])
          await assertConsistent(repository);
      });
    }

    it("reports exactly which tags moved when latest --major-minor is cut short, and a re-run completes it", async () => {
      await setTags("shop-api", "1.0.0", ["latest", "1", "1.1"]);
      proxy.set({ method: "PUT", path: /manifests\/1\.1$/, fault: { kind: "status", status: 500 } });
      const cut = await cli(latestArgs());
      proxy.clear();
      expect(cut.code, cut.stderr).toBe(1);
      expect(cut.stderr).toMatch(/moved 1; not confirmed: 1\.1, latest; re-run to complete/);
      expect(await digestAt("shop-api", "1")).toBe(D("1.1.0"));
      expect(await digestAt("shop-api", "latest")).toBe(D("1.0.0"));
      const again = await cli([...latestArgs(), "--json"]);
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout).moved).toEqual(["1.1", "latest"]);
      await movedLatest();
    });

    it("never carries credentials across a redirect to another host", async () => {
      const seen: IncomingHttpHeaders[] = [];
      const elsewhere = createServer((req, res) => {
        seen.push(req.headers);
        res
          .writeHead(404, { "content-type": "application/json" })
          .end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      });
      await new Promise<void>((r) => elsewhere.listen(0, "127.0.0.1", r));
      const port = (elsewhere.address() as { port: number }).port;
      try {
        await resetLatest();
        // Reading latest earns basic auth; then the release's GET is sent to another host.
        proxy.set({
          method: "GET",
          path: /manifests\/1\.1\.0$/,
          fault: {
            kind: "status",
            status: 307,
            headers: { location: `http://localhost:${port}/v2/x/manifests/y` },
          },
        });
        const result = await cli(latestArgs());
        proxy.clear();
        expect(result.code, result.stderr).toBe(1);
        expect(result.stderr.split("\n").filter(Boolean)).toHaveLength(1);
        expect(seen.length).toBeGreaterThan(0);
        for (const headers of seen) expect(headers.authorization).toBeUndefined();
        for (const secret of SECRETS) expect(result.stdout + result.stderr).not.toContain(secret);
        await unchangedLatest();
      } finally {
        await new Promise((r) => elsewhere.close(r));
      }
    });

    it("completes X and X.Y when latest alone was moved (by an older pipeline)", async () => {
      await setTags("shop-api", "1.1.0", ["latest"]);
      await setTags("shop-api", "1.0.0", ["1", "1.1"]);
      const result = await cli([...latestArgs(), "--json"]);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).moved).toEqual(["1", "1.1"]);
      await movedLatest();
    });
  },
);
