/**
 * deploy and helm-test against a cluster whose kubeconfig names the host's loopback (Kind's
 * `server: https://127.0.0.1:<port>`): inside the engine that address is the container's own, so
 * the API server comes in as a Service bound as `kube-api`, and the kubeconfig is rewritten to
 * it in the container. The rewrite is shell run by the helm image's busybox; here it also runs for
 * real, with the host's busybox, on a Kind-shaped kubeconfig.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findTool } from "../support/tools.js";
import { decodeId, encodeId, type Step } from "./engine.js";
import { allSteps, runModule, secretId } from "./harness.js";

const API_SERVER = encodeId([
  { field: "host", args: {} },
  { field: "service", args: { ports: [{ frontend: 39221, backend: 39221 }] } },
]);

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

describe.each([
  ["deploy", { environment: "preview", imageTag: "pr-1-abc1234" }, ["helm", "upgrade"]],
  ["helmTest", { environment: "staging" }, ["helm", "test"]],
])("%s with the API server as a Service", (fn, args, command) => {
  it("binds it as kube-api and points the kubeconfig there, keeping the certificate's name", async () => {
    const run = await runModule({
      fn,
      args: { ...args, kubeconfig: secretId("kube"), apiServer: API_SERVER },
    });
    expect(run.error).toBeUndefined();
    expect(run.exitCode, run.stderr).toBe(0);
    const steps = allSteps(run);
    const binding = find(steps, "withServiceBinding")[0];
    expect(binding?.args.alias).toBe("kube-api");
    expect(decodeId(String(binding?.args.service))).toEqual(decodeId(API_SERVER));
    // The secret is read from /run/secrets; the rewritten copy lives on a tmpfs, never in a layer.
    expect(find(steps, "withMountedSecret").map((s) => s.args.path)).toEqual(["/run/secrets/kubeconfig"]);
    expect(find(steps, "withMountedTemp").map((s) => s.args.path)).toEqual(["/root/.kube"]);
    const exec = find(steps, "withExec")
      .map((s) => s.args.args as string[])
      .find((a) => a[0] === "sh")!;
    expect(exec.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(exec.slice(3, 6)).toEqual(["sh", ...command]);

    // The same script, run for real by busybox (the helm image is alpine: its sh and sed are busybox).
    const busybox = findTool("busybox");
    if (!busybox) throw new Error("busybox not found: apt-get install busybox-static (bash .ci/run does)");
    const dir = mkdtempSync(join(tmpdir(), "pipeline-kube-api-"));
    try {
      mkdirSync(join(dir, "bin"));
      for (const applet of ["sh", "sed", "head", "echo"]) symlinkSync(busybox, join(dir, "bin", applet));
      writeFileSync(join(dir, "kubeconfig"), KIND_KUBECONFIG);
      const script = exec[2]!
        .replaceAll("/run/secrets/kubeconfig", join(dir, "kubeconfig"))
        .replaceAll("/root/.kube/config", join(dir, "config"));
      const out = execFileSync(join(dir, "bin", "sh"), ["-c", script, "sh", "echo", ...exec.slice(4)], {
        env: { PATH: join(dir, "bin") },
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
