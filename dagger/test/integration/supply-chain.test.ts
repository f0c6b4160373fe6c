import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { listReferrers, readArtifactLayer } from "../../src/adapters/registry/referrers.js";
import { cosignTag } from "../../src/core/cosign.js";
import { SPDX_MEDIA_TYPE, type SpdxDocument, spdxGoModules } from "../../src/core/sbom.js";
import { runCli } from "../support/cli.js";
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

describe.skipIf(skipWithout("docker-registry", "go", "cosign"))(
  "SBOMs, signatures and provenance on a real registry, verified by the real cosign",
  () => {
    let registry: TestRegistry;
    let image: string;
    let pushed: { digest: string; platforms: Record<string, string> };
    let keys: string;
    let privateKey: string;
    const runs: { args: string[]; stdout: string; stderr: string }[] = [];
    const cli = (args: string[], env: Record<string, string | undefined> = {}) => {
      const result = runCli(args, { cwd: repoRoot, env });
      runs.push({ args, stdout: result.stdout, stderr: result.stderr });
      return result;
    };
    const cosign = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(findTool("cosign")!, args, {
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, COSIGN_EXPERIMENTAL: "0", ...env, HOME: tempDir("pipeline-cosign-home-") },
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
      const made = cli(["sign", "--new-key", keys]);
      expect(made.stderr).toBe("");
      expect(made.code).toBe(0);
      privateKey = readFileSync(join(keys, "cosign.key"), "utf8");
    });
    afterAll(async () => {
      await registry?.remove();
    });

    it("attaches one SPDX SBOM per platform listing every module of src/go.mod with its version", async () => {
      const out = tempDir("pipeline-sbom-");
      const result = cli(["sbom", image, "--out", out, "--version", "1.2.3", "--json"]);
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
      const again = JSON.parse(cli(["sbom", image, "--json"]).stdout) as { changed: boolean }[];
      expect(again.every((s) => !s.changed)).toBe(true);
    });

    it("signs the index and each platform so that cosign verify --key accepts them, once", () => {
      const signed = cli(["sign", image, "--json"], { COSIGN_PRIVATE_KEY: privateKey });
      expect(signed.stderr).toBe("");
      expect(signed.code).toBe(0);
      expect((JSON.parse(signed.stdout) as { changed: boolean }[]).map((r) => r.changed)).toEqual([
        true,
        true,
        true,
      ]);
      const again = cli(["sign", image, "--json"], { COSIGN_PRIVATE_KEY: privateKey });
      expect((JSON.parse(again.stdout) as { changed: boolean }[]).every((r) => !r.changed)).toBe(true);
      for (const digest of [pushed.digest, ...Object.values(pushed.platforms)]) {
        const verified = cosign([
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

    it("attaches signed SLSA provenance that cosign verify-attestation accepts", () => {
      const commit = "a".repeat(40);
      const attested = cli(
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
      const verified = cosign([
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

    it("makes cosign refuse a tampered signature, another key, and an unsigned image", async () => {
      const client = new RegistryClient({ host: registry.host });
      // Another image's tag carries the first one's signatures: valid signatures, wrong digest.
      const other = await pushGoImage(registry.host, "example/sample-app", "9.9.9", [
        { platform: "linux/amd64", files: { api: buildSampleBinary("api", "linux/amd64") } },
      ]);
      const unsigned = cosign([
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
      const copied = cosign([
        "verify",
        "--key",
        join(keys, "cosign.pub"),
        "--insecure-ignore-tlog",
        "--allow-insecure-registry",
        `${registry.host}/example/sample-app@${other.digest}`,
      ]);
      expect(copied.status).not.toBe(0);
      const stranger = tempDir("pipeline-keys-");
      cli(["sign", "--new-key", stranger]);
      const wrongKey = cosign([
        "verify",
        "--key",
        join(stranger, "cosign.pub"),
        "--insecure-ignore-tlog",
        "--allow-insecure-registry",
        `${registry.host}/example/sample-app@${pushed.digest}`,
      ]);
      expect(wrongKey.status).not.toBe(0);
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
      const bad = cli(["sign", image], { COSIGN_PRIVATE_KEY: `${privateKey.slice(0, 60)}garbage` });
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
