/**
 * Keyless verification for real: cosign signs and attests release images on a local registry
 * (with the module's own argv and predicate) with certificates from a local CA shaped like Fulcio's (test/support/sigstore-ca.ts), and
 * `pipeline verify --keyless` runs the real cosign, trusting that root only through
 * SIGSTORE_ROOT_FILE and --insecure-ignore-tlog, as a private Sigstore deployment would.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keylessAttestArgv, keylessSignArgv } from "../../src/core/supply-chain/keyless.js";
import { provenanceStatement, releaseProvenance } from "../../src/core/supply-chain/provenance.js";
import { runCliAsync } from "../support/cli.js";
import { git, repoWithFiles } from "../support/git.js";
import { buildSampleBinary, pushGoImage } from "../support/go-image.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import {
  type SigningIdentity,
  signingFlags,
  startTestSigstore,
  type TestSigstore,
} from "../support/sigstore-ca.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool, skipWithout } from "../support/tools.js";

afterAll(removeTempDirs);

const ACTIONS = "https://token.actions.githubusercontent.com";
const WORKFLOW = "https://github.com/example/sample-app/.github/workflows/release.yaml@refs/tags/v";

describe.skipIf(skipWithout("docker-registry", "go", "cosign", "openssl"))(
  "pipeline verify --keyless runs the real cosign against Fulcio-shaped certificates",
  () => {
    let registry: TestRegistry;
    let sigstore: TestSigstore;
    let repo: string;
    let tagCommit: string;
    let cosignHome: string;
    const digests: Record<string, string> = {};
    const cosign = findTool("cosign")!;
    const image = (_tag: string) => `${registry.host}/rel/sample-app-api`;
    const pinned = (tag: string) => `${image(tag)}@${digests[tag]}`;
    const runCosign = (args: string[]) =>
      new Promise<{ status: number | null; stderr: string }>((done) => {
        const child = spawn(cosign, args, {
          env: { ...process.env, HOME: cosignHome, COSIGN_PASSWORD: "" },
          timeout: 60_000,
        });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.stdout.on("data", () => undefined);
        child.on("close", (status) => done({ status, stderr }));
      });
    /** Signs and attests `tag` as a keyless release run would, with the predicate our code builds. */
    const release = async (tag: string, identity: SigningIdentity, commit = tagCommit) => {
      // The module's own cosign argv, with the local CA's key and certificate standing in for
      // what cosign would fetch from Fulcio, and no Rekor upload.
      const asModule = (argv: string[]) => [...argv.slice(0, -1), ...signingFlags(identity), argv.at(-1)!];
      const signed = await runCosign(asModule(keylessSignArgv(pinned(tag), true)));
      expect(signed.status, signed.stderr).toBe(0);
      const { predicate } = provenanceStatement({
        ...releaseProvenance({
          sourceUrl: "https://github.com/example/sample-app",
          commit,
          ref: `refs/tags/v${tag}`,
          env: {},
        }),
        subjects: [],
      }) as { predicate: unknown };
      const dir = tempDir("pipeline-predicate-");
      const file = join(dir, "slsa.json");
      writeFileSync(file, JSON.stringify(predicate));
      const attested = await runCosign(asModule(keylessAttestArgv(pinned(tag), file, true)));
      expect(attested.status, attested.stderr).toBe(0);
    };
    const verify = (tag: string, extra: string[] = [], env: Record<string, string | undefined> = {}) =>
      runCliAsync(
        [
          "--config",
          join(repo, "pipeline.yaml"),
          "verify",
          "--image-tag",
          tag,
          "--keyless",
          "--insecure-ignore-tlog",
          ...extra,
        ],
        {
          cwd: repo,
          env: { HOME: cosignHome, SIGSTORE_ROOT_FILE: sigstore.root, COSIGN_PUBLIC_KEY: undefined, ...env },
        },
      );

    beforeAll(async () => {
      registry = await startRegistry();
      sigstore = startTestSigstore(cosign);
      cosignHome = tempDir("pipeline-cosign-home-");
      mkdirSync(join(cosignHome, ".sigstore"), { recursive: true });
      repo = repoWithFiles({
        "src/cmd/api/main.go": "package main\n\nfunc main() {}\n",
        "pipeline.yaml": `app: sample-app\nimage:\n  registry: ${registry.host}/rel\nsource:\n  url: https://github.com/example/sample-app\n`,
      });
      const tags = ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0"];
      for (const tag of tags) git(repo, "tag", `v${tag}`);
      tagCommit = git(repo, "rev-parse", "HEAD");
      const files = ["linux/amd64", "linux/arm64"].map((platform) => ({
        platform,
        files: { api: buildSampleBinary("api", platform) },
      }));
      for (const tag of tags) {
        // Each tag its own digest: a build-info-free marker file makes the images differ.
        const marker = join(tempDir("pipeline-marker-"), "release");
        writeFileSync(marker, tag);
        const pushed = await pushGoImage(
          registry.host,
          "rel/sample-app-api",
          tag,
          files.map((f) => ({ ...f, files: { ...f.files, release: marker } })),
        );
        digests[tag] = pushed.digest;
        // SBOMs need no key, on the keyless path too.
        const sbom = await runCliAsync(
          ["--config", join(repo, "pipeline.yaml"), "sbom", `${image(tag)}:${tag}`],
          {
            cwd: repo,
          },
        );
        expect(sbom.stderr).toBe("");
      }
      await release("1.0.0", sigstore.leaf(`${WORKFLOW}1.0.0`, ACTIONS));
      await release(
        "1.1.0",
        sigstore.leaf(
          "https://github.com/someone-else/fork/.github/workflows/release.yaml@refs/tags/v1.1.0",
          ACTIONS,
        ),
      );
      await release("1.2.0", sigstore.leaf(`${WORKFLOW}1.2.0`, "https://gitlab.example.com"));
      await release("1.4.0", sigstore.leaf(`${WORKFLOW}1.4.0`, ACTIONS), "b".repeat(40));
      // This repository's own workflow, run for a pull request: a certificate of this repository,
      // but not of a release.
      await release(
        "1.5.0",
        sigstore.leaf(
          "https://github.com/example/sample-app/.github/workflows/pr.yaml@refs/pull/7/merge",
          ACTIONS,
        ),
      );
    }, 240_000);
    afterAll(async () => {
      await registry?.remove();
    });

    it("passes a release signed and attested by this repository's workflow, with SBOMs", async () => {
      const result = await verify("1.0.0", ["--json"]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, missing: [] });
    });

    it("refuses a signature by another repository's workflow in one line, exit 1", async () => {
      const result = await verify("1.1.0");
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(
        /sample-app-api:1\.1\.0: no keyless signature by \^https:\/\/github\\\.com\/example\/sample-app\/\\\.github\/workflows\/\[\^@\]\+@refs\/tags\/ from https:\/\/token\.actions\.githubusercontent\.com \(cosign: .*none of the expected identities matched/,
      );
      // An identity given explicitly is what is checked.
      const explicit = await verify("1.1.0", [
        "--certificate-identity-regexp",
        "^https://github\\.com/someone-else/fork/",
      ]);
      expect(explicit.stderr).not.toMatch(/no keyless signature/);
    });

    it("refuses a signature by this repository's workflow run for a pull request, not a tag", async () => {
      const result = await verify("1.5.0");
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(/sample-app-api:1\.5\.0: no keyless signature by .*@refs\/tags\//);
    });

    it("refuses a certificate from another OIDC issuer", async () => {
      const result = await verify("1.2.0", ["--json"]);
      expect(result.code).toBe(1);
      const { missing } = JSON.parse(result.stdout) as { missing: string[] };
      expect(missing[0]).toMatch(
        /1\.2\.0: no keyless signature by .* from https:\/\/token\.actions\.githubusercontent\.com \(cosign: .*issuer/,
      );
      const gitlab = await verify("1.2.0", [
        "--certificate-oidc-issuer",
        "https://gitlab.example.com",
        "--json",
      ]);
      expect(gitlab.stderr).toBe("");
      expect(gitlab.code).toBe(0);
    });

    it("refuses an unsigned image: no signature, no provenance", async () => {
      const result = await verify("1.3.0", ["--json"]);
      expect(result.code).toBe(1);
      const { missing } = JSON.parse(result.stdout) as { missing: string[] };
      expect(missing).toHaveLength(2);
      expect(missing[0]).toMatch(/1\.3\.0: no keyless signature by /);
      expect(missing[1]).toMatch(/1\.3\.0: no keyless provenance by /);
    });

    it("refuses verified provenance that names another commit", async () => {
      const result = await verify("1.4.0", ["--json"]);
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout).missing).toEqual([
        `${image("1.4.0")}:1.4.0: the provenance names commit ${"b".repeat(40)}, not the tag's commit ${tagCommit}`,
      ]);
    });

    it("trusts nothing it was not told to: without the private root cosign cannot verify", async () => {
      const result = await runCliAsync(
        [
          "--config",
          join(repo, "pipeline.yaml"),
          "verify",
          "--image-tag",
          "1.0.0",
          "--keyless",
          "--insecure-ignore-tlog",
        ],
        { cwd: repo, env: { HOME: cosignHome, SIGSTORE_ROOT_FILE: undefined, COSIGN_PUBLIC_KEY: undefined } },
      );
      expect(result.code).toBe(1);
    });

    it("says how to install cosign when it is missing, exit 3", async () => {
      const result = await verify("1.0.0", [], { PATH: "/usr/bin:/bin" });
      expect(result.code).toBe(3);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(/verify --keyless needs cosign: go install github.com\/sigstore\/cosign/);
    });
  },
);
