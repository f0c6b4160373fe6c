import { generateKeyPairSync, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadSigner } from "../../src/adapters/supply-chain/signing-keys.js";
import { FailureError, UsageError } from "../../src/core/errors.js";
import type { HistoryEntry } from "../../src/core/gitops/layout.js";
import { fromRefusal } from "../../src/core/gitops/promotion-source.js";
import { digestOf } from "../../src/core/registry/oci.js";
import {
  cosignImage,
  cosignLayer,
  cosignTag,
  dssePae,
  payloadDigest,
  simpleSigningPayload,
} from "../../src/core/supply-chain/cosign.js";
import {
  elfSection,
  parseGoVersionM,
  parseModInfo,
  readGoBuildInfo,
} from "../../src/core/supply-chain/go-buildinfo.js";
import {
  githubRun,
  githubRunEnv,
  gitUri,
  provenanceProblem,
  provenanceStatement,
  releaseProvenance,
} from "../../src/core/supply-chain/provenance.js";
import { buildSpdx, goPurl, ociPurl, spdxBytes, spdxGoModules } from "../../src/core/supply-chain/sbom.js";

const d = (c: string) => `sha256:${c.repeat(64)}`;
const SHA = "0123456789abcdef0123456789abcdef01234567";

const GO_VERSION_M = `/tmp/api: go1.26.8
\tpath\tgithub.com/example/sample-app/cmd/api
\tmod\tgithub.com/example/sample-app\t(devel)\t
\tdep\tgithub.com/jackc/pgx/v5\tv5.12.0\th1:hWwax8YiGT0YiN50U1oIDn5kgR7KC2tG3rmavwpPkxY=
\tdep\tgolang.org/x/text\tv0.41.0\th1:abc=
\t=>\t../text\t(devel)\t
\tdep\tgolang.org/x/sync\tv0.22.0\th1:old=
\t=>\tgolang.org/x/sync\tv0.23.0\th1:new=
\tbuild\t-buildmode=exe
\tbuild\t-ldflags="-s -w -X main.version=1.2.3"
\tbuild\tGOARCH=arm64
`;

describe("Go build info", () => {
  it("parses go version -m output: main module, deps with sums, replacements and quoted settings", () => {
    const info = parseGoVersionM(GO_VERSION_M);
    expect(info.goVersion).toBe("go1.26.8");
    expect(info.path).toBe("github.com/example/sample-app/cmd/api");
    expect(info.main).toEqual({ path: "github.com/example/sample-app", version: "(devel)", sum: "" });
    expect(info.deps.map((m) => `${m.path}@${m.version}`)).toEqual([
      "github.com/jackc/pgx/v5@v5.12.0",
      "golang.org/x/text@v0.41.0",
      "golang.org/x/sync@v0.22.0",
    ]);
    expect(info.deps[2]!.replace).toEqual({ path: "golang.org/x/sync", version: "v0.23.0", sum: "h1:new=" });
    expect(info.settings).toContainEqual({ key: "-ldflags", value: "-s -w -X main.version=1.2.3" });
  });

  it.each([
    ["not a Go binary", Buffer.from("#!/bin/sh\necho hi\n")],
    ["empty", Buffer.alloc(0)],
    [
      "the magic in the middle of some text",
      Buffer.from(`xx\xff Go buildinf:\x08\x02${"\0".repeat(16)}`, "latin1"),
    ],
  ])("finds no build info in %s", (_, bytes) => {
    expect(readGoBuildInfo(bytes)).toBeNull();
  });

  it("reads the inline build info of a Go 1.18+ binary, framed by sentinels", () => {
    const mod = "path\tx/cmd/a\nmod\tx\tv1.0.0\t\ndep\ty\tv2.0.0\th1:y=\n";
    const framed = `${"s".repeat(16)}${mod}${"e".repeat(15)}\n`.replace(/e{15}\n$/, `\n${"e".repeat(15)}`);
    const header = Buffer.alloc(32);
    Buffer.from("\xff Go buildinf:", "latin1").copy(header);
    header[14] = 8;
    header[15] = 2;
    const str = (s: string) => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]);
    const bytes = Buffer.concat([Buffer.alloc(64), header, str("go1.26.8"), str(framed)]);
    const info = readGoBuildInfo(bytes)!;
    expect(info.goVersion).toBe("go1.26.8");
    expect(info.deps).toEqual([{ path: "y", version: "v2.0.0", sum: "h1:y=" }]);
    expect(elfSection(bytes, ".go.buildinfo")).toBeNull();
  });

  it("refuses output that is not go version -m", () => {
    expect(() => parseGoVersionM("hello")).toThrow(FailureError);
  });
});

