/**
 * deploy and helm-test against a cluster whose kubeconfig names the host's loopback (Kind's
 * `server: https://127.0.0.1:<port>`): inside the engine that address is the container's own, so
 * the API server comes in as a Service bound as `kube-api`, and the kubeconfig is rewritten to
 * it in the container. The rewrite is shell run by the helm image's busybox.
 *
 * First on a Kind-shaped kubeconfig (the script run by the host's busybox); then for real: the
 * module's deploy and helm-test through the recording engine, each helm exec it asks for run on
 * the host (busybox's sh and sed, the host's helm) against the test cluster's API server, with
 * `kube-api` resolving to its loopback port through a proxy, as the service binding would. So the
 * module's own kubeconfig rewrite and `--kube-tls-server-name` meet a real API server's certificate.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandResult } from "../../src/core/deploy/outcome.js";
import { type AliasProxy, startAliasProxy } from "../support/alias-proxy.js";
import { skipWithoutKubeCluster, startKubeCluster, type TestKubeCluster } from "../support/kube-cluster.js";
import { findTool, skipWithout } from "../support/tools.js";
import { type Answer, decodeId, encodeId, type Step } from "./engine.js";
import { allSteps, runModule, secretId } from "./harness.js";
import { helmAnswers, helmArgv } from "./helm-answers.js";

const repoRoot = resolve(import.meta.dirname, "../../..");

const hostService = (port: number) =>
  encodeId([
    { field: "host", args: {} },
    { field: "service", args: { ports: [{ frontend: port, backend: port }] } },
  ]);
const API_SERVER = hostService(39221);

const find = (steps: Step[], field: string, match: (args: Record<string, unknown>) => boolean = () => true) =>
  steps.filter((s) => s.field === field && match(s.args));

const KIND_KUBECONFIG = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: AAAA
    server: https://127.0.0.1:39221
  name: kind-pipeline
contexts:
- context: {cluster: kind-pipeline, user: kind-pipeline}
  name: kind-pipeline
current-context: kind-pipeline
`;

/** A bin folder where sh, sed and head are the host's busybox: what the helm image (alpine) runs the script with. */
function busyboxBin(): string {
  const busybox = findTool("busybox");
  if (!busybox) throw new Error("busybox not found: apt-get install busybox-static (bash .ci/run does)");
  const bin = join(mkdtempSync(join(tmpdir(), "pipeline-kube-api-")), "bin");
  mkdirSync(bin);
  for (const applet of ["sh", "sed", "head", "echo"]) symlinkSync(busybox, join(bin, applet));
  return bin;
}

/** The module's wrapper exec (`sh -c <script> sh helm ...`) whose helm subcommand is `subcommand`. */
function wrapperExec(steps: Step[], subcommand: string): string[] {
  const exec = find(steps, "withExec")
    .map((s) => s.args.args as string[])
    .find((a) => a[0] === "sh" && a[5] === subcommand);
  if (!exec) throw new Error(`no wrapped helm ${subcommand} exec`);
  return exec;
}

