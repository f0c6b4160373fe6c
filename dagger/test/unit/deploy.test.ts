import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/core/config/config.js";
import {
  deleteNamespaceArgv,
  deployCommands,
  deployTimeout,
  helmRollbackArgv,
  helmTestArgv,
  helmUninstallArgv,
} from "../../src/core/deploy/commands.js";
import { deployRelease, type RunCommand } from "../../src/core/deploy/flow.js";
import {
  type CommandResult,
  deployFailure,
  helmError,
  helmTestOutcome,
  notReady,
  parseRelease,
  releaseNotFound,
  unchangedRelease,
} from "../../src/core/deploy/outcome.js";
import { rollbackRevision } from "../../src/core/deploy/rollback.js";
import { deployTarget, targetName } from "../../src/core/deploy/target.js";
import { FailureError, UsageError } from "../../src/core/errors.js";

const config = resolveConfig(
  {
    app: "shop",
    image: { registry: "ghcr.io/acme" },
    environments: { staging: {}, uat: {}, prod: { namespace: "shop" } },
    preview: { host: "pr-{pr}.preview.example.com" },
  },
  "pipeline.yaml",
  ["api", "worker"],
);
config.chart.path = "helm/shop";

const release = (
  revision: number,
  status: string,
  manifest = "kind: Deployment\n",
  hooks: Record<string, string> = { test: "kind: Pod\n" },
) =>
  JSON.stringify({
    name: "shop",
    version: revision,
    info: { status },
    manifest,
    hooks: Object.entries(hooks).map(([name, m]) => ({ name, kind: "Pod", manifest: m })),
  });
const ok = (stdout = ""): CommandResult => ({ exitCode: 0, stdout, stderr: "" });
const failed = (stderr: string, stdout = ""): CommandResult => ({ exitCode: 1, stdout, stderr });

describe("where a deploy goes", () => {
  it.each([
    [
      "staging",
      undefined,
      { namespace: "shop-staging", valuesFile: "environments/staging/values.yaml", set: {} },
    ],
    ["prod", undefined, { namespace: "shop", valuesFile: "environments/prod/values.yaml", set: {} }],
    ["preview", undefined, { namespace: "preview", valuesFile: "environments/preview.yaml", set: {} }],
    [
      "preview",
      42,
      {
        namespace: "preview-42",
        valuesFile: "environments/preview.yaml",
        set: { "ingress.host": "pr-42.preview.example.com" },
        pr: 42,
      },
    ],
  ] as const)("%s (pull request %s) -> %j", (environment, pr, expected) => {
    expect(deployTarget(config, environment, pr)).toEqual({ environment, ...expected });
  });

  it("names the target in messages", () => {
    expect(targetName(deployTarget(config, "preview", 42))).toBe("preview-42 (preview of #42)");
    expect(targetName(deployTarget(config, "staging"))).toBe("shop-staging (staging)");
    expect(targetName(deployTarget(config, "preview"))).toBe("preview");
  });

  it.each([
    ["qa", undefined, /unknown environment "qa"; pipeline.yaml defines: staging, uat, prod, preview/],
    ["staging", 7, /use --pr with the preview environment, not "staging"/],
    ["preview", 0, /pull request 0 is not a positive whole number/],
  ] as const)("refuses %s with pull request %s", (environment, pr, message) => {
    expect(() => deployTarget(config, environment, pr)).toThrow(UsageError);
    expect(() => deployTarget(config, environment, pr)).toThrow(message);
  });
});

