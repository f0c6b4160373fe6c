/**
 * test.tools on the host runner, for real: a program from the repository (envtest's etcd stands in
 * as a shell script) and one built with `go install <package>@<version>` (kubeconform, which CI's
 * module cache holds), both found on PATH by a Go test, and `{tools.bin}` in test.env naming their
 * folder, as envtest's KUBEBUILDER_ASSETS does; test.flags and test.env reach go test.
 */
import { chmodSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCliAsync } from "../support/cli.js";
import { repoWithFiles } from "../support/git.js";
import { removeTempDirs } from "../support/temp.js";
import { findTool, skipWithout } from "../support/tools.js";

afterAll(removeTempDirs);

const TOOLS_TEST = `package tools

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestToolsOnPath(t *testing.T) {
	out, err := exec.Command("etcd", "--version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "fake etcd 3.5.21" {
		t.Fatalf("etcd: %v %q", err, out)
	}
	if _, err := exec.LookPath("kc"); err != nil {
		t.Fatal(err)
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if _, err := os.Stat(filepath.Join(assets, "etcd")); err != nil {
		t.Fatalf("KUBEBUILDER_ASSETS=%q: %v", assets, err)
	}
	if os.Getenv("MODE") != "plain" {
		t.Fatal("test.env did not arrive")
	}
}

func TestSlow(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	t.Fatal("ran without -short")
}
`;

describe.skipIf(skipWithout("go"))("test.tools on the host runner", () => {
  it("puts a repository program and a go install'ed one on PATH, names their folder, and passes the flags", async () => {
    const repo = repoWithFiles({
      "go.mod": "module example.com/tools\n\ngo 1.22\n",
      "tools_test.go": TOOLS_TEST,
      "testbin/etcd": '#!/bin/sh\necho "fake etcd 3.5.21"\n',
      "pipeline.yaml": [
        "app: tools",
        "go: { source: . }",
        "coverage: { minimum: 0 }",
        "test:",
        "  race: false",
        "  flags: [-short, -run=TestToolsOnPath|TestSlow]",
        "  tools:",
        "    etcd: { dir: testbin }",
        "    kc: { go: github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0 }",
        "  env: { KUBEBUILDER_ASSETS: '{tools.bin}', MODE: plain }",
        "",
      ].join("\n"),
    });
    chmodSync(join(repo, "testbin/etcd"), 0o755);
    const env = { PATH: `${dirname(findTool("go")!)}:${process.env.PATH}` };
    const run = await runCliAsync(["test", "--runner", "host"], { cwd: repo, env });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain("etcd, kc on PATH");
  }, 600_000);

  it("refuses a repository program that is not executable, naming the key", async () => {
    const repo = repoWithFiles({
      "go.mod": "module example.com/tools\n\ngo 1.22\n",
      "x_test.go": 'package tools\n\nimport "testing"\n\nfunc TestX(t *testing.T) {}\n',
      "testbin/etcd": "not a program\n",
      "pipeline.yaml":
        "app: tools\ngo: { source: . }\ntest: { race: false, tools: { etcd: { dir: testbin } } }\n",
    });
    const env = { PATH: `${dirname(findTool("go")!)}:${process.env.PATH}` };
    const run = await runCliAsync(["test", "--runner", "host"], { cwd: repo, env });
    expect(run.code).toBe(1);
    expect(`${run.stdout}\n${run.stderr}`).toContain(
      "test.tools.etcd: testbin/etcd is not an executable file (chmod +x it)",
    );
  }, 300_000);
});
