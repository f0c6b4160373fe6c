/**
 * The local cluster, created on first run and reused after: small named steps over docker, kind
 * and kubectl, each safe to re-run. They need Kind and Docker, which our build machines lack, so
 * tests cover the decisions (core/runners/kind-setup.ts) and not these calls.
 */
import { execFileSync } from "node:child_process";
import { homedir } from "node:os";
import { join } from "node:path";
import {
  kindClusterConfig,
  localRegistryConfigMap,
  nodeRegistryHosts,
  REGISTRY_CONTAINER,
  registryRunArgv,
} from "../../../core/runners/kind-setup.js";
import { LOCAL } from "../../../core/runners/local-loop.js";

function run(argv: string[], input?: string): string {
  return execFileSync(argv[0]!, argv.slice(1), {
    encoding: "utf8",
    input,
    stdio: ["pipe", "pipe", "pipe"],
  }).trim();
}

/** Starts the registry container unless it runs already. */
export function ensureRegistry(): void {
  const running = run([
    "docker",
    "ps",
    "--filter",
    `name=^${REGISTRY_CONTAINER.name}$`,
    "--format",
    "{{.Names}}",
  ]);
  if (!running) run(registryRunArgv());
}

/** Creates the cluster unless it exists. */
export function ensureCluster(): void {
  if (!run(["kind", "get", "clusters"]).split("\n").includes(LOCAL.cluster)) {
    run(["kind", "create", "cluster", "--config", "-"], kindClusterConfig());
  }
}

/** Tells containerd on every node where localhost:5001 is. */
export function configureNodes(): void {
  const hosts = nodeRegistryHosts();
  for (const node of run(["kind", "get", "nodes", "--name", LOCAL.cluster]).split("\n").filter(Boolean)) {
    run(["docker", "exec", node, "mkdir", "-p", hosts.dir]);
    run(["docker", "exec", "-i", node, "cp", "/dev/stdin", hosts.file], hosts.content);
  }
}

/** Puts the registry container on the kind network (no-op when it is there). */
export function connectRegistryToKindNetwork(): void {
  const networks = run([
    "docker",
    "inspect",
    "-f",
    "{{json .NetworkSettings.Networks.kind}}",
    REGISTRY_CONTAINER.name,
  ]);
  if (networks === "null") run(["docker", "network", "connect", "kind", REGISTRY_CONTAINER.name]);
}

/** Applies the local-registry-hosting ConfigMap. */
export function applyRegistryConfigMap(): void {
  run(["kubectl", "--context", `kind-${LOCAL.cluster}`, "apply", "-f", "-"], localRegistryConfigMap());
}

/** Writes the cluster's kubeconfig for the engine and returns its path. */
export function writeKubeconfig(): string {
  const path = join(homedir(), ".kube", `kind-${LOCAL.cluster}.yaml`);
  run(["kind", "export", "kubeconfig", "--name", LOCAL.cluster, "--kubeconfig", path]);
  return path;
}

/** Everything above, in order; returns the kubeconfig path. */
export function ensureLocalCluster(): string {
  ensureRegistry();
  ensureCluster();
  configureNodes();
  connectRegistryToKindNetwork();
  applyRegistryConfigMap();
  return writeKubeconfig();
}
