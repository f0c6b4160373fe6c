import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  discoverBinaries,
  findRepoRoot,
  goSourceOf,
  loadConfig,
  parseConfigText,
} from "../../src/adapters/config/config-file.js";
import { readGithubEvent } from "../../src/adapters/release/git-context.js";
import { checkPlanFlags } from "../../src/adapters/release/plan-source.js";
import { resolveConfig } from "../../src/core/config/config.js";
import { parseYamlInput } from "../../src/core/config/yaml-input.js";
import { UsageError } from "../../src/core/errors.js";
import { previewNamespace } from "../../src/core/gitops/preview.js";
import { setValue } from "../../src/core/gitops/yaml-edit.js";
import { classifyEvent } from "../../src/core/release/event.js";
import { imageTag, perArchTag } from "../../src/core/release/names.js";

const dirs: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "pipeline-hostile-unit-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const resolve = (raw: unknown) => resolveConfig(raw, "pipeline.yaml", ["api", "worker"]);

/** Asserts a usage error whose message is one line, mentions `expected`, and leaks none of `hidden`. */
function expectUsage(run: () => unknown, expected: RegExp | string, hidden: string[] = []): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(UsageError);
  const message = (caught as Error).message;
  expect(message).toMatch(expected);
  expect(message).not.toContain("\n");
  expect(message.length).toBeLessThan(600);
  for (const secret of hidden) expect(message).not.toContain(secret);
}