describe("SPDX 2.3", () => {
  const info = parseModInfo(
    "go1.26.8",
    "path\tgithub.com/example/sample-app/cmd/api\nmod\tgithub.com/example/sample-app\t(devel)\t\ndep\tgithub.com/jackc/pgx/v5\tv5.12.0\th1:x=\n",
  );
  const input = {
    repository: "ghcr.io/example/sample-app-api",
    digest: d("a"),
    platform: "linux/arm64",
    base: { name: "alpine:3.20" },
    binaries: [
      { path: "/app/api", sha256: "b".repeat(64), info },
      { path: "/app/cli", sha256: "c".repeat(64), info },
    ],
    created: "2026-11-25T12:00:00Z",
    tool: "pipeline",
    version: "1.2.3",
  };

  it("lists the image, its base, each binary and each module once, with purls", () => {
    const doc = buildSpdx(input);
    expect(doc.spdxVersion).toBe("SPDX-2.3");
    expect(doc.packages.map((p) => p.name)).toEqual([
      "ghcr.io/example/sample-app-api",
      "alpine",
      "/app/api",
      "github.com/example/sample-app",
      "stdlib",
      "github.com/jackc/pgx/v5",
      "/app/cli",
    ]);
    expect(spdxGoModules(doc)).toEqual([
      "github.com/example/sample-app@1.2.3",
      "stdlib@go1.26.8",
      "github.com/jackc/pgx/v5@v5.12.0",
    ]);
    expect(doc.relationships).toContainEqual({
      spdxElementId: "SPDXRef-Image",
      relationshipType: "DESCENDANT_OF",
      relatedSpdxElement: "SPDXRef-BaseImage",
    });
    for (const p of doc.packages) expect(p.SPDXID).toMatch(/^SPDXRef-[A-Za-z0-9.-]+$/);
  });

  it("is the same bytes on every run (so re-attaching changes nothing)", () => {
    expect(spdxBytes(buildSpdx(input)).equals(spdxBytes(buildSpdx(structuredClone(input))))).toBe(true);
    expect(buildSpdx({ ...input, platform: "linux/amd64" }).documentNamespace).not.toBe(
      buildSpdx(input).documentNamespace,
    );
  });

  it.each([
    [{ path: "github.com/jackc/pgx/v5", version: "v5.12.0" }, "pkg:golang/github.com/jackc/pgx/v5@v5.12.0"],
    [{ path: "stdlib", version: "go1.26.8" }, "pkg:golang/stdlib@go1.26.8"],
    [{ path: "example.com/a b", version: "" }, "pkg:golang/example.com/a%20b"],
  ])("purl of %j", (module, purl) => {
    expect(goPurl(module)).toBe(purl);
  });

  it("names an OCI image by digest with its platform", () => {
    expect(ociPurl("ghcr.io/acme/api", d("a"), "linux/arm/v7")).toBe(
      `pkg:oci/api@sha256%3A${"a".repeat(64)}?repository_url=ghcr.io%2Facme%2Fapi&arch=arm&os=linux&variant=v7`,
    );
  });
});

