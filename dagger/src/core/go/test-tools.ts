/**
 * `test.tools`: the programs the tests run (envtest's etcd and kube-apiserver, a CLI the tests
 * call), gathered into one folder that goes first on PATH, for both shells. A program from the
 * repository is placed there under its name; a Go package is built there with
 * `GOBIN=<folder> go install <package>@<version>` and renamed to the name the tests call it by.
 */
import type { TestToolConfig } from "../config/test-section.js";

/** The tools folder in the module's Go container (the host runner uses a temp dir). */
export const TOOLS_DIR = "/pipeline-tools/bin";

/** One step of putting the tools in place. */
export type ToolStep =
  /** Place the repository file `from` (repo-relative) at `<folder>/<name>`, executable. */
  | { kind: "file"; name: string; from: string }
  /** Run `argv` with `env` (in go.source); `name` is the tool it makes. */
  | { kind: "exec"; name: string; argv: string[]; env: Record<string, string> };

/**
 * The binary `go install` makes of a package: its last path element, or the one before a major
 * version suffix (`.../server/v3` makes `server`).
 */
export function installedName(pkg: string): string {
  const parts = pkg.replace(/@.*$/, "").split("/");
  const last = parts.at(-1)!;
  return /^v\d+$/.test(last) && parts.length > 2 ? parts.at(-2)! : last;
}

/** The steps that put every tool in `folder`, in the order configured. */
export function testToolSteps(tools: readonly TestToolConfig[], folder: string): ToolStep[] {
  return tools.flatMap((tool): ToolStep[] => {
    if (tool.kind === "dir") {
      return [
        { kind: "file", name: tool.name, from: tool.dir === "." ? tool.name : `${tool.dir}/${tool.name}` },
      ];
    }
    const built = installedName(tool.package!);
    const install: ToolStep = {
      kind: "exec",
      name: tool.name,
      argv: ["go", "install", tool.package!],
      env: { GOBIN: folder },
    };
    if (built === tool.name) return [install];
    return [
      install,
      {
        kind: "exec",
        name: tool.name,
        argv: ["sh", "-c", 'mv -f "$1" "$2"', "sh", `${folder}/${built}`, `${folder}/${tool.name}`],
        env: {},
      },
    ];
  });
}
