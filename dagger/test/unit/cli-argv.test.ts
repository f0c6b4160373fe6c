import { describe, expect, it } from "vitest";
import {
  chartPushCommand,
  cliInvocation,
  latestCommand,
  previewDownCommand,
  previewUpCommand,
  promoteCommand,
  rollbackCommand,
  verifyCommand,
} from "../../src/core/tools/pipeline-cli.js";

const sha = "a".repeat(40);

describe("the CLI commands the module runs", () => {
  it.each([
    [
      "promote",
      promoteCommand({
        environment: "staging",
        imageTag: "sha-1",
        chartVersion: "1.0.0-sha-1",
        sourceSha: sha,
      }),
      `promote --env staging --image-tag sha-1 --chart-version 1.0.0-sha-1 --source-sha ${sha}`,
    ],
    [
      "promote, forced, to another repo",
      promoteCommand({
        environment: "prod",
        imageTag: "1.2.3",
        chartVersion: "1.2.3",
        sourceSha: sha,
        repo: "https://git.example/gitops.git",
        force: true,
      }),
      `promote --env prod --image-tag 1.2.3 --chart-version 1.2.3 --source-sha ${sha} --repo https://git.example/gitops.git --force`,
    ],
    [
      "preview up",
      previewUpCommand({ pr: 42, imageTag: "pr-42-abc", chartVersion: "0.0.0-pr-42-abc" }),
      "preview up --pr 42 --image-tag pr-42-abc --chart-version 0.0.0-pr-42-abc",
    ],
    ["preview down", previewDownCommand({ pr: 7 }), "preview down --pr 7"],
    ["rollback", rollbackCommand({ environment: "prod" }), "rollback --env prod"],
    [
      "rollback to a version",
      rollbackCommand({ environment: "prod", to: "1.2.2" }),
      "rollback --env prod --to 1.2.2",
    ],
    ["verify", verifyCommand({ imageTag: "1.2.3" }), "verify --image-tag 1.2.3"],
    [
      "verify with chart and registry",
      verifyCommand({ imageTag: "1.2.3", chartVersion: "1.2.3", registry: "ghcr.io/acme" }),
      "verify --image-tag 1.2.3 --chart-version 1.2.3 --registry ghcr.io/acme",
    ],
    [
      "latest with the tag type from git",
      latestCommand({ repository: "ghcr.io/acme/app-api", version: "1.2.3", tagType: "lightweight" }),
      "latest ghcr.io/acme/app-api --version 1.2.3 --tag-type lightweight",
    ],
    [
      "latest forced, dry run",
      latestCommand({ repository: "r/a", version: "2.0.0", strategy: "force", dryRun: true }),
      "latest r/a --version 2.0.0 --strategy force --dry-run",
    ],
    [
      "chart push to a bound registry",
      chartPushCommand({
        chart: "/chart.tgz",
        target: "oci://registry:5001/charts",
        insecureHost: "registry:5001",
      }),
      "chart push /chart.tgz oci://registry:5001/charts --insecure registry:5001",
    ],
  ])("%s", (_, argv, expected) => {
    expect(argv.join(" ")).toBe(expected);
  });

  it("runs every command with the config file and JSON output, never a credential", () => {
    expect(
      cliInvocation("/pipeline/dist/bin/pipeline.js", "/repo/pipeline.yaml", [
        "preview",
        "down",
        "--pr",
        "1",
      ]),
    ).toEqual([
      "node",
      "/pipeline/dist/bin/pipeline.js",
      "--config",
      "/repo/pipeline.yaml",
      "preview",
      "down",
      "--pr",
      "1",
      "--json",
    ]);
  });
});