describe.each([
  ["deploy", { environment: "preview", imageTag: "pr-1-abc1234" }, "upgrade"],
  ["helmTest", { environment: "staging" }, "test"],
])("%s with the API server as a Service", (fn, args, subcommand) => {
  it("binds it as kube-api and points the kubeconfig there, keeping the certificate's name", async () => {
    const run = await runModule({
      fn,
      args: { ...args, kubeconfig: secretId("kube"), apiServer: API_SERVER },
      answer: helmAnswers,
    });
    expect(run.error).toBeUndefined();
    expect(run.exitCode, run.stderr).toBe(0);
    const steps = allSteps(run);
    const binding = find(steps, "withServiceBinding")[0];
    expect(binding?.args.alias).toBe("kube-api");
    expect(decodeId(String(binding?.args.service))).toEqual(decodeId(API_SERVER));
    // The secret is read from /run/secrets; the rewritten copy lives on a tmpfs, never in a layer.
    expect(new Set(find(steps, "withMountedSecret").map((s) => s.args.path))).toEqual(
      new Set(["/run/secrets/kubeconfig"]),
    );
    expect(new Set(find(steps, "withMountedTemp").map((s) => s.args.path))).toEqual(new Set(["/root/.kube"]));
    // Every helm exec goes through the wrapper, and may fail: the module reads its exit code.
    for (const exec of find(steps, "withExec", (a) => (a.args as string[]).includes("helm"))) {
      expect((exec.args.args as string[]).slice(0, 2)).toEqual(["sh", "-c"]);
      expect(exec.args.expect).toBe("ANY");
    }
    const exec = wrapperExec(steps, subcommand);

    // The same script, run for real by busybox (the helm image is alpine: its sh and sed are busybox).
    const bin = busyboxBin();
    const dir = dirname(bin);
    try {
      writeFileSync(join(dir, "kubeconfig"), KIND_KUBECONFIG);
      const script = exec[2]!
        .replaceAll("/run/secrets/kubeconfig", join(dir, "kubeconfig"))
        .replaceAll("/root/.kube/config", join(dir, "config"));
      const out = execFileSync(join(bin, "sh"), ["-c", script, "sh", "echo", ...exec.slice(4)], {
        env: { PATH: bin },
      }).toString();
      expect(out.trim()).toMatch(/ --kube-tls-server-name 127\.0\.0\.1$/);
      const rewritten = readFileSync(join(dir, "config"), "utf8");
      expect(rewritten).toContain("    server: https://kube-api:39221\n");
      expect(rewritten.replace("https://kube-api:39221", "https://127.0.0.1:39221")).toBe(KIND_KUBECONFIG);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe.skipIf(skipWithout("helm", "busybox") || skipWithoutKubeCluster())(
  "the module's deploy and helm-test against a real API server, through the kube-api service",
  () => {
    let cluster: TestKubeCluster;
    let proxy: AliasProxy;
    let port: number;
    let work: string;
    let bin: string;

    beforeAll(async () => {
      cluster = await startKubeCluster();
      port = Number(new URL(cluster.server).port);
      // Inside the engine, kube-api is the service bound to the host's port: here, the cluster.
      proxy = await startAliasProxy({ [`kube-api:${port}`]: `127.0.0.1:${port}` });
      bin = busyboxBin();
      work = dirname(bin);
    }, 240_000);
    afterAll(async () => {
      await proxy?.stop();
      await cluster?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    /**
     * Answers each wrapped helm exec the module sends (exit code, stdout, stderr) by running it on
     * the host: the module's own script, with `kubeconfig` as the mounted secret, busybox as the
     * image's shell, the host's helm, and kube-api reached through the proxy. Each exec runs once.
     */
    function onTheHost(kubeconfig: string): { answer: Answer; ran: string[][]; config: string } {
      const secret = join(work, "secret-kubeconfig");
      const config = join(work, "config");
      writeFileSync(secret, kubeconfig, { mode: 0o600 });
      const results = new Map<string, CommandResult>();
      const ran: string[][] = [];
      const answer: Answer = (chain) => {
        const leaf = chain.at(-1)!.field;
        if (leaf !== "exitCode" && leaf !== "stdout" && leaf !== "stderr") return undefined;
        const args = chain.findLast((s) => s.field === "withExec")?.args.args as string[] | undefined;
        const helm = helmArgv(chain);
        if (!args || args[0] !== "sh" || !helm) return undefined;
        const key = JSON.stringify(chain.slice(0, -1));
        let result = results.get(key);
        if (!result) {
          ran.push(helm);
          const script = args[2]!
            .replaceAll("/run/secrets/kubeconfig", secret)
            .replaceAll("/root/.kube/config", config);
          const run = spawnSync(join(bin, "sh"), ["-c", script, "sh", ...args.slice(4)], {
            cwd: repoRoot,
            encoding: "utf8",
            timeout: 180_000,
            env: {
              PATH: `${bin}:${dirname(findTool("helm")!)}`,
              HOME: work,
              KUBECONFIG: config,
              HTTPS_PROXY: proxy.url,
              https_proxy: proxy.url,
              NO_PROXY: "",
              no_proxy: "",
            },
          });
          result = { exitCode: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
          results.set(key, result);
        }
        return result[leaf];
      };
      return { answer, ran, config };
    }

    const subcommands = (ran: string[][]) =>
      ran.map((argv) => (argv.includes("--dry-run=server") ? "upgrade --dry-run" : argv[1]));
    const deployment = async () => {
      const response = await cluster.request(
        "GET",
        "/apis/apps/v1/namespaces/preview/deployments/sample-app-api",
      );
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body as {
        spec: { template: { spec: { containers: { image: string }[] } } };
        status: { readyReplicas?: number };
      };
    };
    const deploy = (kubeconfig: string, imageTag: string) => {
      const host = onTheHost(kubeconfig);
      return runModule({
        fn: "deploy",
        args: {
          environment: "preview",
          imageTag,
          kubeconfig: secretId("kube"),
          apiServer: hostService(port),
        },
        answer: host.answer,
      }).then((run) => ({ run, ...host }));
    };

    it("deploys with the module's rewritten kubeconfig, the API server's certificate checked as 127.0.0.1", async () => {
      const kubeconfig = readFileSync(cluster.kubeconfig, "utf8");
      expect(kubeconfig).toContain(`server: https://127.0.0.1:${port}\n`);
      const { run, ran, config } = await deploy(kubeconfig, "c1");
      expect(run.error).toBeUndefined();
      expect(run.returned).toBe("sample-app revision 1 deployed in preview");
      expect(subcommands(ran)).toEqual(["status", "upgrade"]);
      // helm dialled kube-api (the alias), never the kubeconfig's 127.0.0.1 directly.
      expect(new Set(proxy.connects())).toEqual(new Set([`kube-api:${port}`]));
      expect(readFileSync(config, "utf8")).toContain(`server: https://kube-api:${port}\n`);
      const api = await deployment();
      expect(api.spec.template.spec.containers[0]!.image).toBe("ghcr.io/example/sample-app-api:c1");
      expect(api.status.readyReplicas).toBe(1);
    }, 300_000);

    it("re-deploys the same as a no-op: the server-side dry run renders what is deployed", async () => {
      const { run, ran } = await deploy(readFileSync(cluster.kubeconfig, "utf8"), "c1");
      expect(run.error).toBeUndefined();
      expect(run.returned).toBe(
        "sample-app in preview is already at this chart and these values (revision 1): nothing to deploy",
      );
      expect(subcommands(ran)).toEqual(["status", "upgrade --dry-run"]);
    }, 300_000);

    it("runs helm test through the same service", async () => {
      const host = onTheHost(readFileSync(cluster.kubeconfig, "utf8"));
      const run = await runModule({
        fn: "helmTest",
        args: { environment: "preview", kubeconfig: secretId("kube"), apiServer: hostService(port) },
        answer: host.answer,
      });
      expect(run.error).toBeUndefined();
      expect(run.returned).toBe("helm test preview passed: sample-app-test-readyz Succeeded");
      expect(subcommands(host.ran)).toEqual(["test"]);
    }, 300_000);

    it("checks a kubeconfig naming localhost as localhost, a name the certificate carries", async () => {
      const kubeconfig = readFileSync(cluster.kubeconfig, "utf8").replace(
        `server: https://127.0.0.1:${port}`,
        `server: https://localhost:${port}`,
      );
      const { run, ran } = await deploy(kubeconfig, "c2");
      expect(run.error).toBeUndefined();
      expect(run.returned).toBe("sample-app revision 2 deployed in preview");
      expect(subcommands(ran)).toEqual(["status", "upgrade --dry-run", "upgrade"]);
      expect((await deployment()).spec.template.spec.containers[0]!.image).toBe(
        "ghcr.io/example/sample-app-api:c2",
      );
    }, 300_000);

    it("needs the TLS server name: helm refuses kube-api, or a name the certificate lacks", () => {
      const { config } = onTheHost(readFileSync(cluster.kubeconfig, "utf8"));
      writeFileSync(config, readFileSync(cluster.kubeconfig, "utf8").replace("127.0.0.1", "kube-api"));
      const status = (...extra: string[]) =>
        spawnSync(findTool("helm")!, ["status", "sample-app", "-n", "preview", ...extra], {
          encoding: "utf8",
          env: {
            PATH: process.env.PATH,
            HOME: work,
            KUBECONFIG: config,
            HTTPS_PROXY: proxy.url,
            NO_PROXY: "",
          },
        });
      const plain = status();
      expect(plain.status).toBe(1);
      expect(plain.stderr).toMatch(/x509: certificate is valid for .*, not kube-api/);
      const wrong = status("--kube-tls-server-name", "api.example.com");
      expect(wrong.status).toBe(1);
      expect(wrong.stderr).toMatch(/x509: certificate is valid for .*, not api\.example\.com/);
      const right = status("--kube-tls-server-name", "127.0.0.1");
      expect(right.status, right.stderr).toBe(0);
    });
  },
);