describe("the deploy's helm commands", () => {
  const commands = deployCommands(config, deployTarget(config, "preview", 42), {
    chart: "helm/shop",
    imageTag: "123",
    registry: "127.0.0.1:5000/",
    timeout: "90s",
  });

  it("reads the release, renders the upgrade on the server, then upgrades atomically", () => {
    const values = [
      ...["--set-string", "images.api.repository=127.0.0.1:5000/shop-api"],
      ...["--set-string", "images.worker.repository=127.0.0.1:5000/shop-worker"],
      ...["--set-string", "images.api.tag=123"],
      ...["--set-string", "images.worker.tag=123"],
      ...["--set-string", "ingress.host=pr-42.preview.example.com"],
    ];
    const upgrade = ["helm", "upgrade", "--install", "shop", "helm/shop", "--namespace", "preview-42"];
    const base = [...upgrade, "--create-namespace", "--values", "environments/preview.yaml", ...values];
    expect(commands).toEqual({
      status: ["helm", "status", "shop", "--namespace", "preview-42", "--output", "json"],
      dryRun: [...base, "--dry-run=server", "--output", "json"],
      upgrade: [...base, "--atomic", "--wait", "--timeout", "90s", "--debug", "--output", "json"],
    });
  });

  it("leaves the repositories to the values without a registry, and waits 5m by default", () => {
    const plain = deployCommands(config, deployTarget(config, "staging"), {
      chart: "helm/shop",
      imageTag: "1.2.3",
    });
    expect(plain.upgrade.filter((a) => a.includes("repository"))).toEqual([]);
    expect(
      plain.upgrade.slice(plain.upgrade.indexOf("--timeout"), plain.upgrade.indexOf("--timeout") + 2),
    ).toEqual(["--timeout", "5m"]);
  });

  it("tests, rolls back, uninstalls and deletes a preview's namespace with the same timeout", () => {
    expect(helmTestArgv("shop", "preview-42", "2m")).toEqual([
      ...["helm", "test", "shop", "--namespace", "preview-42", "--timeout", "2m"],
    ]);
    expect(helmRollbackArgv("shop", "preview-42", 3)).toEqual([
      ...["helm", "rollback", "shop", "3", "--namespace", "preview-42", "--wait", "--timeout", "5m"],
    ]);
    expect(helmUninstallArgv("shop", "preview-42", "1m")).toEqual([
      ...["helm", "uninstall", "shop", "--namespace", "preview-42", "--wait", "--timeout", "1m"],
    ]);
    expect(deleteNamespaceArgv("preview-42", "1m")).toEqual([
      ...[
        "kubectl",
        "delete",
        "namespace",
        "preview-42",
        "--ignore-not-found",
        "--wait=true",
        "--timeout=1m",
      ],
    ]);
  });

  it.each([
    ["90s", "90s"],
    ["1h30m", "1h30m"],
    ["0.5m", "0.5m"],
    [undefined, "5m"],
    ["", "5m"],
  ])("takes the timeout %j as %j", (given, expected) => {
    expect(deployTimeout(given)).toBe(expected);
  });

  it.each(["5", "five minutes", "0s", "5m; rm -rf /", "-1m"])("refuses the timeout %j", (given) => {
    expect(() => deployTimeout(given)).toThrow(/--timeout .* is not a duration \(examples: 90s, 5m, 1h30m\)/);
  });
});

