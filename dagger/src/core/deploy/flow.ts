/**
 * The deploy and helm-test steps as flows over an injected command runner, so the module (execs in
 * the helm image) and the host runner (processes on this machine) take the same decisions in the
 * same order. No I/O here: `run` is the only way out.
 */
import { FailureError } from "../errors.js";
import type { DeployCommands } from "./commands.js";
import {
  type CommandResult,
  deployFailure,
  helmError,
  helmTestOutcome,
  parseRelease,
  releaseNotFound,
  unchangedRelease,
} from "./outcome.js";

/** Runs one argv against the cluster and reports how it ended (never throws for a non-zero exit). */
export type RunCommand = (argv: readonly string[]) => Promise<CommandResult>;

/** What a deploy did. */
export interface DeployOutcome {
  /** False when the release already had this chart and values (nothing was applied). */
  changed: boolean;
  /** The release's revision after the deploy. */
  revision: number;
  /** One line for people. */
  summary: string;
}

/**
 * Deploys: reads the release; when it is deployed, renders the upgrade on the API server
 * (`--dry-run=server`) and stops if nothing would change, so a re-run makes no revision and runs no
 * hook; else upgrades with `--atomic --wait`. A failed rollout is rolled back by helm and reported
 * with the resources that were not ready.
 */
export async function deployRelease(
  run: RunCommand,
  input: { release: string; where: string; commands: DeployCommands; timeout: string },
): Promise<DeployOutcome> {
  const { release, where, commands } = input;
  const status = await run(commands.status);
  if (status.exitCode !== 0 && !releaseNotFound(status))
    throw new FailureError(`deploy ${where}: cannot read release ${release}: ${helmError(status)}`);
  if (status.exitCode === 0) {
    const current = parseRelease(status.stdout, `deploy ${where} (helm status)`);
    const dryRun = await run(commands.dryRun);
    if (dryRun.exitCode !== 0)
      throw new FailureError(`deploy ${where} failed: helm cannot render the upgrade: ${helmError(dryRun)}`);
    if (unchangedRelease(current, parseRelease(dryRun.stdout, `deploy ${where} (helm upgrade --dry-run)`)))
      return {
        changed: false,
        revision: current.revision,
        summary: `${release} in ${where} is already at this chart and these values (revision ${current.revision}): nothing to deploy`,
      };
  }
  const upgrade = await run(commands.upgrade);
  if (upgrade.exitCode !== 0) throw new FailureError(deployFailure(where, upgrade, input.timeout));
  const deployed = parseRelease(upgrade.stdout, `deploy ${where} (helm upgrade)`);
  return {
    changed: true,
    revision: deployed.revision,
    summary: `${release} revision ${deployed.revision} ${deployed.status} in ${where}`,
  };
}

/** Runs `helm test` and reports its pods; throws naming a failed pod and how to read its logs. */
export async function testRelease(
  run: RunCommand,
  input: { where: string; namespace: string; argv: readonly string[] },
): Promise<string> {
  return helmTestOutcome(input.where, input.namespace, await run(input.argv));
}