describe("resolveConfig refuses hostile values with one line naming the key", () => {
  const long = "a".repeat(1_000_000);
  it.each([
    ["a 1 MB app name", { app: long }, /app: is 1000000 characters long/],
    ["an app name over 53", { app: "a".repeat(54) }, /app:/],
    ["an uppercase app", { app: "Shop" }, /app: "Shop" is not a lowercase DNS label/],
    ["a newline in the app", { app: "a\nb" }, /app: "a\\nb"/],
    ["a registry with a space", { app: "a", image: { registry: "ghcr.io/acme corp" } }, /image\.registry/],
    [
      "a registry with a scheme",
      { app: "a", image: { registry: "https://ghcr.io/acme" } },
      /image\.registry/,
    ],
    ["an uppercase registry", { app: "a", image: { registry: "GHCR.io/acme" } }, /image\.registry/],
    [
      "an insecure registry with a scheme",
      { app: "a", image: { insecureRegistries: ["http://r:5000"] } },
      /insecureRegistries\[0\]/,
    ],
    [
      "a chart registry without oci://",
      { app: "a", chart: { registry: "https://x/charts" } },
      /chart\.registry/,
    ],
    [
      "an uppercase namespace",
      { app: "a", environments: { staging: { namespace: "Staging" } } },
      /environments\.staging\.namespace/,
    ],
    [
      "a 100-character namespace",
      { app: "a", environments: { staging: { namespace: "a".repeat(100) } } },
      /namespace/,
    ],
    [
      "a default namespace over 63",
      { app: "a".repeat(50), environments: { ["s".repeat(20)]: {} } },
      /namespace/,
    ],
    [
      "a branch that is an option",
      { app: "a", gitops: { branch: "--upload-pack=touch /tmp/x" } },
      /gitops\.branch/,
    ],
    ["a branch with ..", { app: "a", gitops: { branch: "a..b" } }, /gitops\.branch/],
    [
      "a base image with a newline",
      { app: "a", image: { base: "alpine\nRUN rm -rf /" } },
      /image\.base: "alpine\\nRUN rm -rf \/"/,
    ],
    ["a base image with a command", { app: "a", image: { base: "alpine; rm -rf /" } }, /image\.base/],
    [
      "a package with a command",
      { app: "a", image: { packages: ["curl; rm -rf /"] } },
      /image\.packages\[0\]/,
    ],
    [
      "a package with a newline",
      { app: "a", image: { packages: ["tzdata\nRUN evil"] } },
      /image\.packages\[0\]/,
    ],
    ["a package with a substitution", { app: "a", image: { packages: ["$(id)"] } }, /image\.packages\[0\]/],
    ["a user with a command", { app: "a", image: { user: "root; id" } }, /image\.user/],
    [
      "a newline in authorEmail",
      { app: "a", gitops: { authorEmail: "a@b\nPipeline-Env: prod" } },
      /gitops\.authorEmail/,
    ],
    [
      "a newline in authorName",
      { app: "a", gitops: { authorName: "x\nPipeline-Env: prod" } },
      /gitops\.authorName/,
    ],
    ["go.source absolute", { app: "a", go: { source: "/etc" } }, /go\.source: "\/etc" must be relative/],
    ["go.source up three", { app: "a", go: { source: "../../.." } }, /go\.source: .* must not contain \.\./],
    ["chart.path escaping", { app: "a", chart: { path: "../../etc" } }, /chart\.path/],
    ["chart.path absolute", { app: "a", chart: { path: "/etc" } }, /chart\.path/],
    ["gitops.path ..", { app: "a", gitops: { path: ".." } }, /gitops\.path/],
    ["gitops.path ../escape", { app: "a", gitops: { path: "../escape" } }, /gitops\.path/],
    [
      "preview.valuesFile escaping",
      { app: "a", preview: { valuesFile: "../../outside.yaml" } },
      /preview\.valuesFile/,
    ],
    [
      "preview.valuesFile absolute",
      { app: "a", preview: { valuesFile: "/etc/passwd" } },
      /preview\.valuesFile/,
    ],
    [
      "a preview template that is no DNS label",
      { app: "a", preview: { namespace: "PR-{pr}" } },
      /preview\.namespace/,
    ],
    [
      "go.binaries.__proto__",
      { app: "a", go: { binaries: JSON.parse('{"__proto__": {"image": false}}') } },
      /go\.binaries\.__proto__: is a reserved name/,
    ],
    [
      "go.binaries.constructor",
      { app: "a", go: { binaries: { constructor: {} } } },
      /go\.binaries\.constructor: is a reserved name/,
    ],
    [
      "environments.__proto__",
      { app: "a", environments: JSON.parse('{"__proto__": {}}') },
      /environments\.__proto__/,
    ],
    [
      "a gitops repo running ext::",
      { app: "a", gitops: { repo: "ext::sh -c touch% /tmp/pwned" } },
      /gitops\.repo/,
    ],
    ["a gitops repo that is an option", { app: "a", gitops: { repo: "--upload-pack=id" } }, /gitops\.repo/],
    [
      "a source URL with credentials",
      { app: "a", source: { url: "https://u:pw@github.com/x" } },
      /source\.url/,
    ],
    [
      "a rule name with a newline",
      { app: "a", rules: [{ name: "x\ny", stages: ["lint"] }] },
      /rules\[0\]\.name/,
    ],
    ["a version that is not semver", { app: "a", versioning: { initial: "1.0" } }, /versioning\.initial/],
    [
      "an ldflags package with a space",
      { app: "a", go: { ldflagsPackage: "main -X evil=1" } },
      /go\.ldflagsPackage/,
    ],
    ["a 1 MB unknown key", { app: "a", [long]: 1 }, /unknown key/],
    ["an unknown key with control characters", { app: "a", "x\u001b[2J": 1 }, /"x\\u001b\[2J": unknown key/],
    [
      "coverage at infinity",
      { app: "a", coverage: { minimum: Number.POSITIVE_INFINITY } },
      /coverage\.minimum/,
    ],
    [
      "the top level as a string",
      "REGISTRY_PASSWORD=hunter2-secret",
      /\(top level\): must be a mapping, got a string \(/,
    ],
    ["the top level as a list", ["a", "b"], /\(top level\): must be a mapping, got a list/],
  ])("%s", (_name, raw, expected) => {
    expectUsage(() => resolve(raw), expected, ["hunter2-secret", "a".repeat(200)]);
  });

  it("refuses credentials in gitops.repo and prints the URL without them", () => {
    expectUsage(
      () => resolve({ app: "a", gitops: { repo: "https://bot:s3cret@host/x.git" } }),
      /gitops\.repo: "https:\/\/host\/x\.git" must not carry credentials/,
      ["s3cret", "bot:"],
    );
  });

  it("accepts an ssh URL with an account name and a local path", () => {
    expect(resolve({ app: "a", gitops: { repo: "ssh://git@github.com/acme/x.git" } }).gitops.repo).toMatch(
      /^ssh:/,
    );
    expect(resolve({ app: "a", gitops: { repo: "/srv/gitops.git" } }).gitops.repo).toBe("/srv/gitops.git");
  });

  it("keeps environments free of prototype lookups", () => {
    const config = resolve({ app: "a" });
    for (const name of ["constructor", "__proto__", "toString"]) {
      expect(config.environments[name]).toBeUndefined();
      expectUsage(() => checkPlanFlags({ env: name }, config), /--env .* is not an environment/);
    }
  });
});

describe("YAML input", () => {
  it("refuses a billion-laughs document in one line with where the aliases start", () => {
    const laughs = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      ...["b", "c", "d", "e", "f", "g"].map(
        (k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdefg"[i]}`).join(",")}]`,
      ),
    ].join("\n");
    expectUsage(
      () => parseYamlInput(laughs, "pipeline.yaml", "fix it"),
      /^pipeline\.yaml:2:\d+: too many YAML aliases/,
    );
  });

  it("names line and column of a syntax error", () => {
    expectUsage(
      () => parseYamlInput("app: a\n\tbad: [\n", "pipeline.yaml", "fix it"),
      /^pipeline\.yaml:2:1: not valid YAML/,
    );
  });
});

describe("pipeline.yaml on disk", () => {
  const secretFile = (): string => {
    const outside = scratch();
    writeFileSync(
      join(outside, "environ"),
      "REGISTRY_PASSWORD=hunter2-secret\u0000GITOPS_TOKEN=tok-secret\n",
    );
    return join(outside, "environ");
  };

  it.each([
    [
      "a symlink to a file outside the repo",
      (dir: string) => symlinkSync(secretFile(), join(dir, "pipeline.yaml")),
      /symlink that leaves the repository/,
    ],
    [
      "a symlink to /proc/self/environ",
      (dir: string) => symlinkSync("/proc/self/environ", join(dir, "pipeline.yaml")),
      /symlink that leaves the repository/,
    ],
    [
      "a symlink to /etc/shadow",
      (dir: string) => symlinkSync("/etc/shadow", join(dir, "pipeline.yaml")),
      /symlink that leaves the repository/,
    ],
    [
      "a dangling symlink",
      (dir: string) => symlinkSync(join(dir, "nothing"), join(dir, "pipeline.yaml")),
      /symlink to nothing/,
    ],
    [
      "a symlink loop",
      (dir: string) => {
        symlinkSync(join(dir, "b.yaml"), join(dir, "pipeline.yaml"));
        symlinkSync(join(dir, "pipeline.yaml"), join(dir, "b.yaml"));
      },
      /is a symlink loop/,
    ],
    [
      "a directory",
      (dir: string) => mkdirSync(join(dir, "pipeline.yaml")),
      /is a directory, not a regular file/,
    ],
    [
      "a file over the cap",
      (dir: string) => writeFileSync(join(dir, "pipeline.yaml"), `app: a\n#${"x".repeat(300_000)}\n`),
      /more than the 262144 allowed/,
    ],
    ["a file that is missing", () => undefined, /file not found/],
  ])("refuses %s without echoing content", (_name, setup, expected) => {
    const dir = scratch();
    setup(dir);
    expectUsage(() => loadConfig(join(dir, "pipeline.yaml")), expected, ["hunter2-secret", "tok-secret"]);
  });

  it("accepts a symlink to a regular file inside the repo", () => {
    const dir = scratch();
    writeFileSync(join(dir, "real.yaml"), "app: a\ngo:\n  source: .\n");
    symlinkSync("real.yaml", join(dir, "pipeline.yaml"));
    mkdirSync(join(dir, "cmd", "api"), { recursive: true });
    writeFileSync(join(dir, "cmd", "api", "main.go"), "package main\n");
    expect(loadConfig(join(dir, "pipeline.yaml")).app).toBe("a");
  });

  it.each([
    ["cmd is a file", (dir: string) => writeFileSync(join(dir, "cmd"), "x"), /cmd: is a file, not a folder/],
    [
      "a dangling symlink in cmd/",
      (dir: string) => {
        mkdirSync(join(dir, "cmd"));
        symlinkSync(join(dir, "none"), join(dir, "cmd", "api"));
      },
      /cmd\/api: is a symlink to nothing/,
    ],
    [
      "cmd/x pointing at /etc",
      (dir: string) => {
        mkdirSync(join(dir, "cmd"));
        symlinkSync("/etc", join(dir, "cmd", "x"));
      },
      /cmd\/x: leaves the repository/,
    ],
    ["cmd pointing at /", (dir: string) => symlinkSync("/", join(dir, "cmd")), /cmd: leaves the repository/],
  ])("refuses %s in one line", (_name, setup, expected) => {
    const dir = scratch();
    setup(dir);
    expectUsage(() => discoverBinaries(dir, "."), expected);
  });

  it("refuses a binary folder that cannot be an image name", () => {
    const dir = scratch();
    writeFileSync(join(dir, "pipeline.yaml"), "app: a\ngo:\n  source: .\n");
    mkdirSync(join(dir, "cmd", "Bad Name"), { recursive: true });
    writeFileSync(join(dir, "cmd", "Bad Name", "main.go"), "package main\n");
    expectUsage(
      () => loadConfig(join(dir, "pipeline.yaml")),
      /cmd\/"Bad Name": binary folder names become image names/,
    );
  });

  it("stops at a dangling pipeline.yaml instead of climbing to a parent's", () => {
    const parent = scratch();
    writeFileSync(join(parent, "pipeline.yaml"), "app: parent\n");
    const child = join(parent, "child");
    mkdirSync(child);
    symlinkSync(join(child, "gone.yaml"), join(child, "pipeline.yaml"));
    expect(findRepoRoot(child)).toBe(child);
  });

  it("caps config text read through the engine", () => {
    expectUsage(() => parseConfigText(`app: a\n#${"x".repeat(300_000)}`, "pipeline.yaml"), /larger than/);
  });

  it("checks go.source before listing anything under it", () => {
    expectUsage(() => goSourceOf({ go: { source: "/etc" } }), /go\.source: "\/etc" must be relative/);
    expectUsage(() => goSourceOf({ go: { source: "../../.." } }), /go\.source/);
  });
});

describe("refs and events", () => {
  const git = { sha: "1111111aaaaaaa", branch: "main" };
  it.each([
    [
      "--sha with a trailer",
      { sha: "abc1234\nPipeline-Rollback: true" },
      {},
      {},
      /^--sha "abc1234\\nPipeline-Rollback: true" is not a commit sha/,
    ],
    ["--ref with a newline", { ref: "refs/heads/a\nb" }, {}, {}, /^--ref "refs\/heads\/a\\nb"/],
    ["--ref naming an option branch", { ref: "refs/heads/-x" }, {}, {}, /branch git would refuse/],
    [
      "a huge --ref pull request",
      { ref: "refs/pull/99999999999999999999/merge" },
      {},
      {},
      /pull request number/,
    ],
    ["a huge --pr", { pr: 1e22 }, {}, {}, /--pr 1e\+22 is not a pull request number/],
    [
      "GITHUB_SHA with a command",
      {},
      { GITHUB_ACTIONS: "true", GITHUB_REF: "refs/heads/main", GITHUB_SHA: "$(id)" },
      {},
      /^GITHUB_SHA "\$\(id\)" is not a commit sha/,
    ],
    [
      "CI_COMMIT_SHA with a command",
      {},
      { GITLAB_CI: "true", CI_COMMIT_BRANCH: "main", CI_COMMIT_SHA: "abc;id" },
      {},
      /^CI_COMMIT_SHA/,
    ],
    [
      "the event file's head sha",
      {},
      { GITHUB_ACTIONS: "true", GITHUB_REF: "refs/pull/1/merge" },
      { prNumber: 1, prHeadSha: "nope" },
      /pull_request\.head\.sha/,
    ],
    [
      "a huge CI_MERGE_REQUEST_IID",
      {},
      { GITLAB_CI: "true", CI_MERGE_REQUEST_IID: "1".repeat(30), CI_COMMIT_SHA: "abc1234" },
      {},
      /^CI_MERGE_REQUEST_IID/,
    ],
    [
      "a CI_COMMIT_TAG with a newline",
      {},
      { GITLAB_CI: "true", CI_COMMIT_TAG: "v1.0.0\nx", CI_COMMIT_SHA: "abc1234" },
      {},
      /^CI_COMMIT_TAG "refs\/tags\/v1\.0\.0\\nx"/,
    ],
    [
      "a GITHUB_REF with ..",
      {},
      { GITHUB_ACTIONS: "true", GITHUB_REF: "refs/heads/a..b", GITHUB_SHA: "abc1234" },
      {},
      /^GITHUB_REF/,
    ],
  ])("refuses %s", (_name, flags, env, github, expected) => {
    expectUsage(() => classifyEvent(flags, env, git, github), expected);
  });

  it("accepts a SHA-256 commit id", () => {
    expect(classifyEvent({ sha: "a".repeat(64) }, {}, git).sha).toBe("a".repeat(64));
  });

  it("makes a prerelease with build metadata a valid OCI tag", () => {
    const event = classifyEvent({ ref: "refs/tags/v1.2.3-rc.1+build", sha: "abc1234" }, {}, git);
    expect(imageTag(event)).toBe("v1.2.3-rc.1_build");
  });

  it("keeps a long prerelease and its per-arch tags within 128 characters", () => {
    const event = classifyEvent({ ref: `refs/tags/v1.2.3-${"x".repeat(150)}`, sha: "abc1234" }, {}, git);
    const tag = imageTag(event);
    expect(tag).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/);
    expect(perArchTag(tag, "linux/arm/v7").length).toBeLessThanOrEqual(128);
  });

  it("refuses a preview namespace for an unsafe number", () => {
    expectUsage(() => previewNamespace("preview-{pr}", 1e22), /pull request/);
    expectUsage(() => previewNamespace("preview-{pr}", Number.POSITIVE_INFINITY), /pull request/);
    expect(previewNamespace("preview-{pr}", 42)).toBe("preview-42");
  });
});

