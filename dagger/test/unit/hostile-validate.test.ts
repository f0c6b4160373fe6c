import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import {
  escapeControl,
  hasCredentials,
  isAuthorName,
  isDnsLabel,
  isEmail,
  isGitBranchName,
  isHelmChartName,
  isHexSha,
  isImageReference,
  isInside,
  isOciRegistryUrl,
  isOciTag,
  isPackageSpec,
  isRegistry,
  isSemver,
  ownValue,
  parsePrNumber,
  redactLine,
  redactUrl,
  relativePathProblem,
  requireNoUserInfo,
  requireSha,
  safeEcho,
  secretValues,
  toOciTag,
} from "../../src/core/validate.js";

describe("safeEcho", () => {
  it.each([
    ["a short string as written, quoted", "abc", '"abc"'],
    ["a newline escaped", "a\nb", '"a\\nb"'],
    ["a NUL escaped", "A=1\u0000B=2", '"A=1\\u0000B=2"'],
    ["an escape sequence escaped", "\u001b[31mred", '"\\u001b[31mred"'],
    ["a bidi override escaped", "abc\u202edef", '"abc\\u202edef"'],
    ["a quote escaped", 'say "hi"', '"say \\"hi\\""'],
    ["a number as written", 3, "3"],
    ["a list by its type", ["REGISTRY_PASSWORD=x"], "a list"],
    ["a mapping by its type", { a: "secret" }, "a mapping"],
    ["null by its type", null, "null"],
  ])("shows %s", (_name, value, expected) => {
    expect(safeEcho(value)).toBe(expected);
  });

  it("cuts a long value to about 80 characters", () => {
    const echoed = safeEcho("x".repeat(1_000_000));
    expect(echoed.length).toBeLessThanOrEqual(84);
    expect(echoed.endsWith('…"')).toBe(true);
  });
});

describe("escapeControl", () => {
  it("keeps one value on one line", () => {
    expect(escapeControl("line1\nline2\r\tx\u2028y")).toBe("line1\\nline2\\r\\tx\\u2028y");
  });
});

describe("boundary grammars", () => {
  it.each([
    [
      "OCI tag",
      isOciTag,
      ["1.2.3", "v1.2.0-rc.1", "sha-abc1234", "_x", "a".repeat(128)],
      ["", "a b", "../../etc", "X:Y", "1.2.3+build", "-x", ".x", "a".repeat(129), "a\nb"],
    ],
    [
      "DNS label",
      isDnsLabel,
      ["staging", "preview-42", "a", "a".repeat(63)],
      ["", "Staging", "-a", "a-", "a_b", "a.b", "a".repeat(64), "constructor\n"],
    ],
    [
      "hex sha",
      isHexSha,
      ["abc1234", "a".repeat(40), "f".repeat(64)],
      [
        "abc123",
        "ABC1234",
        "$(id)",
        "abc1234\nPipeline-Rollback: true",
        "a".repeat(41),
        "a".repeat(65),
        "g123456",
      ],
    ],
    [
      "Helm chart name",
      isHelmChartName,
      ["sample-app", "a", "app2"],
      ["../sample-app-api", "Sample", "a/b", "a_b", "-a", "a..b", ""],
    ],
    [
      "semver",
      isSemver,
      ["1.2.3", "1.2.3-rc.1", "1.2.3+build.5", "0.0.0-pr-42-abc1234"],
      ["1.0", "v1.2.3", "not a version", "01.2.3", "1.2.3\n", ""],
    ],
    [
      "git branch name",
      isGitBranchName,
      ["main", "feat/x", "release/1.2", "HEAD"],
      [
        "--upload-pack=x",
        "-main",
        "a..b",
        "a b",
        "a~1",
        "a^",
        "a:b",
        "a\nb",
        ".hidden",
        "a/.b",
        "a.lock",
        "a/",
        "/a",
        "a//b",
        "@",
        "a@{1}",
        "",
      ],
    ],
    [
      "registry",
      isRegistry,
      ["ghcr.io/acme", "localhost:5001", "registry.lan:5000/team/x"],
      [
        "ghcr.io/acme corp",
        "https://ghcr.io/acme",
        "GHCR.io/acme",
        "ghcr.io/Acme",
        "",
        "ghcr.io/acme/",
        "host:port",
      ],
    ],
    [
      "oci registry URL",
      isOciRegistryUrl,
      ["oci://ghcr.io/acme/charts", "oci://localhost:5001/charts"],
      ["ghcr.io/acme", "oci://Host/x", "https://x", "oci://a b", "oci://u:p@host/x"],
    ],
    [
      "image reference",
      isImageReference,
      [
        "alpine:3.20",
        "gcr.io/distroless/static-debian12:nonroot",
        `debian@sha256:${"a".repeat(64)}`,
        "localhost:5001/x/y:1",
      ],
      ["alpine\nRUN rm -rf /", "alpine; rm -rf /", "alpine:3.20 AS x", "$(id)", "", "Alpine"],
    ],
    [
      "package spec",
      isPackageSpec,
      ["tzdata", "ca-certificates", "libstdc++", "curl=8.5.0-r0"],
      ["curl; rm -rf /", "tzdata\nRUN evil", "$(id)", "a b", "a>b", "`id`", "", "-y"],
    ],
    [
      "email",
      isEmail,
      ["bot@acme.dev", "pipeline-bot@users.noreply.github.com"],
      ["a@b\nPipeline-Env: prod", "no-at", "a b@c", "<a@b>", ""],
    ],
    ["author name", isAuthorName, ["release-bot", "Jane Doe"], ["x\ny", "a <b@c>", "", " ", "a".repeat(101)]],
  ] as const)("%s accepts the valid and refuses the rest", (_name, test, good, bad) => {
    for (const value of good) expect(test(value), JSON.stringify(value)).toBe(true);
    for (const value of bad) expect(test(value), JSON.stringify(value)).toBe(false);
  });
});