describe("cosign layout", () => {
  it.each([
    [d("a"), "sig", `sha256-${"a".repeat(64)}.sig`],
    [d("b"), "att", `sha256-${"b".repeat(64)}.att`],
  ] as const)("tags %s's %s", (digest, suffix, tag) => {
    expect(cosignTag(digest, suffix)).toBe(tag);
  });

  it("refuses a digest that is not sha256", () => {
    expect(() => cosignTag(`sha512:${"a".repeat(128)}`, "sig")).toThrow(FailureError);
  });

  it("writes the simple-signing payload cosign verifies, and reads its digest back", () => {
    const payload = simpleSigningPayload("ghcr.io/acme/api", d("a"));
    expect(JSON.parse(payload.toString())).toEqual({
      critical: {
        identity: { "docker-reference": "ghcr.io/acme/api" },
        image: { "docker-manifest-digest": d("a") },
        type: "cosign container image signature",
      },
      optional: null,
    });
    expect(payloadDigest(payload)).toBe(d("a"));
    expect(payloadDigest(Buffer.from("{}"))).toBeNull();
    expect(payloadDigest(Buffer.from("nope"))).toBeNull();
  });

  it("encodes DSSE's PAE as the spec's example", () => {
    expect(dssePae("http://example.com/HelloWorld", Buffer.from("hello world")).toString()).toBe(
      "DSSEv1 29 http://example.com/HelloWorld 11 hello world",
    );
  });

  it("builds a signature image whose config lists each layer's digest", () => {
    const layer = cosignLayer("application/vnd.dev.cosign.simplesigning.v1+json", Buffer.from("p"), {
      k: "v",
    });
    const { config, manifest } = cosignImage([layer]);
    const parsed = JSON.parse(manifest.toString());
    expect(parsed.config.digest).toBe(digestOf(config));
    expect(parsed.layers).toEqual([{ ...layer }]);
    expect(JSON.parse(config.toString()).rootfs.diff_ids).toEqual([digestOf("p")]);
  });
});

