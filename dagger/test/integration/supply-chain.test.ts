import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/adapters/config/config-file.js";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { listReferrers, readArtifactLayer } from "../../src/adapters/registry/referrers.js";
import { cosignTag } from "../../src/core/supply-chain/cosign.js";
import { githubRunEnv } from "../../src/core/supply-chain/provenance.js";
import { SPDX_MEDIA_TYPE, type SpdxDocument, spdxGoModules } from "../../src/core/supply-chain/sbom.js";
import { runCliAsync } from "../support/cli.js";
import { git, repoWithFiles } from "../support/git.js";
import { makeGitopsRemote } from "../support/gitops.js";
import { buildSampleBinary, pushGoImage, SAMPLE_SRC } from "../support/go-image.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool, skipWithout } from "../support/tools.js";

const repoRoot = resolve(import.meta.dirname, "../../..");
afterAll(removeTempDirs);

/** `path@version` of every module src/go.mod requires. */
function requiredModules(): string[] {
  const text = readFileSync(join(SAMPLE_SRC, "go.mod"), "utf8");
  return [...text.matchAll(/^\s*(?:require\s+)?([a-z0-9.-]+\.[a-z]+\/\S+)\s+(v\S+)/gm)].map(
    (m) => `${m[1]}@${m[2]}`,
  );
}

