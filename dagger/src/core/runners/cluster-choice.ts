/**
 * Which cluster the local loop's deploy and helm-test use. `--kubeconfig` first; then, with the
 * dagger runner, the Kind cluster it creates when kind is installed; then `KUBECONFIG` (any
 * cluster: k3d, a remote one, or the integration tests' own API server). The host runner creates
 * no cluster, so without either it skips those stages saying what to pass. Pure: the flag, the
 * environment and what is installed are inputs.
 */
import { parse } from "yaml";
import { UsageError } from "../errors.js";
import type { RunnerName } from "./runner-choice.js";

/** Where deploy and helm-test go, and one line saying so. */
export type ClusterChoice =
  | {
      kind: "kubeconfig";
      /** A kubeconfig path, or KUBECONFIG's list of them (`a:b`), as kubectl and helm read it. */
      kubeconfig: string;
      line: string;
    }
  | { kind: "kind"; line: string }
  | { kind: "none"; reason: string };

/** Picks the cluster for `runner` from `--kubeconfig`, `KUBECONFIG` and whether kind is installed. */
export function chooseCluster(
  runner: RunnerName,
  input: { flag?: string; env?: string; kind: boolean },
): ClusterChoice {
  if (input.flag)
    return { kind: "kubeconfig", kubeconfig: input.flag, line: `cluster: --kubeconfig ${input.flag}` };
  if (runner === "dagger" && input.kind)
    return { kind: "kind", line: "cluster: Kind cluster `pipeline` (created on first use)" };
  if (input.env)
    return { kind: "kubeconfig", kubeconfig: input.env, line: `cluster: KUBECONFIG=${input.env}` };
  if (runner === "dagger")
    return { kind: "kind", line: "cluster: Kind cluster `pipeline` (created on first use)" };
  return {
    kind: "none",
    reason:
      "needs a Kubernetes cluster, which the host runner does not create: pass --kubeconfig <file> or set KUBECONFIG (Kind, k3d or a remote cluster, see docs/local.md), or run with --runner dagger to create a Kind cluster",
  };
}

/** The API server of a kubeconfig's current context (its `server:` URL). Throws a UsageError naming what is missing. */
export function kubeconfigServer(text: string): string {
  const config = (parse(text) ?? {}) as {
    "current-context"?: string;
    contexts?: { name?: string; context?: { cluster?: string } }[];
    clusters?: { name?: string; cluster?: { server?: string } }[];
  };
  const contextName = config["current-context"];
  const context = config.contexts?.find((c) => c.name === contextName)?.context;
  const cluster = config.clusters?.find((c) => c.name === context?.cluster)?.cluster;
  if (!cluster?.server)
    throw new UsageError(
      `the kubeconfig's current context ${contextName ? `"${contextName}" ` : ""}names no cluster with a server: set one with kubectl config use-context`,
    );
  return cluster.server;
}

/**
 * The `--api-server` the module needs for `server`: inside the engine a loopback address is the
 * container's own, so an API server on this machine's loopback (Kind's 127.0.0.1, k3d's 0.0.0.0)
 * comes in as the host service `tcp://localhost:<port>`; any other address is reached directly
 * (undefined).
 */
export function apiServerService(server: string): string | undefined {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`the kubeconfig's server "${server}" is not a URL`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const loopback = host === "localhost" || host === "0.0.0.0" || host === "::1" || /^127\./.test(host);
  if (!loopback) return undefined;
  return `tcp://localhost:${url.port || (url.protocol === "http:" ? "80" : "443")}`;
}
