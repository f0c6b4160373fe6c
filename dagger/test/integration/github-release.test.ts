/**
 * `pipeline github-release` against the GitHub API stand-in: a real Go repo cross-compiled for
 * linux, darwin and windows, an upload that fails halfway, and the re-runs that finish the
 * release with exactly the right assets and publish it.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/adapters/registry/client.js";
import { attachArtifact, listReferrers, readArtifactLayer } from "../../src/adapters/registry/referrers.js";
import { SPDX_MEDIA_TYPE } from "../../src/core/supply-chain/sbom.js";
import { runCliAsync } from "../support/cli.js";
import { git, repoWithFiles } from "../support/git.js";
import { type GithubApiStandin, startGithubApiStandin } from "../support/github-api-standin.js";
import { pushGoImage } from "../support/go-image.js";
import { pushTestImage } from "../support/images.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool } from "../support/tools.js";

const TOKEN = "ghs_standinToken0123456789abcdef";
const ARCHIVES = [
  "hello_1.1.0_darwin_arm64.tar.gz",
  "hello_1.1.0_linux_amd64.tar.gz",
  "hello_1.1.0_windows_amd64.zip",
];
const ASSETS = [...ARCHIVES, "SHA256SUMS"].sort();

let repo: string;
let standin: GithubApiStandin;

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** Runs the CLI without blocking: the stand-in answers from this same process. */
function release(args: string[] = [], extraEnv: Record<string, string> = {}) {
  return runCliAsync(["github-release", "--tag", "v1.1.0", ...args], {
    cwd: repo,
    env: {
      GITHUB_TOKEN: TOKEN,
      GITHUB_API_URL: standin.apiUrl,
      GITHUB_REPOSITORY: "acme/hello",
      ...extraEnv,
    },
  });
}

/** What the release holds now: asset name -> sha256 of its bytes, complete ones only. */
function heldAssets(): Record<string, string> {
  const [only] = standin.releases;
  return Object.fromEntries(
    (only?.assets ?? []).map((a) => [a.name, a.state === "uploaded" ? sha256(a.data) : `(${a.state})`]),
  );
}

/** The files the last run wrote: asset name -> sha256. */
function builtAssets(): Record<string, string> {
  const dir = join(repo, ".out", "release");
  return Object.fromEntries(ASSETS.map((name) => [name, sha256(readFileSync(join(dir, name)))]));
}

beforeAll(async () => {
  repo = repoWithFiles({
    "pipeline.yaml": [
      "app: hello",
      "source:",
      "  url: https://github.com/acme/hello",
      "archives:",
      "  - platforms: [linux/amd64, darwin/arm64, windows/amd64]",
      "",
    ].join("\n"),
    LICENSE: "MIT License\n",
    "README.md": "# hello\n",
    "src/go.mod": "module example.com/hello\n\ngo 1.26\n",
    "src/cmd/hello/main.go":
      'package main\n\nimport "fmt"\n\nvar (\n\tversion = "dev"\n\tcommit  = "none"\n)\n\nfunc main() { fmt.Println(version, commit) }\n',
  });
  git(repo, "tag", "-a", "v1.0.0", "-m", "v1.0.0");
  writeFileSync(join(repo, "README.md"), "# hello\n\nSays hello.\n");
  git(repo, "commit", "-qam", "feat: say hello (#2)");
  git(repo, "tag", "-a", "v1.1.0", "-m", "v1.1.0");
  standin = await startGithubApiStandin({ owner: "acme", repo: "hello", token: TOKEN });
}, 180_000);

afterAll(async () => {
  await standin?.close();
  removeTempDirs();
});

