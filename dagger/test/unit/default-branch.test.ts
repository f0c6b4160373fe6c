import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { detectDefaultBranch, parseOriginHead } from "../../src/adapters/release/default-branch.js";
import { removeTempDirs, tempDir } from "../support/temp.js";

afterAll(removeTempDirs);

describe("the checkout's default branch", () => {
  it.each([
    ["ref: refs/remotes/origin/master\n", "master"],
    ["ref: refs/remotes/origin/release/2.x\n", "release/2.x"],
    ["ref: refs/remotes/origin/HEAD\n", undefined],
    ["0123456789abcdef0123456789abcdef01234567\n", undefined],
    ["", undefined],
  ])("reads %j as %s", (text, branch) => {
    expect(parseOriginHead(text)).toBe(branch);
  });

  it.each([
    ["origin/HEAD in .git", true, {}, "master"],
    ["GitLab's CI_DEFAULT_BRANCH without origin/HEAD", false, { CI_DEFAULT_BRANCH: "trunk" }, "trunk"],
    ["neither", false, {}, undefined],
  ])("finds it from %s", (_, withOriginHead, env, branch) => {
    const root = tempDir();
    mkdirSync(join(root, ".git", "refs", "remotes", "origin"), { recursive: true });
    if (withOriginHead)
      writeFileSync(
        join(root, ".git", "refs", "remotes", "origin", "HEAD"),
        "ref: refs/remotes/origin/master\n",
      );
    expect(detectDefaultBranch(root, env)).toBe(branch);
  });
});
