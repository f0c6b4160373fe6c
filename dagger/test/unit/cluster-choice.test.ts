import { describe, expect, it } from "vitest";
import { apiServerService, chooseCluster, kubeconfigServer } from "../../src/core/runners/cluster-choice.js";

describe("which cluster the local loop deploys to", () => {
  it.each([
    ["host", { flag: "/k/a", env: "/k/b", kind: false }, "kubeconfig", "/k/a"],
    ["host", { env: "/k/b:/k/c", kind: false }, "kubeconfig", "/k/b:/k/c"],
    ["dagger", { flag: "/k/a", env: "/k/b", kind: true }, "kubeconfig", "/k/a"],
    ["dagger", { env: "/k/b", kind: true }, "kind", undefined],
    ["dagger", { env: "/k/b", kind: false }, "kubeconfig", "/k/b"],
    ["dagger", { kind: false }, "kind", undefined],
  ] as const)("%s runner with %j -> %s %s", (runner, input, kind, kubeconfig) => {
    const choice = chooseCluster(runner, input);
    expect(choice.kind).toBe(kind);
    if (choice.kind === "kubeconfig") expect(choice.kubeconfig).toBe(kubeconfig);
  });

  it("says where the cluster comes from, and what to pass when the host runner has none", () => {
    expect(chooseCluster("host", { env: "/k/b", kind: false })).toMatchObject({
      line: "cluster: KUBECONFIG=/k/b",
    });
    expect(chooseCluster("host", { flag: "/k/a", kind: false })).toMatchObject({
      line: "cluster: --kubeconfig /k/a",
    });
    const none = chooseCluster("host", { kind: true });
    expect(none.kind === "none" && none.reason).toMatch(
      /^needs a Kubernetes cluster, which the host runner does not create: pass --kubeconfig <file> or set KUBECONFIG/,
    );
  });
});

describe("the API server the module is given", () => {
  const kubeconfig = (server: string) => `apiVersion: v1
clusters:
- name: other
  cluster: { server: https://10.0.0.9:6443 }
- name: mine
  cluster: { server: ${server} }
contexts:
- name: ctx
  context: { cluster: mine, user: me }
current-context: ctx
`;

  it("is the current context's cluster's server", () => {
    expect(kubeconfigServer(kubeconfig("https://127.0.0.1:41007"))).toBe("https://127.0.0.1:41007");
    expect(() => kubeconfigServer("apiVersion: v1\ncurrent-context: gone\n")).toThrow(
      /current context "gone" names no cluster with a server/,
    );
  });

  it.each([
    ["https://127.0.0.1:41007", "tcp://localhost:41007"],
    ["https://localhost:6443", "tcp://localhost:6443"],
    ["https://0.0.0.0:6550", "tcp://localhost:6550"],
    ["https://[::1]:6443", "tcp://localhost:6443"],
    ["https://127.0.0.1", "tcp://localhost:443"],
    ["https://k8s.example.com:6443", undefined],
    ["https://10.0.0.9:6443", undefined],
  ])("%s -> %s", (server, service) => {
    expect(apiServerService(server)).toBe(service);
  });
});