describe("signing keys", () => {
  it("signs with an ECDSA P-256 PKCS#8 key so that its public key verifies", () => {
    const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const signer = loadSigner(
      { pem: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString() },
      {},
    );
    expect(signer.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const signature = signer.sign(Buffer.from("data"));
    expect(verify("sha256", Buffer.from("data"), pair.publicKey, signature)).toBe(true);
  });

  it.each([
    ["no key", {}, {}, /no signing key: set COSIGN_PRIVATE_KEY/],
    ["an RSA key", { pem: rsaPem() }, {}, /not ECDSA P-256/],
    [
      "garbage",
      {},
      { COSIGN_PRIVATE_KEY: `-----BEGIN ${"PRIVATE"} KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n` },
      /COSIGN_PRIVATE_KEY is not a readable PEM private key/,
    ],
    [
      "cosign's own format",
      { pem: `-----BEGIN ENCRYPTED SIGSTORE ${"PRIVATE"} KEY-----\nxx\n` },
      {},
      /cosign's own encrypted format/,
    ],
  ])("refuses %s in one line without echoing the key", (_, source, env, message) => {
    let error: Error | undefined;
    try {
      loadSigner(source, env);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain("c2VjcmV0");
    expect(error?.message.split("\n")).toHaveLength(1);
  });
});

function rsaPem(): string {
  return generateKeyPairSync("rsa", { modulusLength: 1024 })
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString();
}

describe("SLSA provenance", () => {
  const statement = provenanceStatement({
    subjects: [{ name: "ghcr.io/acme/api", digest: d("a") }],
    sourceUrl: "https://github.com/acme/api.git",
    commit: SHA,
    ref: "refs/tags/v1.2.3",
    builderId: "urn:pipeline:builder:local",
    materials: [{ uri: "pkg:docker/alpine:3.20" }],
  });
  const expected = { digest: d("a"), sourceUrl: "https://github.com/acme/api", commit: SHA };

  it("names the subject, source, commit and builder", () => {
    expect(statement).toMatchObject({
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "ghcr.io/acme/api", digest: { sha256: "a".repeat(64) } }],
      predicateType: "https://slsa.dev/provenance/v1",
      predicate: {
        buildDefinition: {
          resolvedDependencies: [
            { uri: "git+https://github.com/acme/api@refs/tags/v1.2.3", digest: { gitCommit: SHA } },
            { uri: "pkg:docker/alpine:3.20", digest: {} },
          ],
        },
        runDetails: { builder: { id: "urn:pipeline:builder:local" } },
      },
    });
    expect(provenanceProblem(statement, expected)).toBeNull();
  });

  it.each([
    ["another digest", { ...expected, digest: d("b") }, /does not name sha256:b+ as its subject/],
    [
      "another repository",
      { ...expected, sourceUrl: "https://github.com/evil/api" },
      /does not name the source/,
    ],
    [
      "another commit",
      { ...expected, commit: "f".repeat(40) },
      /names commit 0123.*not the tag's commit f{40}/,
    ],
  ])("refuses %s", (_, wanted, problem) => {
    expect(provenanceProblem(statement, wanted)).toMatch(problem);
  });

  it("reads the statement cosign attest wraps a keyless predicate in (in-toto v0.1)", () => {
    expect(
      provenanceProblem({ ...statement, _type: "https://in-toto.io/Statement/v0.1" }, expected),
    ).toBeNull();
  });

  it("builds one provenance input for the key-based and the keyless paths", () => {
    const input = { sourceUrl: "https://github.com/acme/api", commit: SHA, ref: "refs/tags/v1.2.3" };
    expect(releaseProvenance({ ...input, base: "alpine:3.20", env: {} })).toEqual({
      ...input,
      builderId: "urn:pipeline:builder:local",
      materials: [{ uri: "pkg:docker/alpine:3.20" }],
    });
    const inActions = releaseProvenance({
      ...input,
      env: { GITHUB_SERVER_URL: "https://github.com", GITHUB_REPOSITORY: "acme/api", GITHUB_RUN_ID: "7" },
    });
    expect(inActions.builderId).toBe("https://github.com/acme/api/actions");
    expect(inActions.run?.id).toBe("7");
    expect(inActions.materials).toEqual([]);
  });

  it("refuses what is not SLSA v1 provenance", () => {
    expect(provenanceProblem({ _type: "x" }, expected)).toMatch(/not SLSA v1 provenance/);
    expect(provenanceProblem(null, expected)).toMatch(/not SLSA v1 provenance/);
  });

  it("takes builder and run from GitHub Actions' variables", () => {
    expect(githubRun({})).toBeUndefined();
    expect(
      githubRun({
        GITHUB_SERVER_URL: "https://github.com",
        GITHUB_REPOSITORY: "acme/api",
        GITHUB_RUN_ID: "42",
        GITHUB_RUN_ATTEMPT: "2",
        GITHUB_WORKFLOW_REF: "acme/api/.github/workflows/release.yaml@refs/tags/v1.2.3",
        GITHUB_EVENT_NAME: "push",
      }),
    ).toEqual({
      builderId: "https://github.com/acme/api/.github/workflows/release.yaml@refs/tags/v1.2.3",
      run: {
        url: "https://github.com/acme/api/actions/runs/42/attempts/2",
        id: "42",
        workflowPath: ".github/workflows/release.yaml",
        repository: "https://github.com/acme/api",
        event: "push",
      },
    });
    expect(gitUri("https://github.com/acme/api.git/")).toBe("git+https://github.com/acme/api");
  });
});