describe("what helm's answers mean", () => {
  it("reads a release's revision, status, manifest and hooks", () => {
    expect(parseRelease(release(3, "deployed"), "x")).toEqual({
      revision: 3,
      status: "deployed",
      manifest: "kind: Deployment\n",
      hooks: { test: "kind: Pod\n" },
    });
    expect(() => parseRelease("NAME: shop", "deploy x (helm status)")).toThrow(
      "deploy x (helm status): helm printed no release JSON (10 bytes of something else)",
    );
  });

  it("knows a release that does not exist", () => {
    expect(releaseNotFound(failed("Error: release: not found\n"))).toBe(true);
    expect(releaseNotFound(failed("Error: Kubernetes cluster unreachable"))).toBe(false);
  });

  it.each([
    ["the same manifest and hooks", release(2, "deployed"), true],
    ["a failed current revision", release(2, "failed"), false],
    ["another manifest", release(2, "deployed", "kind: Deployment\nimage: b\n"), false],
    ["another hook", release(2, "deployed", undefined, { test: "kind: Pod\nimage: b\n" }), false],
    [
      "one hook more",
      release(2, "deployed", undefined, { test: "kind: Pod\n", migrate: "kind: Job\n" }),
      false,
    ],
  ])("judges a re-deploy with %s unchanged: %s", (_, current, same) => {
    expect(
      unchangedRelease(parseRelease(current, "x"), parseRelease(release(3, "pending-upgrade"), "x")),
    ).toBe(same);
  });

  const rolledBack = [
    "upgrade.go:447: 2026-12-07 [debug] waiting for release shop resources (created: 0 updated: 4  deleted: 0)",
    "ready.go:297: 2026-12-07 [debug] Deployment is not ready: preview-42/shop-api. observedGeneration (3) does not match spec generation (4).",
    "ready.go:303: 2026-12-07 [debug] Deployment is not ready: preview-42/shop-api. 0 out of 1 expected pods are ready",
    "wait.go:85: 2026-12-07 [debug] wait for resources failed after 20s: context deadline exceeded",
    "upgrade.go:505: 2026-12-07 [debug] Upgrade failed and atomic is set, rolling back to last successful release",
    "rollback.go:132: 2026-12-07 [debug] rolling back shop (current: v4, target: v3)",
    // The rollback's own wait, which is not why the rollout failed.
    "ready.go:297: 2026-12-07 [debug] Deployment is not ready: preview-42/shop-api. observedGeneration (4) does not match spec generation (5).",
    "Error: UPGRADE FAILED: release shop failed, and has been rolled back due to atomic being set: context deadline exceeded",
    "helm.go:92: 2026-12-07 [debug] context deadline exceeded",
    "release shop failed, and has been rolled back due to atomic being set",
    "helm.sh/helm/v3/pkg/action.(*Upgrade).failRelease",
  ].join("\n");

  it("says which resources were not ready when a rollout timed out, and that helm rolled it back", () => {
    expect(notReady(rolledBack)).toEqual([
      "Deployment preview-42/shop-api: 0 out of 1 expected pods are ready",
    ]);
    expect(deployFailure("preview-42 (preview of #42)", failed(rolledBack), "20s")).toBe(
      [
        "deploy preview-42 (preview of #42) failed and helm rolled it back to revision 3: not ready within 20s: Deployment preview-42/shop-api: 0 out of 1 expected pods are ready",
        "helm: UPGRADE FAILED: release shop failed, and has been rolled back due to atomic being set: context deadline exceeded",
      ].join("\n"),
    );
  });

  it("says a first install that failed was removed, and gives helm's own error for anything else", () => {
    const install =
      "Error: INSTALL FAILED: release shop failed, and has been uninstalled due to atomic being set: context deadline exceeded";
    expect(deployFailure("staging", failed(install), "5m")).toMatch(
      /^deploy staging failed and helm removed the release it had installed: not ready within 5m\nhelm: INSTALL FAILED/,
    );
    const schema = [
      "Error: values don't meet the specifications of the schema(s) in the following chart(s):",
      "shop:",
      "- images.api.tag: Invalid type. Expected: string, given: integer",
      "",
      "helm.go:92: 2026-12-07 [debug] values don't meet ...",
    ].join("\n");
    expect(helmError(failed(schema))).toBe(
      "values don't meet the specifications of the schema(s) in the following chart(s):\nshop:\n- images.api.tag: Invalid type. Expected: string, given: integer",
    );
    expect(deployFailure("staging", failed(schema), "5m")).toMatch(
      /^deploy staging failed: values don't meet/,
    );
  });

  it("reports a passing helm test with its pods, and a failing one with the pod and how to read its logs", () => {
    const stdout = "NAME: shop\nTEST SUITE:     shop-test\nLast Started:   Mon\nPhase:          Succeeded\n";
    expect(helmTestOutcome("preview", "preview", ok(stdout))).toBe(
      "helm test preview passed: shop-test Succeeded",
    );
    const failing = failed(
      "Error: 1 error occurred:\n\t* pod shop-test failed\n",
      stdout.replace("Succeeded", "Failed"),
    );
    expect(() => helmTestOutcome("preview", "preview", failing)).toThrow(FailureError);
    expect(() => helmTestOutcome("preview", "preview", failing)).toThrow(
      "helm test preview failed: test pod shop-test failed\n  its logs: kubectl logs --namespace preview shop-test\nhelm: 1 error occurred:\n\t* pod shop-test failed",
    );
    expect(() => helmTestOutcome("preview", "preview", failed("Error: release: not found"))).toThrow(
      "helm test preview failed: release: not found",
    );
  });
});