describe("pipeline github-release", () => {
  it("refuses without GITHUB_TOKEN before building anything", async () => {
    const result = await release([], { GITHUB_TOKEN: "" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("GITHUB_TOKEN is not set");
    expect(standin.requests).toHaveLength(0);
  });

  it("fails halfway through an upload, leaving a draft with what it managed", async () => {
    standin.failUpload(2);
    const result = await release();
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/GitHub API: uploading \S+ on acme\/hello \(v1\.1\.0\) failed/);
    expect(result.stderr).toContain("re-run to finish the release");
    const [draft] = standin.releases;
    expect(draft).toMatchObject({ tag_name: "v1.1.0", draft: true, published_at: null });
    expect(draft!.assets.map((a) => a.state)).toEqual(["uploaded", "starter"]);
  }, 300_000);

  it("finishes on a re-run: keeps what matches, replaces what differs, deletes the broken and stray, publishes", async () => {
    const draft = standin.releases[0]!;
    const changed = draft.assets[0]!.name;
    const broken = draft.assets.find((a) => a.state === "starter")!.name;
    // Someone attached a file of their own, and the first good asset got different bytes.
    standin.seedAsset(draft, "notes.txt", Buffer.from("stray"));
    const changedBefore = draft.assets[0]!;
    changedBefore.data = Buffer.from("not the archive");
    changedBefore.size = changedBefore.data.length;
    const before = standin.requests.length;

    const result = await release(["--json"]);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      release: {
        published: boolean;
        kept: string[];
        uploaded: string[];
        deleted: { name: string; reason: string }[];
      };
    };
    expect(summary.release.published).toBe(true);
    expect(summary.release.deleted.map((d) => `${d.name} ${d.reason}`).sort()).toEqual(
      [`${changed} changed`, `${broken} incomplete`, "notes.txt stray"].sort(),
    );
    expect(summary.release.kept).toEqual([]);
    expect(heldAssets()).toEqual(builtAssets());
    expect(Object.keys(heldAssets()).sort()).toEqual(ASSETS);
    const [published] = standin.releases;
    expect(published).toMatchObject({ draft: false, prerelease: false, name: "v1.1.0" });
    expect(published!.published_at).not.toBeNull();
    expect(published!.body).toContain("## v1.1.0");
    expect(published!.body).toContain("say hello ([#2](https://github.com/acme/hello/pull/2)");
    // Publishing is the last call: assets were complete before anyone could see the release.
    const calls = standin.requests.slice(before);
    expect(calls.at(-1)).toMatchObject({ host: "api", method: "PATCH" });
    expect(calls.filter((c) => c.method === "POST" && c.host === "uploads")).toHaveLength(
      summary.release.uploaded.length,
    );
  }, 300_000);

  it("changes nothing on a third run: the archives are reproducible", async () => {
    const held = heldAssets();
    const before = standin.requests.length;
    const result = await release();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^published v1\.1\.0 on acme\/hello: https:\/\/github\.com\/acme\/hello\/releases\/tag\/v1\.1\.0\n/,
    );
    const calls = standin.requests.slice(before);
    expect(calls.filter((c) => c.method !== "GET")).toEqual([]);
    expect(heldAssets()).toEqual(held);
  }, 300_000);

  it("ships archives that hold the stamped binary and the extra files, and a SHA256SUMS that checks", async () => {
    const dir = tempDir("pipeline-assets-");
    for (const asset of standin.releases[0]!.assets) writeFileSync(join(dir, asset.name), asset.data);
    execFileSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: dir });
    const sums = readFileSync(join(dir, "SHA256SUMS"), "utf8");
    expect(
      sums
        .trim()
        .split("\n")
        .map((l) => l.split("  ")[1]),
    ).toEqual(ARCHIVES);
    const listing = execFileSync("tar", ["-tzf", join(dir, ARCHIVES[1]!)], { encoding: "utf8" });
    expect(listing.trim().split("\n")).toEqual(["LICENSE", "README.md", "hello"]);
    const out = join(dir, "linux");
    mkdirSync(out);
    execFileSync("tar", ["-xzf", join(dir, ARCHIVES[1]!), "-C", out]);
    const commit = git(repo, "rev-parse", "v1.1.0^{commit}");
    expect(execFileSync(join(out, "hello"), { encoding: "utf8" }).trim()).toBe(`1.1.0 ${commit}`);
    const zip = execFileSync("unzip", ["-Z1", join(dir, ARCHIVES[2]!)], { encoding: "utf8" });
    expect(zip.trim().split("\n")).toEqual(["LICENSE", "README.md", "hello.exe"]);
    const exe = execFileSync("unzip", ["-p", join(dir, ARCHIVES[2]!), "hello.exe"], { maxBuffer: 64 << 20 });
    expect(exe.subarray(0, 2).toString("latin1")).toBe("MZ");
  });

  it("never prints or sends the token anywhere but the Authorization header of GitHub's hosts", async () => {
    const result = await release();
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    for (const r of standin.requests) expect(r.path).not.toContain(TOKEN);
  }, 300_000);
});