describe.skipIf(skipWithout("docker-registry", "go", "cosign", "helm"))(
  "SBOMs, signatures and provenance on a real registry, verified by the real cosign",
  () => {
    let registry: TestRegistry;
    let image: string;
    let pushed: { digest: string; platforms: Record<string, string> };
    let keys: string;
    let privateKey: string;
    const runs: { args: string[]; stdout: string; stderr: string }[] = [];
    // Never block the event loop (spawnSync): the test's registry logs through a pipe we must drain.
    const cli = async (args: string[], env: Record<string, string | undefined> = {}) => {
      const result = await runCliAsync(args, { cwd: repoRoot, env });
      runs.push({ args, stdout: result.stdout, stderr: result.stderr });
      return result;
    };
    const cosign = (args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn(findTool("cosign")!, args, {
          env: { ...process.env, HOME: tempDir("pipeline-cosign-home-") },
          timeout: 60_000,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (status) => done({ status, stdout, stderr }));
      });

    beforeAll(async () => {
      registry = await startRegistry();
      const files = ["linux/amd64", "linux/arm64"].map((platform) => ({
        platform,
        files: { api: buildSampleBinary("api", platform), worker: buildSampleBinary("worker", platform) },
      }));
      pushed = await pushGoImage(registry.host, "example/sample-app", "1.2.3", files);
      image = `${registry.host}/example/sample-app:1.2.3`;
      keys = tempDir("pipeline-keys-");
      const made = await cli(["sign", "--new-key", keys]);
      expect(made.stderr).toBe("");
      expect(made.code).toBe(0);
      privateKey = readFileSync(join(keys, "cosign.key"), "utf8");
    });
    afterAll(async () => {
      await registry?.remove();
    });

    it("attaches one SPDX SBOM per platform listing every module of src/go.mod with its version", async () => {
      const out = tempDir("pipeline-sbom-");
      const result = await cli(["sbom", image, "--out", out, "--version", "1.2.3", "--json"]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const sboms = JSON.parse(result.stdout) as {
        platform: string;
        file: string;
        modules: string[];
        changed: boolean;
      }[];
      expect(sboms.map((s) => s.platform).sort()).toEqual(["linux/amd64", "linux/arm64"]);
      const required = requiredModules();
      expect(required).toContain("github.com/jackc/pgx/v5@v5.12.0");
      for (const sbom of sboms) {
        expect(sbom.changed).toBe(true);
        for (const module of required) expect(sbom.modules).toContain(module);
        const document = JSON.parse(readFileSync(sbom.file, "utf8")) as SpdxDocument;
        expect(document.spdxVersion).toBe("SPDX-2.3");
        expect(document.packages.map((p) => p.name)).toEqual(
          expect.arrayContaining(["/app/api", "/app/worker", "alpine"]),
        );
        expect(spdxGoModules(document)).toContain(`github.com/example/sample-app@1.2.3`);
      }
      // Attached to each platform digest, found again through the registry (fallback tag here).
      const client = new RegistryClient({ host: registry.host });
      for (const digest of Object.values(pushed.platforms)) {
        const found = await listReferrers(client, "example/sample-app", digest, SPDX_MEDIA_TYPE);
        expect(found.referrers).toHaveLength(1);
        const document = JSON.parse(
          (await readArtifactLayer(client, "example/sample-app", found.referrers[0]!)).toString(),
        ) as SpdxDocument;
        expect(document.packages[0]!.versionInfo).toBe(digest);
      }
      // Re-running changes nothing.
      const again = JSON.parse((await cli(["sbom", image, "--version", "1.2.3", "--json"])).stdout) as {
        changed: boolean;
      }[];
      expect(again.every((s) => !s.changed)).toBe(true);
    });

    it("signs the index and each platform so that cosign verify --key accepts them, once", async () => {
      const signed = await cli(["sign", image, "--json"], { COSIGN_PRIVATE_KEY: privateKey });
      expect(signed.stderr).toBe("");
      expect(signed.code).toBe(0);
      expect((JSON.parse(signed.stdout) as { changed: boolean }[]).map((r) => r.changed)).toEqual([
        true,
        true,
        true,
      ]);
      const again = await cli(["sign", image, "--json"], { COSIGN_PRIVATE_KEY: privateKey });
      expect((JSON.parse(again.stdout) as { changed: boolean }[]).every((r) => !r.changed)).toBe(true);
      for (const digest of [pushed.digest, ...Object.values(pushed.platforms)]) {
        const verified = await cosign([
          "verify",
          "--key",
          join(keys, "cosign.pub"),
          "--insecure-ignore-tlog",
          "--allow-insecure-registry",
          `${registry.host}/example/sample-app@${digest}`,
        ]);
        expect(verified.stderr + verified.stdout).toContain(
          "The signatures were verified against the specified public key",
        );
        expect(verified.status).toBe(0);
      }
    });

    it("attaches signed SLSA provenance that cosign verify-attestation accepts", async () => {
      const commit = "a".repeat(40);
      const attested = await cli(
        [
          "attest",
          image,
          "--commit",
          commit,
          "--git-ref",
          "refs/tags/v1.2.3",
          "--source-url",
          "https://github.com/example/sample-app",
          "--json",
        ],
        { COSIGN_PRIVATE_KEY: privateKey },
      );
      expect(attested.stderr).toBe("");
      expect(attested.code).toBe(0);
      const verified = await cosign([
        "verify-attestation",
        "--key",
        join(keys, "cosign.pub"),
        "--type",
        "slsaprovenance1",
        "--insecure-ignore-tlog",
        "--allow-insecure-registry",
        `${registry.host}/example/sample-app@${pushed.digest}`,
      ]);
      expect(verified.status, verified.stderr).toBe(0);
      const envelope = JSON.parse(verified.stdout.trim().split("\n")[0]!) as { payload: string };
      const statement = JSON.parse(Buffer.from(envelope.payload, "base64").toString()) as {
        predicate: {
          buildDefinition: { resolvedDependencies: { uri: string; digest: { gitCommit?: string } }[] };
        };
      };
      expect(statement.predicate.buildDefinition.resolvedDependencies[0]).toEqual({
        uri: "git+https://github.com/example/sample-app@refs/tags/v1.2.3",
        digest: { gitCommit: commit },
      });
    });

    it("names the workflow as the builder and the run, from the variables the module hands the CLI, in what cosign verifies", async () => {
      const workflowRef = "example/sample-app/.github/workflows/release.yaml@refs/tags/v2.0.0";
      const runUrl = "https://github.com/example/sample-app/actions/runs/4242/attempts/2";
      // Its own repository, so this provenance is the only one cosign finds.
      const own = await pushGoImage(registry.host, "example/provenance-run", "2.0.0", [
        { platform: "linux/amd64", files: { api: buildSampleBinary("api", "linux/amd64") } },
      ]);
      const attested = await cli(
        [
          "attest",
          `${registry.host}/example/provenance-run:2.0.0`,
          "--commit",
          "c".repeat(40),
          "--git-ref",
          "refs/tags/v2.0.0",
          "--source-url",
          "https://github.com/example/sample-app",
          "--json",
        ],
        // Exactly what the module sets in the CLI's container (supplyChainStep), nothing else of a runner.
        {
          COSIGN_PRIVATE_KEY: privateKey,
          GITHUB_EVENT_NAME: undefined,
          ...githubRunEnv({ workflowRef, runUrl }),
        },
      );
      expect(attested.stderr).toBe("");
      expect(attested.code).toBe(0);
      const verified = await cosign([
        "verify-attestation",
        "--key",
        join(keys, "cosign.pub"),
        "--type",
        "slsaprovenance1",
        "--insecure-ignore-tlog",
        "--allow-insecure-registry",
        `${registry.host}/example/provenance-run@${own.digest}`,
      ]);
      expect(verified.status, verified.stderr).toBe(0);
      const lines = verified.stdout.trim().split("\n");
      expect(lines).toHaveLength(1);
      const statement = JSON.parse(
        Buffer.from((JSON.parse(lines[0]!) as { payload: string }).payload, "base64").toString(),
      ) as {
        predicate: {
          buildDefinition: { buildType: string; externalParameters: unknown };
          runDetails: { builder: { id: string }; metadata: { invocationId?: string } };
        };
      };
      expect(statement.predicate.runDetails.builder.id).toBe(`https://github.com/${workflowRef}`);
      expect(statement.predicate.runDetails.metadata.invocationId).toBe(runUrl);
      expect(statement.predicate.buildDefinition.buildType).toBe(
        "https://actions.github.io/buildtypes/workflow/v1",
      );
      expect(statement.predicate.buildDefinition.externalParameters).toEqual({
        workflow: {
          ref: "refs/tags/v2.0.0",
          repository: "https://github.com/example/sample-app",
          path: ".github/workflows/release.yaml",
        },
      });
    });

    it("makes cosign refuse a tampered signature, another key, and an unsigned image", async () => {
      const client = new RegistryClient({ host: registry.host });
      // Another image's tag carries the first one's signatures: valid signatures, wrong digest.
      const other = await pushGoImage(registry.host, "example/sample-app", "9.9.9", [
        { platform: "linux/amd64", files: { api: buildSampleBinary("api", "linux/amd64") } },
      ]);
      const unsigned = await cosign([
        "verify",
        "--key",
        join(keys, "cosign.pub"),
        "--insecure-ignore-tlog",
        "--allow-insecure-registry",
        `${registry.host}/example/sample-app@${other.digest}`,
      ]);
      expect(unsigned.status).not.toBe(0);
      const sig = await client.getManifest("example/sample-app", cosignTag(pushed.digest, "sig"));
      await client.putManifest(
        "example/sample-app",
        cosignTag(other.digest, "sig"),
        sig!.bytes,
        sig!.mediaType,
      );
      const copied = await cosign([
        "verify",
        "--key",
        join(keys, "cosign.pub"),
        "--insecure-ignore-tlog",
        "--allow-insecure-registry",
        `${registry.host}/example/sample-app@${other.digest}`,
      ]);
      expect(copied.status).not.toBe(0);
      const stranger = tempDir("pipeline-keys-");
      await cli(["sign", "--new-key", stranger]);
      const wrongKey = await cosign([
        "verify",
        "--key",
        join(stranger, "cosign.pub"),
        "--insecure-ignore-tlog",
        "--allow-insecure-registry",
        `${registry.host}/example/sample-app@${pushed.digest}`,
      ]);
      expect(wrongKey.status).not.toBe(0);
    });

    it("signs the chart so that cosign verify --key accepts it", async () => {
      const out = tempDir("pipeline-chart-");
      execFileSync(
        findTool("helm")!,
        [
          "package",
          join(repoRoot, "helm/sample-app"),
          "--version",
          "1.2.3",
          "--app-version",
          "1.2.3",
          "--destination",
          out,
        ],
        { env: { ...process.env, HELM_CONFIG_HOME: tempDir(), HELM_CACHE_HOME: tempDir() }, stdio: "pipe" },
      );
      const pushed = await cli([
        "chart",
        "push",
        join(out, "sample-app-1.2.3.tgz"),
        `oci://${registry.host}/charts`,
      ]);
      expect(pushed.code, pushed.stderr).toBe(0);
      const chart = `oci://${registry.host}/charts/sample-app:1.2.3`;
      const signed = await cli(["sign", chart, "--json"], { COSIGN_PRIVATE_KEY: privateKey });
      expect(signed.stderr).toBe("");
      const [result] = JSON.parse(signed.stdout) as { subject: string }[];
      const verified = await cosign([
        "verify",
        "--key",
        join(keys, "cosign.pub"),
        "--insecure-ignore-tlog",
        "--allow-insecure-registry",
        result!.subject,
      ]);
      expect(verified.status, verified.stderr).toBe(0);
    });

    it("never lets the signing key into argv, output, the registry or the repository", async () => {
      const body = privateKey
        .split("\n")
        .filter((l) => l && !l.startsWith("-----"))
        .join("");
      const pieces = [body, body.slice(8, 48)];
      for (const run of runs) {
        for (const piece of pieces) {
          expect(run.args.join(" ")).not.toContain(piece);
          expect(run.stdout + run.stderr).not.toContain(piece);
        }
      }
      // A failing run names the variable, never its value.
      const bad = await cli(["sign", image], { COSIGN_PRIVATE_KEY: `${privateKey.slice(0, 60)}garbage` });
      expect(bad.code).toBe(2);
      expect(bad.stderr).not.toContain(privateKey.slice(30, 60));
      // Every blob of every manifest under every tag: no key bytes.
      const client = new RegistryClient({ host: registry.host });
      for (const tag of await client.listTags("example/sample-app")) {
        const manifest = await client.getManifest("example/sample-app", tag);
        const text = manifest!.bytes.toString();
        const digests = [...text.matchAll(/"digest":"(sha256:[a-f0-9]{64})"/g)].map((m) => m[1]!);
        for (const digest of digests) {
          const blob = await client.getBlob("example/sample-app", digest).catch(() => null);
          if (!blob) continue; // a manifest digest, not a blob
          for (const piece of pieces) expect(blob.includes(piece)).toBe(false);
        }
      }
      const tracked = spawnSync("git", ["grep", "-l", "-E", "BEGIN (EC |ENCRYPTED )?PRIVATE KEY-----"], {
        cwd: repoRoot,
        encoding: "utf8",
      });
      expect(tracked.stdout).toBe("");
      expect(
        execFileSync("git", ["log", "--all", "-p", "-S", body.slice(8, 48)], { cwd: repoRoot }).toString(),
      ).toBe("");
    });
  },
);

describe.skipIf(skipWithout("docker-registry", "go", "helm"))(
  "pipeline verify refuses a release before prod unless it is signed, has SBOMs and names the tag's commit",
  () => {
    let registry: TestRegistry;
    let repo: string;
    let tagCommit: string;
    let keys: string;
    let privateKey: string;
    let files: { platform: string; files: Record<string, string> }[];
    const image = (tag: string) => `${registry.host}/rel/sample-app-api:${tag}`;
    const inRepo = (args: string[], env: Record<string, string | undefined> = {}) =>
      runCliAsync(["--config", join(repo, "pipeline.yaml"), ...args], { cwd: repo, env });
    const verify = (tag: string, ...extra: string[]) =>
      inRepo(["verify", "--image-tag", tag, "--key", join(keys, "cosign.pub"), ...extra]);
    const release = async (tag: string, steps: ("sbom" | "sign" | "attest")[], commit = tagCommit) => {
      for (const step of steps) {
        const args =
          step === "attest"
            ? ["attest", image(tag), "--commit", commit, "--git-ref", `refs/tags/v${tag}`]
            : [step, image(tag)];
        const result = await inRepo(args, { COSIGN_PRIVATE_KEY: privateKey });
        expect(result.stderr, step).toBe("");
      }
    };

    beforeAll(async () => {
      registry = await startRegistry();
      repo = repoWithFiles({
        "src/cmd/api/main.go": "package main\n\nfunc main() {}\n",
        "pipeline.yaml": `app: sample-app\nimage:\n  registry: ${registry.host}/rel\nsource:\n  url: https://github.com/example/sample-app\n`,
      });
      for (const tag of ["v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0"]) git(repo, "tag", tag);
      tagCommit = git(repo, "rev-parse", "HEAD");
      keys = tempDir("pipeline-keys-");
      await runCliAsync(["sign", "--new-key", keys]);
      privateKey = readFileSync(join(keys, "cosign.key"), "utf8");
      files = ["linux/amd64", "linux/arm64"].map((platform) => ({
        platform,
        files: { api: buildSampleBinary("api", platform) },
      }));
      for (const tag of ["1.0.0", "1.1.0", "1.2.0", "1.3.0"])
        await pushGoImage(registry.host, "rel/sample-app-api", tag, files);
    });
    afterAll(async () => {
      await registry?.remove();
    });

    it("passes a release with signatures, an SBOM per platform and provenance of the tag's commit", async () => {
      await release("1.0.0", ["sbom", "sign", "attest"]);
      const result = await verify("1.0.0", "--json");
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, missing: [] });
    });

    it("refuses an unsigned image in one line, exit 1", async () => {
      const result = await verify("1.1.0");
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(/rel\/sample-app-api:1\.1\.0: not signed by the release key/);
      expect(result.stdout).toMatch(/no SBOM attached to platform sha256:/);
      expect(result.stdout).toMatch(/no provenance signed by the release key/);
    });

    it("refuses a signed image whose platforms have no SBOM", async () => {
      await release("1.2.0", ["sign", "attest"]);
      const result = await verify("1.2.0", "--json");
      expect(result.code).toBe(1);
      const { missing } = JSON.parse(result.stdout) as { missing: string[] };
      expect(missing).toHaveLength(2);
      for (const line of missing)
        expect(line).toMatch(/1\.2\.0: no SBOM attached to platform sha256:[a-f0-9]{64} \(pipeline sbom\)$/);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    });

    it("refuses provenance of another commit, and a signature by another key", async () => {
      await release("1.3.0", ["sbom", "sign", "attest"], "b".repeat(40));
      const wrongCommit = await verify("1.3.0", "--json");
      expect(wrongCommit.code).toBe(1);
      expect(JSON.parse(wrongCommit.stdout).missing).toEqual([
        `${image("1.3.0")}: the provenance names commit ${"b".repeat(40)}, not the tag's commit ${tagCommit}`,
      ]);
      const stranger = tempDir("pipeline-keys-");
      await runCliAsync(["sign", "--new-key", stranger]);
      const otherKey = await inRepo([
        "verify",
        "--image-tag",
        "1.0.0",
        "--key",
        join(stranger, "cosign.pub"),
      ]);
      expect(otherKey.code).toBe(1);
      expect(otherKey.stderr).toMatch(/not signed by the release key/);
    });

    it("refuses a verified prod promotion of an unsigned release when COSIGN_PUBLIC_KEY is set, committing nothing", async () => {
      writeFileSync(
        join(repo, "pipeline.yaml"),
        `app: sample-app\nimage:\n  registry: ${registry.host}/rel\nchart:\n  registry: oci://${registry.host}/charts\nsource:\n  url: https://github.com/example/sample-app\nenvironments:\n  staging: {}\n  uat: {}\n  prod: { verify: true }\n`,
      );
      const remote = makeGitopsRemote([loadConfig(join(repo, "pipeline.yaml"))]);
      const out = tempDir("pipeline-chart-");
      for (const version of ["1.0.0", "1.1.0"]) {
        execFileSync(
          findTool("helm")!,
          ["package", join(repoRoot, "helm/sample-app"), "--version", version, "--destination", out],
          { env: { ...process.env, HELM_CONFIG_HOME: tempDir(), HELM_CACHE_HOME: tempDir() }, stdio: "pipe" },
        );
        expect(
          (
            await inRepo([
              "chart",
              "push",
              join(out, `sample-app-${version}.tgz`),
              `oci://${registry.host}/charts`,
            ])
          ).code,
        ).toBe(0);
      }
      const chart = `oci://${registry.host}/charts/sample-app:1.0.0`;
      await inRepo(["sign", chart], { COSIGN_PRIVATE_KEY: privateKey });
      await inRepo(["attest", chart, "--commit", tagCommit, "--git-ref", "refs/tags/v1.0.0"], {
        COSIGN_PRIVATE_KEY: privateKey,
      });
      const promote = (version: string) =>
        inRepo(
          [
            "promote",
            "--repo",
            remote,
            "--env",
            "prod",
            "--image-tag",
            version,
            "--chart-version",
            version,
            "--source-sha",
            tagCommit,
          ],
          { COSIGN_PUBLIC_KEY: join(keys, "cosign.pub"), GITOPS_TOKEN: undefined, GITHUB_SHA: undefined },
        );
      const before = git(remote, "rev-parse", "main");
      const refused = await promote("1.1.0");
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split("\n")).toHaveLength(1);
      expect(refused.stderr).toMatch(
        /verify failed: .*sample-app-api:1\.1\.0: not signed by the release key/,
      );
      expect(refused.stderr).toMatch(/charts\/sample-app:1\.1\.0: not signed by the release key/);
      expect(git(remote, "rev-parse", "main")).toBe(before);
      const promoted = await promote("1.0.0");
      expect(promoted.stderr).toBe("");
      expect(promoted.code).toBe(0);
    });

    it("asks for the commit when the tag is not in the checkout", async () => {
      const result = await verify("7.7.7");
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/no tag v7\.7\.7 here; pass --commit <sha>/);
    });
  },
);
