/**
 * A Kind cluster with a local registry at localhost:5001, the way Kind documents it: a registry
 * container `kind-registry` on the `kind` network, containerd on every node told where
 * localhost:5001 really is (certs.d hosts.toml), and the `local-registry-hosting` ConfigMap.
 */
import { LOCAL } from "./local-loop.js";

/** The registry container's name and its port inside the kind network. */
export const REGISTRY_CONTAINER = { name: "kind-registry", port: 5000, image: "registry:2" } as const;

/** The cluster config: containerd reads registry hosts from /etc/containerd/certs.d. */
export function kindClusterConfig(name = LOCAL.cluster): string {
  return [
    "kind: Cluster",
    "apiVersion: kind.x-k8s.io/v1alpha4",
    `name: ${name}`,
    // A fixed port: `dagger call deploy --api-server tcp://localhost:<port>` reaches it from the engine.
    "networking:",
    '  apiServerAddress: "127.0.0.1"',
    `  apiServerPort: ${LOCAL.apiServerPort}`,
    "containerdConfigPatches:",
    "  - |-",
    '    [plugins."io.containerd.grpc.v1.cri".registry]',
    '      config_path = "/etc/containerd/certs.d"',
    "",
  ].join("\n");
}

/** Where each node finds localhost:5001: the registry container on the kind network. */
export function nodeRegistryHosts(): { dir: string; file: string; content: string } {
  const dir = `/etc/containerd/certs.d/${LOCAL.registry}`;
  return {
    dir,
    file: `${dir}/hosts.toml`,
    content: `[host."http://${REGISTRY_CONTAINER.name}:${REGISTRY_CONTAINER.port}"]\n`,
  };
}

/** The ConfigMap that tells tools where the local registry is (KEP-1755). */
export function localRegistryConfigMap(): string {
  return [
    "apiVersion: v1",
    "kind: ConfigMap",
    "metadata:",
    "  name: local-registry-hosting",
    "  namespace: kube-public",
    "data:",
    "  localRegistryHosting.v1: |",
    `    host: "${LOCAL.registry}"`,
    '    help: "https://kind.sigs.k8s.io/docs/user/local-registry/"',
    "",
  ].join("\n");
}

/** `docker run` of the registry container, published on loopback only. */
export function registryRunArgv(): string[] {
  const port = LOCAL.registry.split(":")[1]!;
  return [
    "docker",
    "run",
    "-d",
    "--restart=always",
    "-p",
    `127.0.0.1:${port}:${REGISTRY_CONTAINER.port}`,
    "--network",
    "bridge",
    "--name",
    REGISTRY_CONTAINER.name,
    REGISTRY_CONTAINER.image,
  ];
}
