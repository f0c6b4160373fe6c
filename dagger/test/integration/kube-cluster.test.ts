import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  NEVER_READY,
  skipWithoutKubeCluster,
  startKubeCluster,
  TEST_FAILS,
  type TestKubeCluster,
} from "../support/kube-cluster.js";
import { waitFor } from "../support/ports.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool, skipWithout } from "../support/tools.js";

/** A chart with one Deployment and one `helm test` hook pod, each image from a value. */
function writeChart(): string {
  const chart = join(tempDir("pipeline-kube-chart-"), "demo");
  mkdirSync(join(chart, "templates"), { recursive: true });
  writeFileSync(
    join(chart, "Chart.yaml"),
    "apiVersion: v2\nname: demo\nversion: 0.1.0\nkubeVersion: '>=1.30.0-0'\n",
  );
  writeFileSync(
    join(chart, "values.yaml"),
    "replicas: 2\nimage: registry.invalid/demo:1\ntestImage: registry.invalid/probe:1\n",
  );
  writeFileSync(
    join(chart, "templates", "deployment.yaml"),
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: { app: {{ .Release.Name }} }
  template:
    metadata:
      labels: { app: {{ .Release.Name }} }
    spec:
      containers:
        - name: app
          image: {{ .Values.image }}
`,
  );
  writeFileSync(
    join(chart, "templates", "test.yaml"),
    `apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-test
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  restartPolicy: Never
  containers:
    - name: probe
      image: {{ .Values.testImage }}
`,
  );
  return chart;
}

interface Deployment {
  spec: { template: { spec: { containers: { image: string }[] } } };
  status: { readyReplicas?: number; replicas?: number };
}
interface PodList {
  items: { spec: { nodeName?: string }; status: { phase: string } }[];
}

describe.skipIf(skipWithout("helm") || skipWithoutKubeCluster())(
  "a Kubernetes test cluster built from Go modules, with kwok as its kubelet",
  () => {
    let cluster: TestKubeCluster;
    let chart: string;
    const helm = (...args: string[]) => {
      const result = spawnSync(findTool("helm")!, [...args, "--kubeconfig", cluster.kubeconfig], {
        encoding: "utf8",
      });
      return { code: result.status, out: `${result.stdout}${result.stderr}` };
    };
    const get = async <T>(path: string) => {
      const response = await cluster.request("GET", path);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body as T;
    };

    beforeAll(async () => {
      chart = writeChart();
      cluster = await startKubeCluster();
    }, 240_000);
    afterAll(async () => {
      await cluster?.stop();
      removeTempDirs();
    });

    it("serves Kubernetes v1.36.3 over TLS for the names clients use: 127.0.0.1, localhost and kubernetes.default.svc", async () => {
      const version = await get<{ gitVersion: string }>("/version");
      expect(version.gitVersion).toBe("v1.36.3");
      const port = new URL(cluster.server).port;
      for (const servername of ["localhost", "kubernetes.default.svc"]) {
        // Connects to 127.0.0.1 but verifies the certificate for `servername`, as a client behind
        // a tunnel or inside the cluster would.
        const status = await new Promise<number>((resolve, reject) => {
          const req = request(
            { host: "127.0.0.1", port, path: "/version", servername, ca: cluster.caCert },
            (response) => {
              response.resume();
              resolve(response.statusCode ?? 0);
            },
          );
          req.on("error", reject);
          req.end();
        });
        // Anonymous requests may read /version: the handshake is what is checked here.
        expect(status, servername).toBe(200);
      }
    });

    it("runs one fake node that is Ready", async () => {
      const node = await get<{ status: { conditions: { type: string; status: string }[] } }>(
        `/api/v1/nodes/${cluster.node}`,
      );
      expect(node.status.conditions).toContainEqual(
        expect.objectContaining({ type: "Ready", status: "True" }),
      );
    });

    it("creates a namespace with its default service account, and deletes it", async () => {
      const created = await cluster.request("POST", "/api/v1/namespaces", { metadata: { name: "scratch" } });
      expect(created.status).toBe(201);
      // The service account controller makes `default` in every namespace; pods need it.
      await waitFor(
        "the scratch namespace's default service account",
        async () =>
          (await cluster.request("GET", "/api/v1/namespaces/scratch/serviceaccounts/default")).status === 200,
      );
      expect((await cluster.request("DELETE", "/api/v1/namespaces/scratch")).status).toBe(200);
      // Deletion finishes only when the namespace controller has emptied it and removed its finalizer.
      await waitFor(
        "the scratch namespace to be gone",
        async () => (await cluster.request("GET", "/api/v1/namespaces/scratch")).status === 404,
        60_000,
      );
    });

    it("runs a Job's pod to completion, as a chart's pre-install migration hook needs", async () => {
      const created = await cluster.request("POST", "/apis/batch/v1/namespaces/default/jobs", {
        metadata: { name: "migrate" },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: "Never",
              containers: [{ name: "migrate", image: "registry.invalid/m:1" }],
            },
          },
        },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      await waitFor("the Job to complete", async () => {
        const job = await get<{ status: { conditions?: { type: string; status: string }[] } }>(
          "/apis/batch/v1/namespaces/default/jobs/migrate",
        );
        return job.status.conditions?.some((c) => c.type === "Complete" && c.status === "True") ?? false;
      });
    });

    it("installs a chart with --wait once its Deployment's pods are scheduled on the fake node and Ready", async () => {
      const install = helm(
        "install",
        "demo",
        chart,
        "-n",
        "app",
        "--create-namespace",
        "--wait",
        "--timeout",
        "2m",
      );
      expect(install.code, install.out).toBe(0);
      const deployment = await get<Deployment>("/apis/apps/v1/namespaces/app/deployments/demo");
      expect(deployment.status.readyReplicas).toBe(2);
      const pods = await get<PodList>("/api/v1/namespaces/app/pods?labelSelector=app%3Ddemo");
      expect(pods.items).toHaveLength(2);
      for (const pod of pods.items) {
        expect(pod.spec.nodeName).toBe(cluster.node);
        expect(pod.status.phase).toBe("Running");
      }
    });

    it(`rolls back an upgrade whose pods never become Ready (image marked ${NEVER_READY}) under --atomic`, async () => {
      const upgrade = helm(
        ...["upgrade", "--install", "demo", chart, "-n", "app", "--atomic", "--wait", "--timeout", "20s"],
        ...["--set", `image=registry.invalid/demo:${NEVER_READY}`],
      );
      expect(upgrade.code, upgrade.out).not.toBe(0);
      expect(upgrade.out).toMatch(/has been rolled back due to atomic being set/);
      const history = JSON.parse(helm("history", "demo", "-n", "app", "-o", "json").out) as {
        revision: number;
        status: string;
        description: string;
      }[];
      expect(history.map((h) => [h.revision, h.status])).toEqual([
        [1, "superseded"],
        [2, "failed"],
        [3, "deployed"],
      ]);
      expect(history[2]!.description).toBe("Rollback to 1");
      const deployment = await get<Deployment>("/apis/apps/v1/namespaces/app/deployments/demo");
      expect(deployment.spec.template.spec.containers[0]!.image).toBe("registry.invalid/demo:1");
      // The marked pod is gone and the two good ones serve again.
      await waitFor("the rolled-back Deployment to be Ready", async () => {
        const status = (await get<Deployment>("/apis/apps/v1/namespaces/app/deployments/demo")).status;
        return status.readyReplicas === 2 && status.replicas === 2;
      });
    });

    it("passes helm test when the test pod completes", () => {
      const test = helm("test", "demo", "-n", "app", "--timeout", "1m");
      expect(test.code, test.out).toBe(0);
      expect(test.out).toMatch(/TEST SUITE:\s+demo-test\n[\s\S]*Phase:\s+Succeeded/);
    });

    it(`fails helm test when the test pod's image is marked ${TEST_FAILS}`, () => {
      const upgrade = helm(
        ...["upgrade", "demo", chart, "-n", "app", "--wait", "--timeout", "1m"],
        ...["--set", `testImage=registry.invalid/probe:${TEST_FAILS}`],
      );
      expect(upgrade.code, upgrade.out).toBe(0);
      const test = helm("test", "demo", "-n", "app", "--timeout", "1m");
      expect(test.code, test.out).toBe(1);
      expect(test.out).toMatch(/pod demo-test failed/);
      expect(test.out).toMatch(/Phase:\s+Failed/);
    });

    it("stops every process of the cluster and removes its temp dir", async () => {
      const { pids, dir } = cluster;
      expect(pids).toHaveLength(5);
      expect(existsSync(dir)).toBe(true);
      await cluster.stop();
      const processes = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
      const alive = processes
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => pids.includes(Number(line.split(/\s+/)[0])) || line.includes(dir));
      expect(alive).toEqual([]);
      const children = spawnSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)], {
        encoding: "utf8",
      });
      expect(children.stdout.split("\n").filter((line) => line.includes(dir))).toEqual([]);
      expect(existsSync(dir)).toBe(false);
    });
  },
);