describe("the GitHub event file", () => {
  const write = (text: string): string => {
    const file = join(scratch(), "event.json");
    writeFileSync(file, text);
    return file;
  };

  it.each([
    [
      "malformed JSON",
      () => write("{ not json REGISTRY_PASSWORD=hunter2-secret"),
      /^GITHUB_EVENT_PATH: the event file is not valid JSON/,
    ],
    ["a JSON list", () => write("[1]"), /not a JSON object/],
    [
      "a huge PR number",
      () => write('{"pull_request":{"number":1e22,"head":{"sha":"abc1234"}}}'),
      /pull_request\.number 1e\+22/,
    ],
    ["a fractional PR number", () => write('{"pull_request":{"number":1.5}}'), /pull_request\.number 1\.5/],
    [
      "a head sha with a newline",
      () => write('{"pull_request":{"number":1,"head":{"sha":"abc1234\\nx"}}}'),
      /pull_request\.head\.sha "abc1234\\nx"/,
    ],
    ["a directory", () => scratch(), /is a directory/],
  ])("refuses %s in one line", (_name, make, expected) => {
    expectUsage(() => readGithubEvent({ GITHUB_EVENT_PATH: make() }), expected, ["hunter2-secret"]);
  });

  it("refuses a symlink to the process environment", () => {
    const dir = scratch();
    symlinkSync("/proc/self/environ", join(dir, "event.json"));
    expectUsage(
      () => readGithubEvent({ GITHUB_EVENT_PATH: join(dir, "event.json") }),
      /leaves the repository|not valid JSON/,
    );
  });

  it("reads a well-formed pull request", () => {
    const file = write('{"pull_request":{"number":42,"head":{"sha":"abcdef1"}}}');
    expect(readGithubEvent({ GITHUB_EVENT_PATH: file })).toEqual({ prNumber: 42, prHeadSha: "abcdef1" });
  });
});

describe("values files whose shape does not fit the key", () => {
  it.each([
    ["images.api as a list", "images:\n  api: [a, b]\n", /images\.api is a list, not a mapping/],
    ["images as a list", "images: [1]\n", /images is a list, not a mapping/],
    ["the top level as a list", "- a\n", /the top level is a list/],
    ["images as an alias", "a: &x {api: {tag: 1}}\nimages: *x\n", /YAML alias/],
  ])("refuses %s in one line", (_name, text, expected) => {
    expectUsage(() => setValue(text, "images.api.tag", "1.2.3", "values.yaml"), expected);
  });

  it("fills an empty parent", () => {
    expect(setValue("images:\n", "images.api.tag", "1.2.3", "values.yaml")).toBe(
      "images:\n  api:\n    tag: 1.2.3\n",
    );
  });
});
