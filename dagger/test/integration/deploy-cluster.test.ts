/**
 * deploy, helm-test, rollback and undeploy of the sample chart through the real CLI and the host
 * runner, against a real Kubernetes API server (test/support/kube-cluster.ts: the control plane
 * built from the Go module proxy, kwok as the node). Everything is asserted on what the cluster
 * holds afterwards, read from its API, and on what helm's own history says.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, cpSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliAsync } from "../support/cli.js";
import { git } from "../support/git.js";
import {
  NEVER_READY,
  skipWithoutKubeCluster,
  startKubeCluster,
  TEST_FAILS,
  type TestKubeCluster,
} from "../support/kube-cluster.js";
import { removeTempDirs, tempDir } from "../support/temp.js";
import { findTool, skipWithout } from "../support/tools.js";

const repoRoot = resolve(import.meta.dirname, "../../..");

/**
 * A committed copy of the sample (its Go source, chart, environments and pipeline.yaml). Staging's test pod is
 * marked to fail (the simulated kubelet ends it with exit code 1), so helm test can fail too.
 */
function sampleCopy(): string {
  const dir = tempDir("pipeline-deploy-");
  // src/ too: the images (and so the values a deploy sets) are the binaries under src/cmd.
  for (const path of ["src", "helm", "environments", "pipeline.yaml"])
    cpSync(join(repoRoot, path), join(dir, path), { recursive: true });
  appendFileSync(
    join(dir, "environments/staging/values.yaml"),
    `\ntest:\n  image: registry.invalid/probe:${TEST_FAILS}\n`,
  );
  writeFileSync(join(dir, ".gitignore"), ".out/\n");
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "sample");
  return dir;
}

interface Deployment {
  spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
  status: { readyReplicas?: number };
}
interface HistoryRow {
  revision: number;
  status: string;
  description: string;
}

