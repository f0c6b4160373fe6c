/**
 * The host tools each stage needs and how to install them. A missing tool skips the stage with
 * one line saying what to install (MissingToolError, exit 3), never a stack trace.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { MissingToolError } from "../../../core/errors.js";

/** How to install each tool the host runner uses. */
export const INSTALL: Readonly<Record<string, string>> = {
  go: "install Go 1.26: https://go.dev/dl/",
  gofmt: "install Go 1.26: https://go.dev/dl/",
  cc: "apt-get install gcc (go test -race needs cgo)",
  "golangci-lint": "go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0",
  helm: "go install helm.sh/helm/v3/cmd/helm@v3.22.0",
  kubeconform: "go install github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0",
  docker: "install Docker Engine: https://docs.docker.com/engine/install/ (and start dockerd)",
  initdb: "set DATABASE_URL, or install PostgreSQL (apt-get install postgresql)",
  pg_ctl: "set DATABASE_URL, or install PostgreSQL (apt-get install postgresql)",
  "docker-registry": "apt-get install docker-registry (or pass --registry)",
  kind: "go install sigs.k8s.io/kind@v0.31.0 (and install kubectl)",
};

/**
 * Directories searched after PATH: only PostgreSQL's versioned bin dirs, which Debian keeps off
 * PATH. Every other tool must be on PATH, so what runs is what the user's shell would run.
 */
function extraDirs(): string[] {
  const dirs: string[] = [];
  if (existsSync("/usr/lib/postgresql")) {
    for (const v of readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a)))
      dirs.push(`/usr/lib/postgresql/${v}/bin`);
  }
  return dirs;
}

/** The absolute path of `name` on PATH or in the extra directories, or undefined. */
export function findHostTool(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? "").split(":"), ...extraDirs()]) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Resolves every tool of `stage` to its path; throws MissingToolError naming what to install. */
export function requireTools(stage: string, tools: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {};
  const missing: { tool: string; install: string }[] = [];
  for (const tool of tools) {
    const path = findHostTool(tool);
    if (path) found[tool] = path;
    else missing.push({ tool, install: INSTALL[tool] ?? `install ${tool}` });
  }
  if (missing.length > 0) {
    throw new MissingToolError(
      `${stage} needs ${missing.map((m) => m.tool).join(", ")}: ${[...new Set(missing.map((m) => m.install))].join("; ")}`,
      missing,
    );
  }
  return found;
}

/** PATH with the directories of `found` tools first, so argv[0] and `sh -c` scripts find them. */
export function pathWith(found: Readonly<Record<string, string>>): string {
  const dirs = Object.values(found).map((p) => p.slice(0, p.lastIndexOf("/")));
  return [...new Set([...dirs, ...(process.env.PATH ?? "").split(":").filter(Boolean)])].join(":");
}