describe("pipeline github-release against a GitHub without asset digests", () => {
  let old: GithubApiStandin;
  beforeAll(async () => {
    old = await startGithubApiStandin({ owner: "acme", repo: "hello", token: TOKEN, digests: false });
  });
  afterAll(() => old.close());

  it("hashes existing assets by downloading them, without sending the token to the storage host", async () => {
    const env = { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: old.apiUrl, GITHUB_REPOSITORY: "acme/hello" };
    expect((await runCliAsync(["github-release", "--tag", "v1.1.0"], { cwd: repo, env })).code).toBe(0);
    const before = old.requests.length;
    const again = await runCliAsync(["github-release", "--tag", "v1.1.0"], { cwd: repo, env });
    expect(again.code, again.stderr).toBe(0);
    const calls = old.requests.slice(before);
    const downloads = calls.filter((c) => c.path.startsWith("/download/"));
    expect(downloads).toHaveLength(ASSETS.length);
    for (const d of downloads) expect(d.authorization).toBe("");
    expect(calls.filter((c) => c.method !== "GET")).toEqual([]);
  }, 300_000);
});

describe("pipeline github-release on a fresh repository", () => {
  let fresh: GithubApiStandin;
  beforeAll(async () => {
    fresh = await startGithubApiStandin({ owner: "acme", repo: "hello", token: TOKEN });
  });
  afterAll(() => fresh.close());
  const env = () => ({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: fresh.apiUrl, GITHUB_REPOSITORY: "acme/hello" });

  it("refuses a wrong token in one line, exit 1, without echoing it", async () => {
    const wrong = "ghs_wrongToken987654321";
    const result = await runCliAsync(["github-release", "--tag", "v1.1.0"], {
      cwd: repo,
      env: { ...env(), GITHUB_TOKEN: wrong },
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("HTTP 401: Bad credentials (check GITHUB_TOKEN)");
    expect(result.stdout + result.stderr).not.toContain(wrong);
    expect(fresh.releases).toEqual([]);
  }, 300_000);

  it("refuses an API that redirects to another host: nothing of the release reaches it", async () => {
    const redirector = createServer((req, res) =>
      res.writeHead(307, { location: `${fresh.apiUrl}${req.url}` }).end(),
    );
    await new Promise<void>((r) => redirector.listen(0, "127.0.0.1", r));
    try {
      const before = fresh.requests.length;
      const result = await runCliAsync(["github-release", "--tag", "v1.1.0"], {
        cwd: repo,
        env: {
          ...env(),
          GITHUB_API_URL: `http://localhost:${(redirector.address() as { port: number }).port}`,
        },
      });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(/redirected a request to another host .*; refused/);
      expect(result.stdout + result.stderr).not.toContain(TOKEN);
      expect(fresh.requests.slice(before)).toEqual([]);
      expect(fresh.releases).toEqual([]);
    } finally {
      await new Promise((r) => redirector.close(r));
    }
  }, 300_000);

  it("ends with one published release when two runs race to create it", async () => {
    // Slow uploads: one run's asset is still a "starter" when the other uploads the same name
    // (422 already_exists), which must wait for it instead of failing.
    fresh.slowUploads(1500);
    const [a, b] = await Promise.all([
      runCliAsync(["github-release", "--tag", "v1.1.0", "--out", tempDir("pipeline-out-a-")], {
        cwd: repo,
        env: env(),
      }),
      runCliAsync(["github-release", "--tag", "v1.1.0", "--out", tempDir("pipeline-out-b-")], {
        cwd: repo,
        env: env(),
      }),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(fresh.releases).toHaveLength(1);
    expect(fresh.releases[0]!.draft).toBe(false);
    expect(fresh.releases[0]!.assets.map((x) => x.name).sort()).toEqual(ASSETS);
    fresh.slowUploads(0);
  }, 300_000);
});

describe("pipeline github-release --dry-run", () => {
  it("builds and lists the assets without a token or any request", async () => {
    const result = await runCliAsync(["github-release", "--tag", "v1.1.0", "--dry-run"], {
      cwd: repo,
      env: { GITHUB_TOKEN: "", GITHUB_API_URL: "http://127.0.0.1:9" },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("dry run: 4 assets for v1.1.0");
    for (const name of ASSETS) expect(result.stdout).toContain(name);
  }, 300_000);

  it("writes into --out without deleting what else is there", async () => {
    const out = tempDir("pipeline-out-");
    writeFileSync(join(out, "keep.txt"), "mine");
    const result = await runCliAsync(["github-release", "--tag", "v1.1.0", "--dry-run", "--out", out], {
      cwd: repo,
      env: { GITHUB_TOKEN: "" },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(out, "keep.txt"), "utf8")).toBe("mine");
    for (const name of ASSETS) expect(readFileSync(join(out, name)).length).toBeGreaterThan(0);
  }, 300_000);
});

describe("pipeline github-release --sbom-dir", () => {
  let withSboms: GithubApiStandin;
  let sbomDir: string;
  const SBOMS = ["hello_linux_amd64.spdx.json", "hello_linux_arm64.spdx.json"];
  const spdx = (platform: string, version: string) =>
    `${JSON.stringify({
      spdxVersion: "SPDX-2.3",
      SPDXID: "SPDXRef-DOCUMENT",
      name: `hello ${platform}`,
      packages: [{ name: "golang.org/x/text", versionInfo: version, SPDXID: "SPDXRef-Package-1" }],
    })}\n`;
  beforeAll(async () => {
    withSboms = await startGithubApiStandin({ owner: "acme", repo: "hello", token: TOKEN });
    sbomDir = tempDir("pipeline-sboms-");
    writeFileSync(join(sbomDir, SBOMS[0]!), spdx("linux/amd64", "v0.21.0"));
    writeFileSync(join(sbomDir, SBOMS[1]!), spdx("linux/arm64", "v0.21.0"));
    writeFileSync(join(sbomDir, "notes.txt"), "not an SBOM");
  });
  afterAll(() => withSboms.close());
  const run = () =>
    runCliAsync(["github-release", "--tag", "v1.1.0", "--sbom-dir", sbomDir, "--json"], {
      cwd: repo,
      env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: withSboms.apiUrl, GITHUB_REPOSITORY: "acme/hello" },
    });
  const held = () => Object.fromEntries(withSboms.releases[0]!.assets.map((a) => [a.name, sha256(a.data)]));

  it("publishes the SBOMs as assets, listed in a SHA256SUMS that checks", async () => {
    const result = await run();
    expect(result.code, result.stderr).toBe(0);
    const assets = withSboms.releases[0]!.assets;
    expect(assets.map((a) => a.name).sort()).toEqual([...ASSETS, ...SBOMS].sort());
    const dir = tempDir("pipeline-sbom-assets-");
    for (const asset of assets) writeFileSync(join(dir, asset.name), asset.data);
    execFileSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: dir });
    const listed = readFileSync(join(dir, "SHA256SUMS"), "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split("  ")[1]);
    expect(listed).toEqual([...ARCHIVES, ...SBOMS].sort());
    for (const name of SBOMS)
      expect(readFileSync(join(dir, name))).toEqual(readFileSync(join(sbomDir, name)));
  }, 300_000);

  it("changes nothing on a re-run", async () => {
    const before = withSboms.requests.length;
    const was = held();
    const result = await run();
    expect(result.code, result.stderr).toBe(0);
    expect(withSboms.requests.slice(before).filter((c) => c.method !== "GET")).toEqual([]);
    expect(held()).toEqual(was);
  }, 300_000);

  it("replaces a changed SBOM and SHA256SUMS, keeping the archives", async () => {
    writeFileSync(join(sbomDir, SBOMS[1]!), spdx("linux/arm64", "v0.22.0"));
    const result = await run();
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { release: { uploaded: string[]; kept: string[] } };
    expect(summary.release.uploaded.sort()).toEqual(["SHA256SUMS", SBOMS[1]]);
    expect(summary.release.kept.sort()).toEqual([...ARCHIVES, SBOMS[0]].sort());
    expect(held()[SBOMS[1]!]).toBe(sha256(readFileSync(join(sbomDir, SBOMS[1]!))));
  }, 300_000);

  it("refuses a folder without SBOMs before building anything or calling GitHub", async () => {
    const before = withSboms.requests.length;
    const out = tempDir("pipeline-out-");
    const argv = ["github-release", "--tag", "v1.1.0", "--sbom-dir", tempDir("empty-"), "--out", out];
    const result = await runCliAsync(argv, {
      cwd: repo,
      env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: withSboms.apiUrl, GITHUB_REPOSITORY: "acme/hello" },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("holds no *.spdx.json file");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(withSboms.requests.length).toBe(before);
    expect(existsSync(join(out, "bin"))).toBe(false);
  }, 300_000);
});

describe("pipeline github-release --registry-sboms", () => {
  let gh: GithubApiStandin;
  let registry: TestRegistry;
  let image: string;
  const PLATFORMS = ["linux/amd64", "linux/arm64"];
  // <image>_<version>_<os>_<arch>: the image is pipeline.yaml's `<app>-<binary>`, as published.
  const SBOMS = ["hello-hello_1.1.0_linux_amd64.spdx.json", "hello-hello_1.1.0_linux_arm64.spdx.json"];
  const env = () => ({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.apiUrl, GITHUB_REPOSITORY: "acme/hello" });
  const run = (extra: string[] = [], registryPath = `${registry.host}/acme`) =>
    runCliAsync(
      [
        "github-release",
        "--tag",
        "v1.1.0",
        "--registry-sboms",
        "--registry",
        registryPath,
        "--json",
        ...extra,
      ],
      { cwd: repo, env: env() },
    );
  /** The SBOM layer bytes the registry holds for each platform of the release image. */
  const registryBlobs = async (): Promise<Buffer[]> => {
    const client = new RegistryClient({ host: registry.host });
    const index = JSON.parse((await client.getManifest("acme/hello-hello", "1.1.0"))!.bytes.toString()) as {
      manifests: { digest: string; platform: { architecture: string } }[];
    };
    const blobs = [];
    for (const platform of ["amd64", "arm64"]) {
      const digest = index.manifests.find((m) => m.platform.architecture === platform)!.digest;
      const found = await listReferrers(client, "acme/hello-hello", digest, SPDX_MEDIA_TYPE);
      expect(found.referrers).toHaveLength(1);
      blobs.push(await readArtifactLayer(client, "acme/hello-hello", found.referrers[0]!));
    }
    return blobs;
  };

  beforeAll(async () => {
    gh = await startGithubApiStandin({ owner: "acme", repo: "hello", token: TOKEN });
    registry = await startRegistry();
    // The release image as publish makes it: the repo's own binary, cross-compiled, per platform.
    const images = PLATFORMS.map((platform) => {
      const [os, arch] = platform.split("/");
      const out = join(tempDir("pipeline-hello-bin-"), "hello");
      execFileSync(findTool("go") ?? "go", ["build", "-trimpath", "-o", out, "./cmd/hello"], {
        cwd: join(repo, "src"),
        env: { ...process.env, CGO_ENABLED: "0", GOOS: os, GOARCH: arch, GOFLAGS: "-buildvcs=false" },
        stdio: "pipe",
      });
      return { platform, files: { hello: out } };
    });
    await pushGoImage(registry.host, "acme/hello-hello", "1.1.0", images);
    image = `${registry.host}/acme/hello-hello:1.1.0`;
    // The SBOMs as the release's sign stage attaches them.
    const sbom = await runCliAsync(["sbom", image, "--version", "1.1.0"], { cwd: repo });
    expect(sbom.code, sbom.stderr).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await gh?.close();
    await registry?.remove();
  });

  it("publishes each platform's SBOM, byte for byte as the registry holds it, listed in SHA256SUMS", async () => {
    const result = await run();
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      sboms: { name: string; image: string; platform: string; artifact: string }[];
    };
    expect(summary.sboms.map((s) => `${s.name} ${s.image} ${s.platform}`)).toEqual([
      `${SBOMS[0]} ${image} linux/amd64`,
      `${SBOMS[1]} ${image} linux/arm64`,
    ]);
    const assets = gh.releases[0]!.assets;
    expect(assets.map((a) => a.name).sort()).toEqual([...ASSETS, ...SBOMS].sort());
    const blobs = await registryBlobs();
    for (const [i, name] of SBOMS.entries())
      expect(assets.find((a) => a.name === name)!.data.equals(blobs[i]!)).toBe(true);
    const dir = tempDir("pipeline-registry-sbom-assets-");
    for (const asset of assets) writeFileSync(join(dir, asset.name), asset.data);
    execFileSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: dir });
    const listed = readFileSync(join(dir, "SHA256SUMS"), "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split("  ")[1]);
    expect(listed).toEqual([...ARCHIVES, ...SBOMS].sort());
    expect(gh.releases[0]!.draft).toBe(false);
  }, 300_000);

  it("changes nothing on a re-run", async () => {
    const before = gh.requests.length;
    const was = Object.fromEntries(gh.releases[0]!.assets.map((a) => [a.name, sha256(a.data)]));
    const result = await run();
    expect(result.code, result.stderr).toBe(0);
    expect(gh.requests.slice(before).filter((c) => c.method !== "GET")).toEqual([]);
    expect(Object.fromEntries(gh.releases[0]!.assets.map((a) => [a.name, sha256(a.data)]))).toEqual(was);
  }, 300_000);

  it("refuses a release image without an SBOM before building anything or calling GitHub", async () => {
    // A single-platform image of the release, never given an SBOM.
    await pushTestImage(registry.host, {
      repository: "bare/hello-hello",
      tag: "1.1.0",
      architecture: "arm64",
    });
    const before = gh.requests.length;
    const out = tempDir("pipeline-out-");
    const result = await run(["--out", out], `${registry.host}/bare`);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(
      `--registry-sboms: no SBOM attached to ${registry.host}/bare/hello-hello:1.1.0 linux/arm64; attach them first (pipeline sbom ${registry.host}/bare/hello-hello:1.1.0 --version 1.1.0)`,
    );
    expect(gh.requests.length).toBe(before);
    expect(existsSync(join(out, "bin"))).toBe(false);
  }, 300_000);

  it("reads a password-protected registry with REGISTRY_USERNAME/REGISTRY_PASSWORD, never printing the password", async () => {
    const password = "registry-Pa55-for-the-release";
    const secured = await startRegistry({ auth: { username: "ci", password } });
    try {
      const client = new RegistryClient({ host: secured.host, credentials: { username: "ci", password } });
      // One platform, and an SBOM attached by another tool: the release carries its bytes as they are.
      const pushed = await pushTestImage(
        secured.host,
        { repository: "acme/hello-hello", tag: "1.1.0", architecture: "amd64", format: "oci" },
        client,
      );
      const document = Buffer.from('{"spdxVersion":"SPDX-2.3","name":"from another tool"}\n');
      await attachArtifact(
        client,
        "acme/hello-hello",
        { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: pushed.digest, size: pushed.size },
        { artifactType: SPDX_MEDIA_TYPE, mediaType: SPDX_MEDIA_TYPE, bytes: document },
      );
      const argv = [
        "github-release",
        "--tag",
        "v1.1.0",
        "--registry-sboms",
        "--registry",
        `${secured.host}/acme`,
      ];
      const result = await runCliAsync([...argv, "--dry-run", "--json", "--out", tempDir("pipeline-out-")], {
        cwd: repo,
        env: { REGISTRY_USERNAME: "ci", REGISTRY_PASSWORD: password },
      });
      expect(result.code, result.stderr).toBe(0);
      const summary = JSON.parse(result.stdout) as { assets: { name: string; sha256: string }[] };
      const sbom = summary.assets.find((a) => a.name === "hello-hello_1.1.0_linux_amd64.spdx.json");
      expect(sbom?.sha256).toBe(sha256(document));
      expect(result.stdout + result.stderr).not.toContain(password);
      const refused = await runCliAsync([...argv, "--dry-run"], {
        cwd: repo,
        env: { REGISTRY_PASSWORD: "" },
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    } finally {
      await secured.remove();
    }
  }, 300_000);

  it("refuses --sbom-dir with --registry-sboms: one source of SBOMs", async () => {
    const result = await run(["--sbom-dir", tempDir("pipeline-sboms-")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--sbom-dir and --registry-sboms");
  });
});
