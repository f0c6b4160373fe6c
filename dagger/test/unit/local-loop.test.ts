import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import {
  kindClusterConfig,
  localRegistryConfigMap,
  nodeRegistryHosts,
  registryRunArgv,
} from "../../src/core/runners/kind-setup.js";
import { LOCAL_STAGES, stageArgv, toolsFor } from "../../src/core/runners/local-loop.js";

const options = { kubeconfig: "/home/me/.kube/kind-pipeline.yaml", imageTag: "sha-abc1234" };

describe("the local loop", () => {
  it("runs the stages in release order", () => {
    expect(LOCAL_STAGES).toEqual([
      "lint",
      "test",
      "chart-lint",
      "build",
      "images",
      "publish",
      "deploy",
      "helm-test",
    ]);
  });

  it.each([
    ["lint", "dagger call lint"],
    ["chart-lint", "dagger call chart-lint"],
    ["build", "dagger call build export --path .out"],
    [
      "publish",
      "dagger call publish --registry localhost:5001 --registry-service tcp://localhost:5001 --tags sha-abc1234",
    ],
    [
      "deploy",
      "dagger call deploy --environment preview --kubeconfig file:/home/me/.kube/kind-pipeline.yaml --api-server tcp://localhost:6445 --image-tag sha-abc1234 --registry localhost:5001",
    ],
    [
      "helm-test",
      "dagger call helm-test --environment preview --kubeconfig file:/home/me/.kube/kind-pipeline.yaml --api-server tcp://localhost:6445",
    ],
  ] as const)("calls %s as `%s`", (stage, argv) => {
    expect(stageArgv(stage, options).join(" ")).toBe(argv);
  });

  it.each([
    [["lint"], ["dagger"]],
    [["build", "images"], ["dagger"]],
    [["publish"], ["docker", "kind", "kubectl", "dagger"]],
    [[...LOCAL_STAGES], ["docker", "kind", "kubectl", "dagger"]],
  ] as const)("needs %j -> %j", (stages, tools) => {
    expect(toolsFor(stages).map((t) => t.tool)).toEqual(tools);
    expect(toolsFor(stages).every((t) => t.install.length > 10)).toBe(true);
  });

  it.each([
    [["publish"], ["docker", "kubectl", "dagger"]],
    [
      ["deploy", "helm-test"],
      ["kubectl", "dagger"],
    ],
    [[...LOCAL_STAGES], ["docker", "kubectl", "dagger"]],
  ] as const)("with a cluster given by a kubeconfig needs %j -> %j (no kind)", (stages, tools) => {
    expect(toolsFor(stages, "kubeconfig").map((t) => t.tool)).toEqual(tools);
  });

  it("deploys to a given cluster: its API server as a host service when on loopback, else reached directly", () => {
    const given = { ...options, kubeconfig: "/tmp/k/kubeconfig", registry: "registry.example:5000/dev" };
    expect(stageArgv("deploy", { ...given, apiServer: "tcp://localhost:6550" }).join(" ")).toBe(
      "dagger call deploy --environment preview --kubeconfig file:/tmp/k/kubeconfig --api-server tcp://localhost:6550 --image-tag sha-abc1234 --registry registry.example:5000/dev",
    );
    expect(stageArgv("helm-test", { ...given, apiServer: null }).join(" ")).toBe(
      "dagger call helm-test --environment preview --kubeconfig file:/tmp/k/kubeconfig",
    );
  });

  it("passes a pull request's preview, another environment and helm's timeout to deploy and helm-test", () => {
    expect(stageArgv("deploy", { ...options, pr: 42, timeout: "90s" }).join(" ")).toBe(
      "dagger call deploy --environment preview --pr 42 --timeout 90s --kubeconfig file:/home/me/.kube/kind-pipeline.yaml --api-server tcp://localhost:6445 --image-tag sha-abc1234 --registry localhost:5001",
    );
    expect(stageArgv("helm-test", { ...options, environment: "staging" }).slice(2, 5)).toEqual([
      "helm-test",
      "--environment",
      "staging",
    ]);
  });

  it("calls the module with -m on the repository's own source and passes platforms through", () => {
    expect(
      stageArgv("build", { ...options, module: "/repo", platforms: ["linux/amd64", "linux/arm/v7"] }),
    ).toEqual([
      "dagger",
      "call",
      "-m",
      "/repo",
      "--source",
      ".",
      "build",
      "--platforms",
      "linux/amd64,linux/arm/v7",
      "export",
      "--path",
      ".out",
    ]);
    expect(stageArgv("images", { ...options, module: "/repo" }).join(" ")).toBe(
      "dagger call -m /repo --source . images",
    );
  });
});

describe("the Kind setup", () => {
  it("points containerd at certs.d and each node at the registry container", () => {
    const config = parse(kindClusterConfig());
    expect(config).toMatchObject({ kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", name: "pipeline" });
    expect(config.containerdConfigPatches[0]).toContain('config_path = "/etc/containerd/certs.d"');
    expect(config.networking).toEqual({ apiServerAddress: "127.0.0.1", apiServerPort: 6445 });
    expect(nodeRegistryHosts()).toEqual({
      dir: "/etc/containerd/certs.d/localhost:5001",
      file: "/etc/containerd/certs.d/localhost:5001/hosts.toml",
      content: '[host."http://kind-registry:5000"]\n',
    });
  });

  it("publishes the registry on loopback only and documents it in kube-public", () => {
    expect(registryRunArgv()).toEqual([
      "docker",
      "run",
      "-d",
      "--restart=always",
      "-p",
      "127.0.0.1:5001:5000",
      "--network",
      "bridge",
      "--name",
      "kind-registry",
      "registry:2",
    ]);
    const [configMap] = parseAllDocuments(localRegistryConfigMap()).map((d) => d.toJS());
    expect(configMap.metadata).toEqual({ name: "local-registry-hosting", namespace: "kube-public" });
    expect(parse(configMap.data["localRegistryHosting.v1"])).toMatchObject({ host: "localhost:5001" });
  });
});