describe("the run a workflow hands the module", () => {
  const RUN = "https://github.com/acme/shop/actions/runs/42/attempts/2";
  const REF = "acme/shop/.github/workflows/release.yaml@refs/tags/v1.2.3";

  it.each([
    ["neither argument: outside GitHub Actions", {}, undefined],
    [
      "the run URL and the workflow ref",
      { runUrl: RUN, workflowRef: REF },
      {
        GITHUB_SERVER_URL: "https://github.com",
        GITHUB_REPOSITORY: "acme/shop",
        GITHUB_RUN_ID: "42",
        GITHUB_RUN_ATTEMPT: "2",
        GITHUB_WORKFLOW_REF: REF,
      },
    ],
    [
      "a GitHub Enterprise run without an attempt",
      { runUrl: "https://ghe.example.com:8443/acme/shop/actions/runs/7/" },
      {
        GITHUB_SERVER_URL: "https://ghe.example.com:8443",
        GITHUB_REPOSITORY: "acme/shop",
        GITHUB_RUN_ID: "7",
        GITHUB_RUN_ATTEMPT: "1",
      },
    ],
    [
      "a branch's workflow",
      { runUrl: RUN, workflowRef: "acme/shop/.github/workflows/ci.yml@refs/heads/main" },
      expect.objectContaining({ GITHUB_WORKFLOW_REF: "acme/shop/.github/workflows/ci.yml@refs/heads/main" }),
    ],
  ])("reads %s", (_, args, env) => {
    expect(githubRunEnv(args)).toEqual(env);
  });

  it.each([
    ["a workflow ref without a run URL", { workflowRef: REF }, /^--workflow-ref needs --run-url.*example/],
    [
      "a URL that is not a run's",
      { runUrl: "https://github.com/acme/shop/pull/3" },
      /^--run-url "https:\/\/github\.com\/acme\/shop\/pull\/3" is not a GitHub Actions run URL \(example: --run-url https:/,
    ],
    [
      "a run URL without a scheme",
      { runUrl: "github.com/acme/shop/actions/runs/42" },
      /^--run-url .*example/,
    ],
    ["a run URL with a newline", { runUrl: `${RUN}\nInjected: yes` }, /^--run-url .*\\n.*example/],
    ["a run URL with user info", { runUrl: "https://u:p@github.com/a/b/actions/runs/1" }, /^--run-url /],
    [
      "a workflow ref that is not one",
      { runUrl: RUN, workflowRef: "release.yaml" },
      /^--workflow-ref "release\.yaml" is not a workflow ref \(example: --workflow-ref acme/,
    ],
    [
      "a workflow ref outside .github/workflows",
      { runUrl: RUN, workflowRef: "acme/shop/ci/release.yaml@refs/tags/v1" },
      /^--workflow-ref /,
    ],
    [
      "a workflow ref of another repository",
      { runUrl: RUN, workflowRef: "evil/shop/.github/workflows/release.yaml@refs/tags/v1.2.3" },
      /^--workflow-ref names the repository "evil\/shop", --run-url "acme\/shop": pass both from the same run \(example:/,
    ],
  ])("refuses %s, naming the argument and an example", (_, args, message) => {
    let error: unknown;
    try {
      githubRunEnv(args);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message.split("\n")).toHaveLength(1);
  });

  it("gives githubRun() the builder and run GitHub's own runner variables give it", () => {
    const fromArgs = releaseProvenance({
      sourceUrl: "https://github.com/acme/shop",
      commit: SHA,
      ref: "refs/tags/v1.2.3",
      env: githubRunEnv({ runUrl: RUN, workflowRef: REF })!,
    });
    expect(fromArgs.builderId).toBe(`https://github.com/${REF}`);
    expect(fromArgs.run).toEqual({
      url: RUN,
      id: "42",
      workflowPath: ".github/workflows/release.yaml",
      repository: "https://github.com/acme/shop",
      event: undefined,
    });
  });
});

describe("environments.<env>.from", () => {
  const entry = (environment: string, version: string): HistoryEntry => ({
    commit: "c",
    environment,
    version,
    chartVersion: version,
    at: "2026-11-25T00:00:00Z",
    author: "a",
    sourceSha: SHA,
    rollback: false,
  });
  it.each([
    ["uat had it", [entry("uat", "1.2.3")], null],
    ["uat had it before moving on", [entry("uat", "1.3.0"), entry("uat", "1.2.3")], null],
    ["only staging had it", [entry("staging", "1.2.3")], /never in uat; promote it to uat first/],
    ["uat had another version", [entry("uat", "1.2.4")], /shop 1\.2\.3 never in uat/],
    ["uat's history is empty", [], /prod takes only versions that were in uat first/],
  ])("%s", (_, history, refusal) => {
    const result = fromRefusal("shop", "prod", "uat", "1.2.3", history);
    if (refusal === null) expect(result).toBeNull();
    else expect(result).toMatch(refusal);
  });
});