describe.skipIf(skipWithout("helm", "kubectl") || skipWithoutKubeCluster())(
  "deploy, helm-test, rollback and undeploy through the CLI against a real API server",
  () => {
    let cluster: TestKubeCluster;
    let repo: string;
    let tag: string;
    const env = {
      // The host runner finds helm and kubectl on PATH only, as a shell would.
      PATH: [
        ...new Set([
          ...["helm", "kubectl"].map((t) => dirname(findTool(t)!)),
          ...(process.env.PATH ?? "").split(":"),
        ]),
      ].join(":"),
      KUBECONFIG: undefined as string | undefined,
    };
    const cli = (...args: string[]) => runCliAsync(args, { cwd: repo, env });
    const kube = (...args: string[]) => ["--kubeconfig", cluster.kubeconfig, ...args];
    const get = async <T>(path: string): Promise<T> => {
      const response = await cluster.request("GET", path);
      expect(response.status, `GET ${path}: ${JSON.stringify(response.body)}`).toBe(200);
      return response.body as T;
    };
    const apiImage = async (namespace: string) =>
      (await get<Deployment>(`/apis/apps/v1/namespaces/${namespace}/deployments/sample-app-api`)).spec
        .template.spec.containers[0]!.image;
    const history = (namespace: string): HistoryRow[] =>
      JSON.parse(
        execFileSync(
          findTool("helm")!,
          ["history", "sample-app", "-n", namespace, "-o", "json", "--kubeconfig", cluster.kubeconfig],
          { encoding: "utf8" },
        ),
      );

    beforeAll(async () => {
      repo = sampleCopy();
      tag = `sha-${git(repo, "rev-parse", "--short=7", "HEAD")}`;
      cluster = await startKubeCluster();
    }, 240_000);
    afterAll(async () => {
      await cluster?.stop();
      removeTempDirs();
    });

    it("deploys a pull request's preview into a new namespace with the preview values and its host", async () => {
      expect((await cluster.request("GET", "/api/v1/namespaces/preview-7")).status).toBe(404);
      const deploy = await cli("deploy", "--runner", "host", "--pr", "7", "--image-tag", "t1", ...kube());
      expect(deploy.code, `${deploy.stdout}\n${deploy.stderr}`).toBe(0);
      expect(deploy.stdout).toMatch(/^cluster: --kubeconfig \S+kubeconfig$/m);
      expect(deploy.stdout).toMatch(
        /^ok {4}deploy +[\d.]+ s {2}sample-app revision 1 deployed in preview-7 \(preview of #7\)$/m,
      );
      await get("/api/v1/namespaces/preview-7");
      const api = await get<Deployment>("/apis/apps/v1/namespaces/preview-7/deployments/sample-app-api");
      // environments/preview.yaml: one api replica; --wait saw it Ready on the fake node.
      expect(api.spec.replicas).toBe(1);
      expect(api.status.readyReplicas).toBe(1);
      expect(api.spec.template.spec.containers[0]!.image).toBe("ghcr.io/example/sample-app-api:t1");
      const ingress = await get<{ spec: { rules: { host: string }[] } }>(
        "/apis/networking.k8s.io/v1/namespaces/preview-7/ingresses/sample-app",
      );
      expect(ingress.spec.rules[0]!.host).toBe("pr-7.preview.example.com");
    });

    it("re-deploys the same chart and values as a no-op: no new revision, so no hook runs again", async () => {
      const again = await cli("deploy", "--runner", "host", "--pr", "7", "--image-tag", "t1", ...kube());
      expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
      expect(again.stdout).toMatch(
        /^ok {4}deploy .* sample-app in preview-7 \(preview of #7\) is already at this chart and these values \(revision 1\): nothing to deploy$/m,
      );
      expect(history("preview-7").map((h) => [h.revision, h.status])).toEqual([[1, "deployed"]]);
    });

    it("upgrades when the image tag changes, and passes helm test as the test pod completes", async () => {
      const upgrade = await cli("deploy", "--runner", "host", "--pr", "7", "--image-tag", "t2", ...kube());
      expect(upgrade.code, `${upgrade.stdout}\n${upgrade.stderr}`).toBe(0);
      expect(upgrade.stdout).toMatch(/sample-app revision 2 deployed in preview-7 \(preview of #7\)$/m);
      expect(await apiImage("preview-7")).toBe("ghcr.io/example/sample-app-api:t2");
      const test = await cli("helm-test", "--runner", "host", "--pr", "7", ...kube());
      expect(test.code, `${test.stdout}\n${test.stderr}`).toBe(0);
      expect(test.stdout).toMatch(
        /^ok {4}helm-test .* helm test preview-7 \(preview of #7\) passed: sample-app-test-readyz Succeeded$/m,
      );
    });

    it(`rolls back a rollout that never becomes ready (image ${NEVER_READY}) and exits 1 with the reason`, async () => {
      const failed = await cli(
        ...["deploy", "--runner", "host", "--pr", "7", "--image-tag", NEVER_READY, "--timeout", "20s"],
        ...kube(),
      );
      expect(failed.code, `${failed.stdout}\n${failed.stderr}`).toBe(1);
      expect(failed.stdout).toMatch(
        /^FAIL {2}deploy .* deploy preview-7 \(preview of #7\) failed and helm rolled it back to revision 2: not ready within 20s: Deployment preview-7\/sample-app-api: 0 out of 1 expected pods are ready$/m,
      );
      expect(failed.stdout).toMatch(
        /^ {6}helm: UPGRADE FAILED: release sample-app failed, and has been rolled back due to atomic being set: context deadline exceeded$/m,
      );
      expect(failed.stderr).toMatch(/^pipeline: deploy failed with the host runner/m);
      expect(history("preview-7").map((h) => [h.revision, h.status, h.description])).toEqual([
        [1, "superseded", "Install complete"],
        [2, "superseded", "Upgrade complete"],
        [3, "failed", 'Upgrade "sample-app" failed: context deadline exceeded'],
        [4, "deployed", "Rollback to 2"],
      ]);
      expect(await apiImage("preview-7")).toBe("ghcr.io/example/sample-app-api:t2");
    });

    it("rolls back on request to the revision before the current one's content, and waits for it", async () => {
      const rollback = await cli("deploy", "--runner", "auto", "--pr", "7", "--rollback", ...kube());
      expect(rollback.code, `${rollback.stdout}\n${rollback.stderr}`).toBe(0);
      expect(rollback.stdout).toMatch(/^runner: host \(--rollback runs helm rollback on this machine\)$/m);
      // Revision 4 is helm's copy of 2, so going back means 1.
      expect(rollback.stdout).toMatch(
        /^ok {4}deploy .* sample-app in preview-7 \(preview of #7\) rolled back from revision 4 to revision 1 \(now revision 5\)$/m,
      );
      expect(history("preview-7").at(-1)).toMatchObject({
        revision: 5,
        status: "deployed",
        description: "Rollback to 1",
      });
      expect(await apiImage("preview-7")).toBe("ghcr.io/example/sample-app-api:t1");
      const ready = await get<Deployment>("/apis/apps/v1/namespaces/preview-7/deployments/sample-app-api");
      expect(ready.status.readyReplicas).toBe(1);
    });

    it(`fails helm test as the test pod fails (image ${TEST_FAILS}), with KUBECONFIG instead of --kubeconfig`, async () => {
      const withEnv = (...args: string[]) =>
        runCliAsync(args, { cwd: repo, env: { ...env, KUBECONFIG: cluster.kubeconfig } });
      const deploy = await withEnv("deploy", "--runner", "host", "--environment", "staging");
      expect(deploy.code, `${deploy.stdout}\n${deploy.stderr}`).toBe(0);
      expect(deploy.stdout).toMatch(/^cluster: KUBECONFIG=\S+kubeconfig$/m);
      expect(deploy.stdout).toMatch(/sample-app revision 1 deployed in sample-app-staging \(staging\)$/m);
      // The plan's tag of this commit, and staging's values (their own repositories).
      expect(await apiImage("sample-app-staging")).toBe(`ghcr.io/example/sample-app-api:${tag}`);
      const test = await withEnv("helm-test", "--runner", "host", "--environment", "staging");
      expect(test.code, `${test.stdout}\n${test.stderr}`).toBe(1);
      expect(test.stdout).toMatch(
        /^FAIL {2}helm-test .* helm test sample-app-staging \(staging\) failed: test pod sample-app-test-readyz failed$/m,
      );
      expect(test.stdout).toMatch(
        /^ {8}its logs: kubectl logs --namespace sample-app-staging sample-app-test-readyz$/m,
      );
      const pod = await get<{ status: { phase: string } }>(
        "/api/v1/namespaces/sample-app-staging/pods/sample-app-test-readyz",
      );
      expect(pod.status.phase).toBe("Failed");
    });

    it("removes a preview: the release and its namespace (preview down), and says so when it is already gone", async () => {
      const down = await cli("undeploy", "--pr", "7", ...kube());
      expect(down.code, `${down.stdout}\n${down.stderr}`).toBe(0);
      expect(down.stdout).toBe(
        "sample-app removed from preview-7 (preview of #7)\nnamespace preview-7 deleted\n",
      );
      // kubectl waited for the namespace controller to empty and remove it.
      expect((await cluster.request("GET", "/api/v1/namespaces/preview-7")).status).toBe(404);
      const again = await cli("undeploy", "--pr", "7", ...kube());
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/^sample-app was not installed in preview-7 \(preview of #7\)$/m);
      // An environment's namespace is not the pipeline's to delete.
      const staging = await cli("undeploy", "--environment", "staging", ...kube());
      expect(staging.stdout).toBe("sample-app removed from sample-app-staging (staging)\n");
      await get("/api/v1/namespaces/sample-app-staging");
    });
  },
);
