/**
 * A real Kubernetes cluster for tests, on loopback like every other test server: etcd,
 * kube-apiserver, kube-controller-manager and kube-scheduler built from the Go module proxy's
 * modules (dagger/test/cluster/build.sh), and kwok as the kubelet of one fake node. Kind cannot run
 * on our machines (no node image can be pulled); this control plane is the real one, only the
 * node is simulated: pods are scheduled, bound and given a status by kwok's Stages
 * (dagger/test/cluster/kwok-stages.yaml), without containers.
 *
 * Markers the simulated kubelet reacts to (any chart can set them through an image value):
 * - an image containing {@link NEVER_READY} runs but never becomes Ready;
 * - a pod that is not restarted (restartPolicy Never or OnFailure: a helm test hook, a Job's pod)
 *   ends Succeeded, or Failed with exit code 1 when an image contains {@link TEST_FAILS}.
 *
 * Each cluster gets random free ports, a temp dir, a CA and certificates made at start, and an
 * admin client certificate (group system:masters) in its kubeconfig; stop() kills every process
 * and removes the dir, and so does the end of the test process.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { request as httpsRequest } from "node:https";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, waitFor } from "./ports.js";
import { findTool, inCI } from "./tools.js";

/** An image containing this never becomes Ready (its containers run, readiness never passes). */
export const NEVER_READY = "never-ready";
/** A pod that is not restarted fails (exit code 1) when one of its images contains this. */
export const TEST_FAILS = "test-fails";

/** The Go module and build script of the cluster's binaries. */
const clusterModule = resolve(import.meta.dirname, "../cluster");
const components = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"] as const;
/** A process of the test cluster (and the name of its binary). */
export type KubeClusterComponent = (typeof components)[number];

/** A running test cluster. */
export interface TestKubeCluster {
  /** Path of a kubeconfig for the admin (client certificate in group system:masters). */
  kubeconfig: string;
  /** `https://127.0.0.1:<port>`: the API server. */
  server: string;
  /** PEM of the CA that signed the API server's certificate (and the client certificates). */
  caCert: string;
  /** Name of the one (fake) node, where every pod is scheduled. */
  node: string;
  /** The cluster's temp dir: certificates, etcd's data, each component's log. */
  dir: string;
  /** Process ids of the components (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok). */
  pids: number[];
  /**
   * Sends one request to the API server as the admin; `body` is sent as JSON. Resolves with the
   * status and the parsed JSON answer (the raw text when it is not JSON).
   */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** What a component logged so far. */
  log(component: KubeClusterComponent): string;
  /** Kills every process of the cluster and removes its temp dir; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Where the cluster's binaries are: `$PIPELINE_TEST_CLUSTER_BIN`, else the cache directory that
 * `bash dagger/test/cluster/build.sh` builds into, keyed like build.sh keys it (the Kubernetes
 * version and a hash of go.mod, go.sum, etcd/main.go and build.sh).
 */
export function kubeClusterBinDir(): string {
  const fromEnv = process.env.PIPELINE_TEST_CLUSTER_BIN;
  if (fromEnv) return fromEnv;
  const read = (file: string) => readFileSync(join(clusterModule, file));
  const goMod = read("go.mod");
  const version = /^\s*k8s\.io\/kubernetes (v\S+)/m.exec(goMod.toString())?.[1];
  const hash = createHash("sha256")
    .update(Buffer.concat([goMod, read("go.sum"), read("etcd/main.go"), read("build.sh")]))
    .digest("hex")
    .slice(0, 12);
  return join(homedir(), ".cache", "pipeline-test-cluster", `${version}-${hash}`, "bin");
}

/** Why the cluster cannot start here (binaries not built, openssl missing), or undefined when it can. */
export function kubeClusterMissing(): string | undefined {
  const bin = kubeClusterBinDir();
  if (!existsSync(join(bin, ".complete")) || components.some((c) => !existsSync(join(bin, c))))
    return `the test Kubernetes cluster is not built (no ${bin}): run \`bash dagger/test/cluster/build.sh\` (bash .ci/run does)`;
  if (!findTool("openssl")) return "openssl not found: apt-get install openssl";
  return undefined;
}

/**
 * Decides whether a suite needing the test cluster must be skipped, like `skipWithout` does for
 * tools: true (skip, with the reason on stderr) only outside CI; with CI=true it throws.
 */
export function skipWithoutKubeCluster(): boolean {
  const missing = kubeClusterMissing();
  if (!missing) return false;
  if (inCI) throw new Error(`CI=true and ${missing}`);
  process.stderr.write(`skipping: ${missing}\n`);
  return true;
}

// Clusters still running, stopped synchronously when the test process exits whatever the reason.
const running = new Set<{ children: ChildProcess[]; dir: string }>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone (ESRCH).
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const cluster of running) {
      for (const child of cluster.children) killGroup(child);
      rmSync(cluster.dir, { recursive: true, force: true });
    }
  });
}