describe("a rollback's revision", () => {
  const history = (...rows: [number, string, string?][]) =>
    JSON.stringify(
      rows.map(([revision, status, description = "Upgrade complete"]) => ({ revision, status, description })),
    );

  it("skips the revisions the current one is a copy of: after --atomic rolled back, back means the one before", () => {
    // 1: t1, 2: t2, 3: a failed upgrade, 4: helm's automatic "Rollback to 2".
    const atomic = history(
      [1, "superseded"],
      [2, "superseded"],
      [3, "failed"],
      [4, "deployed", "Rollback to 2"],
    );
    expect(rollbackRevision(atomic)).toEqual({ from: 4, to: 1 });
    // 5 copies 4, which copies 2: going back still means 1.
    const twice = history(
      [1, "superseded"],
      [2, "superseded"],
      [3, "failed"],
      [4, "superseded", "Rollback to 2"],
      [5, "deployed", "Rollback to 4"],
    );
    expect(rollbackRevision(twice)).toEqual({ from: 5, to: 1 });
  });

  it("goes to the newest earlier revision that was deployed, skipping failed ones", () => {
    expect(rollbackRevision(history([1, "superseded"], [2, "superseded"], [3, "deployed"]))).toEqual({
      from: 3,
      to: 2,
    });
    expect(rollbackRevision(history([1, "superseded"], [2, "failed"], [3, "deployed"]))).toEqual({
      from: 3,
      to: 1,
    });
    expect(rollbackRevision(history([1, "superseded"], [2, "superseded"], [3, "deployed"]), 1)).toEqual({
      from: 3,
      to: 1,
    });
  });

  it("refuses when there is nothing to go back to, or a revision the history lacks", () => {
    expect(() => rollbackRevision(history([1, "deployed"]))).toThrow(
      /no earlier revision differs from the current one \(1\)/,
    );
    expect(() => rollbackRevision(history([1, "superseded"], [2, "deployed"]), 5)).toThrow(
      "deploy --rollback 5: the release's earlier revisions are 1 (superseded)",
    );
    expect(() => rollbackRevision(history([1, "superseded"], [2, "deployed"]), 2)).toThrow(UsageError);
  });
});

describe("the deploy flow", () => {
  const commands = deployCommands(config, deployTarget(config, "preview"), {
    chart: "helm/shop",
    imageTag: "t",
  });
  /** A runner that answers each command by its helm subcommand (and --dry-run), recording the order. */
  const scripted = (answers: Record<string, CommandResult>) => {
    const ran: string[] = [];
    const run: RunCommand = async (argv) => {
      const name = argv.includes("--dry-run=server") ? "dry-run" : argv[1]!;
      ran.push(name);
      return answers[name] ?? failed(`no answer for ${name}`);
    };
    return { run, ran };
  };
  const input = { release: "shop", where: "preview", commands, timeout: "5m" };

  it("installs a release that does not exist yet, without a dry run", async () => {
    const { run, ran } = scripted({
      status: failed("Error: release: not found"),
      upgrade: ok(release(1, "deployed")),
    });
    expect(await deployRelease(run, input)).toEqual({
      changed: true,
      revision: 1,
      summary: "shop revision 1 deployed in preview",
    });
    expect(ran).toEqual(["status", "upgrade"]);
  });

  it("stops after the dry run when the release already renders the same", async () => {
    const { run, ran } = scripted({
      status: ok(release(4, "deployed")),
      "dry-run": ok(release(5, "pending-upgrade")),
    });
    expect(await deployRelease(run, input)).toEqual({
      changed: false,
      revision: 4,
      summary: "shop in preview is already at this chart and these values (revision 4): nothing to deploy",
    });
    expect(ran).toEqual(["status", "dry-run"]);
  });

  it("upgrades when the render differs, and fails naming the cluster error when the release cannot be read", async () => {
    const changed = scripted({
      status: ok(release(4, "deployed")),
      "dry-run": ok(release(5, "pending-upgrade", "kind: Deployment\nimage: new\n")),
      upgrade: ok(release(5, "deployed")),
    });
    expect((await deployRelease(changed.run, input)).revision).toBe(5);
    expect(changed.ran).toEqual(["status", "dry-run", "upgrade"]);
    const unreachable = scripted({
      status: failed(
        "Error: Kubernetes cluster unreachable: dial tcp 127.0.0.1:1: connect: connection refused",
      ),
    });
    await expect(deployRelease(unreachable.run, input)).rejects.toThrow(
      "deploy preview: cannot read release shop: Kubernetes cluster unreachable: dial tcp 127.0.0.1:1: connect: connection refused",
    );
  });
});
