/**
 * `pipeline serve --container <image>`: the host runner runs the repository's code in a container
 * with only the run's folder mounted. A hostile `test.before` looks for every environment it can
 * see (its own and every process's in /proc) and for the host's files, and prints what it finds
 * into the run's log.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git } from "../support/git.js";
import { ensureGoImage } from "../support/go-container.js";
import {
  api,
  githubHook,
  makeServeApp,
  pushPayload,
  type ServeProcess,
  startServe,
  waitForRun,
} from "../support/serve.js";
import { ALL_SECRETS, HELD, servedGitops, trustYaml } from "../support/serve-trust.js";
import { removeTempDirs } from "../support/temp.js";

describe("pipeline serve --container", () => {
  let gitops: Awaited<ReturnType<typeof servedGitops>>;
  let serve: ServeProcess;
  let app: ReturnType<typeof makeServeApp>;
  let image: string;
  beforeAll(async () => {
    image = ensureGoImage();
    gitops = await servedGitops();
    app = makeServeApp(trustYaml({ gitops: gitops.url, stages: ["test"] }));
    const args = ["--workers", "1", "--runner", "host", "--container", image, "--repo-url", app.dir];
    serve = await startServe(app.dir, args, HELD);
  }, 600_000);
  afterAll(async () => {
    await serve?.stop();
    await gitops?.server.close();
    removeTempDirs();
  });

  const runOf = async (yaml: string, branch: string) => {
    const sha = app.commit(yaml, branch);
    const queued = await githubHook(serve.url, "push", pushPayload(`refs/heads/${branch}`, sha));
    const run = await waitForRun(serve.url, queued.body.id as number, "final", 540_000);
    const lines = ((await api(serve.url, `/api/runs/${run.id}/logs`)).body.lines as { line: string }[]).map(
      (l) => l.line,
    );
    return { run, log: lines.join("\n") };
  };

  it("runs a hostile test.before in the image: no host file, no other process, no credential in sight", async () => {
    // A script in the repository, as a hostile pull request would ship it; it fails on purpose,
    // so the stage's error shows what it printed.
    const probe = [
      "echo ROOT: $(ls /)",
      "echo PROCESSES: $(ls /proc | grep -c '^[0-9]')",
      "echo HOSTWORK: $(ls -d /work /root/.docker 2>&1 | grep -c 'No such file')",
      "cat /proc/[0-9]*/environ | tr '\\000' '\\n' > /tmp/all-environ",
      "echo NAMES: $(sed 's/=.*//' /tmp/all-environ | sort -u | tr '\\n' ' ')",
      "echo LEAKED: $(grep -c -e GITOPS_TOKEN -e REGISTRY_PASSWORD -e PIPELINE_API -e ACME_DEPLOY /tmp/all-environ)",
      "exit 1",
      "",
    ].join("\n");
    writeFileSync(join(app.dir, "src", "probe.sh"), probe);
    git(app.dir, "add", "src/probe.sh");
    const { run, log } = await runOf(
      trustYaml({ gitops: gitops.url, stages: ["test"], before: "sh probe.sh" }),
      "feat/probe",
    );
    expect(run.status, log).toBe("failed");
    // The image's root, not the host's: no /work, no /root/.docker; only the container's processes.
    expect(log).toMatch(/ROOT: bin .*usr/);
    expect(log).toMatch(/HOSTWORK: 2\b/);
    expect(Number(/PROCESSES: (\d+)/.exec(log)?.[1])).toBeLessThan(10);
    expect(log).toMatch(/NAMES: .*GOCACHE/);
    expect(log).toMatch(/LEAKED: 0\b/);
    expect(log).not.toMatch(/GITOPS_TOKEN|GITHUB_TOKEN|REGISTRY_|PIPELINE_API|PIPELINE_GITHUB|\*\*\*/);
    for (const secret of ALL_SECRETS) expect(log).not.toContain(secret);
  }, 600_000);

  it("runs go test in the image, with Go's caches in the run's folder", async () => {
    const { run, log } = await runOf(trustYaml({ gitops: gitops.url, stages: ["test"] }), "feat/tests");
    expect(run.status, log).toBe("succeeded");
    expect(run.stages.map((s) => [s.name, s.status])).toEqual([["test", "ok"]]);
    expect(serve.output()).toContain(`repository code in ${image}`);
  }, 600_000);
});