describe("toOciTag", () => {
  it.each([
    ["v1.2.3-rc.1+build", "v1.2.3-rc.1_build"],
    ["1.2.3", "1.2.3"],
    ["v1.2.0-rc.1", "v1.2.0-rc.1"],
    ["-x", "x"],
    ["a b/c", "a-b-c"],
    ["", "unnamed"],
  ])("makes %j the valid tag %j", (input, expected) => {
    expect(toOciTag(input)).toBe(expected);
    expect(isOciTag(toOciTag(input))).toBe(true);
  });

  it("cuts a long prerelease to 128 characters or the given maximum", () => {
    const long = `v1.2.3-${"rc".repeat(100)}`;
    expect(toOciTag(long)).toHaveLength(128);
    expect(toOciTag(long, 120).length).toBeLessThanOrEqual(120);
  });
});

describe("pull request numbers", () => {
  it.each([
    ["42", 42],
    [42, 42],
    ["9007199254740991", 9007199254740991],
    ["10000000000000000000000", null],
    [1e22, null],
    ["0", null],
    ["-1", null],
    ["1.5", null],
    ["042", null],
    [Number.POSITIVE_INFINITY, null],
    ["", null],
  ])("parses %j as %j", (input, expected) => {
    expect(parsePrNumber(input)).toBe(expected);
  });
});

describe("own-property lookups", () => {
  it.each(["constructor", "__proto__", "toString", "hasOwnProperty"])("finds nothing for %s", (key) => {
    expect(ownValue({ staging: 1 }, key)).toBeUndefined();
  });
  it("finds an own key", () => {
    expect(ownValue({ staging: 1 }, "staging")).toBe(1);
  });
});

describe("relative paths", () => {
  it.each([
    ["src", null],
    ["helm/sample-app", null],
    ["./src", null],
    ["/etc", /absolute/],
    ["..", /\.\./],
    ["../../..", /\.\./],
    ["a/../../b", /\.\./],
    ["a/..", /\.\./],
    ["", /empty/],
    ["a\\..\\b", /separator/],
    ["a\nb", /control/],
    ["C:/x", /absolute/],
  ])("%j: %s", (path, problem) => {
    const found = relativePathProblem(path);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });

  it("allows an empty path only when asked", () => {
    expect(relativePathProblem("", true)).toBeNull();
  });

  it.each([
    ["/r", "/r", true],
    ["/r", "/r/a/b", true],
    ["/r", "/r/../x", false],
    ["/r", "/rx", false],
    ["/r", "/", false],
  ])("isInside(%j, %j) is %s", (root, target, inside) => {
    expect(isInside(root, target)).toBe(inside);
  });
});

describe("URLs with credentials", () => {
  it.each([
    ["https://bot:s3cret@host/x.git", true, "https://host/x.git"],
    ["https://fake-token@github.com/x.git", true, "https://github.com/x.git"],
    ["http://u:p@h/x", true, "http://h/x"],
    ["ssh://git@host/x.git", false, "ssh://host/x.git"],
    ["ssh://git:pw@host/x.git", true, "ssh://host/x.git"],
    ["git@github.com:acme/x.git", false, "git@github.com:acme/x.git"],
    ["bot:s3cret@github.com:acme/x.git", true, "github.com:acme/x.git"],
    ["https://github.com/acme/x.git", false, "https://github.com/acme/x.git"],
    ["/srv/gitops.git", false, "/srv/gitops.git"],
  ])("%s: credentials %s, printed as %s", (url, credentials, printed) => {
    expect(hasCredentials(url)).toBe(credentials);
    expect(redactUrl(url)).toBe(printed);
  });

  it("refuses a URL with a password without echoing it", () => {
    expect(() => requireNoUserInfo("https://bot:s3cret@host/x.git", "gitops.repo")).toThrow(UsageError);
    try {
      requireNoUserInfo("https://bot:s3cret@host/x.git", "gitops.repo");
    } catch (error) {
      expect((error as Error).message).not.toContain("s3cret");
      expect((error as Error).message).toContain("https://host/x.git");
    }
  });
});

describe("requireSha", () => {
  it("names the source and escapes the value", () => {
    expect(() => requireSha("abc1234\nPipeline-Rollback: true", "GITHUB_SHA")).toThrow(
      /^GITHUB_SHA "abc1234\\nPipeline-Rollback: true" is not a commit sha/,
    );
  });
});

describe("redactLine", () => {
  const env = {
    REGISTRY_PASSWORD: "reg-pa55-word",
    GITOPS_TOKEN: "tok-123456",
    HOME: "/home/x",
    X_TOKEN: "abc",
    GIT_AUTHOR_NAME: "Test Author",
  };

  it("collects the values of secret-looking variables, never short ones", () => {
    expect(secretValues(env).sort()).toEqual(["reg-pa55-word", "tok-123456"]);
  });

  it("hides secrets and URL credentials and keeps one line", () => {
    const line = redactLine(
      "failed: tok-123456 at https://bot:pw@host/x\nREGISTRY_PASSWORD=reg-pa55-word",
      secretValues(env),
    );
    expect(line).toBe("failed: *** at https://host/x\\nREGISTRY_PASSWORD=***");
  });

  it("cuts a long message", () => {
    expect(redactLine("x".repeat(5000), [], 100)).toHaveLength(101);
  });
});
