/**
 * The checks a promotion passes before anything is committed, beyond the registry's: the version
 * came through the environment this one is promoted `from`, and (with a release public key in
 * COSIGN_PUBLIC_KEY) what `verify` requires of signatures, SBOMs and provenance.
 */
import type { PipelineConfig } from "../../core/config/config.js";
import { FailureError } from "../../core/errors.js";
import { fromRefusal } from "../../core/gitops/promotion-source.js";
import type { SupplyChainExpectations } from "../supply-chain/check.js";
import { history } from "./history.js";
import type { GitopsTarget } from "./workspace.js";

/** Throws a one-line FailureError when `environment` has a `from` that never had `version`. */
export async function assertCameFrom(
  target: GitopsTarget,
  environment: string,
  version: string,
): Promise<void> {
  const from = target.config.environments[environment]?.from;
  if (!from) return;
  const entries = await history({ ...target, environment: from });
  const refusal = fromRefusal(target.config.app, environment, from, version, entries);
  if (refusal) throw new FailureError(refusal);
}

/** Supply-chain expectations for a verified promotion, when COSIGN_PUBLIC_KEY names the release key. */
export function supplyChainFromEnv(
  config: PipelineConfig,
  commit: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): SupplyChainExpectations | undefined {
  const publicKey = env.COSIGN_PUBLIC_KEY;
  return publicKey ? { publicKey, sourceUrl: config.source.url, commit } : undefined;
}