/** Makes the CA, the API server's serving certificate, the admin's client certificate and the service-account key pair. */
function makeCertificates(dir: string, openssl: string): void {
  const run = (args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"];
  run([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-subj",
    "/CN=pipeline-test-cluster-ca",
  ]);
  const leaf = (name: string, subject: string, usage: string, extra: string[] = []) =>
    run([
      "req",
      "-x509",
      ...ec,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.crt`,
      "-subj",
      subject,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      // openssl's default config marks every req -x509 certificate as a CA: a leaf is not one.
      "-addext",
      "basicConstraints=critical,CA:FALSE",
      "-addext",
      `extendedKeyUsage=${usage}`,
      ...extra,
    ]);
  // The names a client may use: loopback, and in-cluster ones (10.0.0.1 is the `kubernetes`
  // Service's IP in --service-cluster-ip-range), so TLS server-name checks meet a real certificate.
  leaf("apiserver", "/CN=kube-apiserver", "serverAuth", [
    "-addext",
    "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local",
  ]);
  // system:masters is the group RBAC lets do everything; every component and test uses it.
  leaf("admin", "/O=system:masters/CN=pipeline-test-admin", "clientAuth");
  run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "sa.key"]);
  run(["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
}

function kubeconfigYaml(server: string, dir: string): string {
  const b64 = (file: string) => readFileSync(join(dir, file)).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: pipeline-test",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${b64("ca.crt")}`,
    "users:",
    "- name: pipeline-test-admin",
    "  user:",
    `    client-certificate-data: ${b64("admin.crt")}`,
    `    client-key-data: ${b64("admin.key")}`,
    "contexts:",
    "- name: pipeline-test",
    "  context: { cluster: pipeline-test, user: pipeline-test-admin }",
    "current-context: pipeline-test",
    "",
  ].join("\n");
}

/** The last lines of a log file, for an error message. */
function tail(file: string, lines = 25): string {
  if (!existsSync(file)) return "(no log)";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Starts a cluster: etcd, then the API server, then the controller manager, the scheduler and
 * kwok, then registers the fake node and waits until it is Ready and the `default` namespace's
 * `default` service account exists (the controllers run). Takes some 10 to 60 seconds on 2 cores.
 * Throws naming `bash dagger/test/cluster/build.sh` when the binaries are not built.
 *
 * ```ts
 * const cluster = await startKubeCluster();
 * execFileSync("helm", ["install", "app", chart, "--kubeconfig", cluster.kubeconfig, "--wait"]);
 * await cluster.stop();
 * ```
 */
export async function startKubeCluster(): Promise<TestKubeCluster> {
  const missing = kubeClusterMissing();
  if (missing) throw new Error(missing);
  const bin = kubeClusterBinDir();
  const dir = mkdtempSync(join(tmpdir(), "pipeline-kube-"));
  const children: ChildProcess[] = [];
  const entry = { children, dir };
  running.add(entry);
  installExitHook();

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      // SIGKILL, all at once: the cluster's state goes with its dir, so nothing needs a clean shutdown.
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) {
                killGroup(child);
                done();
                return;
              }
              child.once("exit", () => done());
              killGroup(child);
            }),
        ),
      );
      rmSync(dir, { recursive: true, force: true });
      running.delete(entry);
    })();
    return stopped;
  };

  const logFile = (component: KubeClusterComponent) => join(dir, `${component}.log`);
  // Each component runs in a process group of its own, so killing the group takes anything it spawned.
  const start = (component: KubeClusterComponent, args: string[], env: NodeJS.ProcessEnv = process.env) => {
    const fd = openSync(logFile(component), "a");
    const child = spawn(join(bin, component), args, { detached: true, stdio: ["ignore", fd, fd], env });
    closeSync(fd);
    children.push(child);
    return child;
  };
  // Waits for `check`, failing at once with the component's log when it exits first.
  const ready = async (
    component: KubeClusterComponent,
    child: ChildProcess,
    what: string,
    check: () => Promise<boolean>,
  ) => {
    let exited = false;
    try {
      await waitFor(
        what,
        async () => {
          exited = child.exitCode !== null || child.signalCode !== null;
          return exited || (await check());
        },
        120_000,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; ${component}'s log ends:\n${tail(logFile(component))}`);
    }
    if (exited)
      throw new Error(
        `${component} exited (${child.exitCode ?? child.signalCode}) before ${what}; its log ends:\n${tail(logFile(component))}`,
      );
  };

  try {
    makeCertificates(dir, findTool("openssl")!);
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(kubeconfig, kubeconfigYaml(server, dir), { mode: 0o600 });
    const tls = {
      ca: readFileSync(join(dir, "ca.crt")),
      cert: readFileSync(join(dir, "admin.crt")),
      key: readFileSync(join(dir, "admin.key")),
    };
    const request = (method: string, path: string, body?: unknown) =>
      apiRequest(new URL(path, server), tls, method, body);

    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = start("etcd", [
      "--name=test",
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=test=${peerUrl}`,
      // A throwaway store: no fsync, and no warnings about it.
      "--unsafe-no-fsync",
      "--log-level=warn",
    ]);
    await ready("etcd", etcd, `etcd on ${etcdUrl}`, async () => {
      const response = await fetch(`${etcdUrl}/health`);
      return response.ok && ((await response.json()) as { health?: string }).health === "true";
    });

    const file = (name: string) => join(dir, name);
    const apiserver = start("kube-apiserver", [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--cert-dir=${file("apiserver-certs")}`,
      `--tls-cert-file=${file("apiserver.crt")}`,
      `--tls-private-key-file=${file("apiserver.key")}`,
      `--client-ca-file=${file("ca.crt")}`,
      `--service-account-key-file=${file("sa.pub")}`,
      `--service-account-signing-key-file=${file("sa.key")}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      "--service-cluster-ip-range=10.0.0.0/24",
      "--authorization-mode=Node,RBAC",
      // The `kubernetes` Service's endpoints would be 127.0.0.1, which Endpoints validation
      // refuses; nothing in-cluster dials it here.
      "--endpoint-reconciler-type=none",
      // One client (the tests) on 2 cores: fairness queues only cost CPU.
      "--enable-priority-and-fairness=false",
      "--profiling=false",
    ]);
    await ready("kube-apiserver", apiserver, `kube-apiserver on ${server}`, async () => {
      const response = await request("GET", "/readyz");
      return response.status === 200;
    });

    // The admin kubeconfig for both: their own secure ports are off (0), so they need no
    // serving certificates or delegated authentication.
    const controllerManager = start("kube-controller-manager", [
      `--kubeconfig=${kubeconfig}`,
      "--leader-elect=false",
      "--secure-port=0",
      `--service-account-private-key-file=${file("sa.key")}`,
      `--root-ca-file=${file("ca.crt")}`,
      `--cluster-signing-cert-file=${file("ca.crt")}`,
      `--cluster-signing-key-file=${file("ca.key")}`,
      "--profiling=false",
    ]);
    const scheduler = start("kube-scheduler", [
      `--kubeconfig=${kubeconfig}`,
      "--leader-elect=false",
      "--secure-port=0",
      "--profiling=false",
    ]);
    const node = "kwok-node";
    mkdirSync(file("kwok-home"));
    const kwok = start(
      "kwok",
      [
        `--kubeconfig=${kubeconfig}`,
        `--config=${join(clusterModule, "kwok-stages.yaml")}`,
        "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        "--node-lease-duration-seconds=40",
        "--cidr=10.244.0.0/16",
        "--node-ip=10.1.0.1",
      ],
      // kwok also reads ~/.kwok/kwok.yaml when it exists: keep a user's config out of the tests.
      { ...process.env, HOME: file("kwok-home") },
    );
    const created = await request("POST", "/api/v1/nodes", {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: node,
        annotations: { "kwok.x-k8s.io/node": "fake" },
        labels: {
          "kubernetes.io/hostname": node,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          type: "kwok",
        },
      },
    });
    if (created.status !== 201)
      throw new Error(`creating node ${node} failed (${created.status}): ${JSON.stringify(created.body)}`);
    await ready("kwok", kwok, `node ${node} to be Ready`, async () => {
      const { body } = await request("GET", `/api/v1/nodes/${node}`);
      const conditions = (body as { status?: { conditions?: { type: string; status: string }[] } }).status
        ?.conditions;
      return conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
    });
    await ready(
      "kube-controller-manager",
      controllerManager,
      "the default service account (the controller manager at work)",
      async () => (await request("GET", "/api/v1/namespaces/default/serviceaccounts/default")).status === 200,
    );
    if (scheduler.exitCode !== null)
      throw new Error(
        `kube-scheduler exited (${scheduler.exitCode}); its log ends:\n${tail(logFile("kube-scheduler"))}`,
      );

    return {
      kubeconfig,
      server,
      caCert: tls.ca.toString(),
      node,
      dir,
      pids: children.map((child) => child.pid!),
      request,
      log: (component) => (existsSync(logFile(component)) ? readFileSync(logFile(component), "utf8") : ""),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One HTTPS request with the admin's client certificate, verified against the cluster's CA. */
function apiRequest(
  url: URL,
  tls: { ca: Buffer; cert: Buffer; key: Buffer },
  method: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolveResponse, reject) => {
    const req = httpsRequest(
      url,
      {
        method,
        ...tls,
        headers: {
          accept: "application/json",
          ...(payload
            ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
            : {}),
        },
        timeout: 30_000,
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Not JSON (/readyz answers "ok"): keep the text.
          }
          resolveResponse({ status: response.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}
