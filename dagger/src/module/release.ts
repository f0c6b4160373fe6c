/**
 * The release run: the plan's stages in order — lint and test in parallel, then the rest — each
 * timed; the first failure stops the run and the summary says which stages did not run.
 */
import type { Directory, Secret, Service } from "@dagger.io/dagger";
import type { Stage } from "../core/config/config.js";
import { UsageError } from "../core/errors.js";
import { isPlainHttp } from "../core/registry/registries.js";
import type { Plan } from "../core/release/plan.js";
import { type StageOutcome as CoreStageOutcome, runStages } from "../core/runners/stage-runner.js";
import { pinnedFromRun } from "../core/supply-chain/keyless.js";
import { githubRunEnv } from "../core/supply-chain/provenance.js";
import { chartLint } from "./chart.js";
import { chartPushPlanned } from "./chart-push.js";
import type { ModuleContext } from "./context.js";
import {
  type RegistryLoginArgs,
  registryLogins,
  requireLogin,
  requireLoginArgs,
  requireSecret,
} from "./credentials.js";
import { previewPlanned, promotePlanned } from "./gitops.js";
import { lint, test } from "./go.js";
import { publishPlanned } from "./publish.js";
import { latestPlanned } from "./registry.js";
import { releaseNotes } from "./release-notes.js";
import { type KeylessArguments, keylessSource, keylessStep, supplyChainStep } from "./supply-chain.js";

/** One stage's outcome. */
export type StageOutcome = CoreStageOutcome<Stage>;

/** Stages that build, image and publish are done together by publish (Dagger builds lazily). */
const FOLDED_INTO_PUBLISH: readonly Stage[] = ["build", "images", "manifests"];

/** Why a release run without a signing key or an OIDC identity leaves its artifacts unsigned. */
export const NO_SIGNING_KEY =
  "no signing key: pass --signing-key env:COSIGN_PRIVATE_KEY, or an OIDC identity to sign keylessly (--actions-id-token-request-url/--actions-id-token-request-token, or --identity-token), to attach SBOMs, signatures and provenance";

/** Runs the plan's stages with the given implementations; stages without one are reported as skipped. */
export async function runRelease(
  plan: Plan,
  steps: Partial<Record<Stage, () => Promise<string>>>,
): Promise<{ plan: string; stages: StageOutcome[] }> {
  // The shared runner (core/runners/stage-runner.ts, also behind `npm run pipeline`); outputs are not kept.
  const quiet = Object.fromEntries(
    Object.entries(steps).map(([stage, step]) => [stage, () => step!().then(() => undefined)]),
  ) as Partial<Record<Stage, () => Promise<undefined>>>;
  const outcomes = await runStages(plan.stages, quiet, {
    parallel: ["lint", "test"],
    noStep: (stage) =>
      FOLDED_INTO_PUBLISH.includes(stage)
        ? "done by publish"
        : stage === "sign"
          ? NO_SIGNING_KEY
          : "no step in the module",
  });
  const failed = outcomes.some((o) => o.status === "failed");
  if (failed) {
    const first = outcomes.find((o) => o.status === "failed")!;
    throw new Error(
      `release failed at ${first.stage}: ${first.detail}\n${JSON.stringify(outcomes, null, 2)}`,
    );
  }
  return { plan: `${plan.event.kind} ${plan.version}`, stages: outcomes };
}

/** The arguments of `dagger call release`. */
export interface ReleaseInput extends KeylessArguments, RegistryLoginArgs {
  ref?: string;
  pr?: number;
  registry?: string;
  token?: Secret;
  sha?: string;
  registryService?: Service;
  signingKey?: Secret;
  workflowRef?: string;
  runUrl?: string;
  /** chart-lint's schemas folder (chart-lint --schemas). */
  schemas?: Directory;
}

/** Runs the event's plan: every stage gets its tags and versions from one plan; resolves to the summary JSON. */
export async function release(context: ModuleContext, input: ReleaseInput): Promise<string> {
  const { registry, registryService, signingKey } = input;
  // Before any stage: a malformed run is refused with nothing pushed.
  const github = githubRunEnv({ workflowRef: input.workflowRef, runUrl: input.runUrl });
  const logins = await registryLogins("release", input);
  const config = await context.config();
  const plan = await context.plan({ ref: input.ref, sha: input.sha, pr: input.pr });
  const source = context.source;
  const imageRegistry = registry ?? config.image.registry;
  const gitopsToken = (what: string) =>
    requireSecret(input.token, `release --token (${what})`, "--token env:GITOPS_TOKEN");
  const keylessIdentity = keylessSource(input);
  // What this run pushed, by digest: keyless signing signs exactly these.
  const pushed: { images: string[]; chart?: { ref: string; digest: string } } = { images: [] };
  const summary = await runRelease(plan, {
    lint: () => lint(source, config),
    test: () => test(source, config),
    "chart-lint": () => chartLint(source, config, input.schemas),
    publish: async () => {
      requireLoginArgs("release", registry, input);
      pushed.images = await publishPlanned(context, config, plan, {
        registry: imageRegistry,
        tags: [plan.tags.image, ...plan.tags.extra],
        auth: requireLogin(logins, imageRegistry, "release"),
        registryService,
      });
      return pushed.images.join("\n");
    },
    "helm-push": async () => {
      const out = await chartPushPlanned(context, config, plan, {
        version: plan.chart.version,
        logins,
        registryService,
      });
      // The direct push answers {ref, digest}; through a service the CLI's output is not read.
      if (!registryService) pushed.chart = JSON.parse(out) as { ref: string; digest: string };
      return out;
    },
    latest: async () =>
      (
        await Promise.all(
          config.images.map((image) =>
            latestPlanned(
              context,
              config,
              `${imageRegistry.replace(/\/+$/, "")}/${image.name}`,
              plan.tags.image,
              {
                tagType: plan.latest?.tagType,
                registry: logins,
              },
            ),
          ),
        )
      ).join("\n"),
    promote: () =>
      promotePlanned(context, config, {
        environment: plan.promotions[0]!.environment,
        imageTag: plan.tags.image,
        chartVersion: plan.chart.version,
        sourceSha: plan.event.sha,
        token: gitopsToken("promote"),
        registry: logins,
      }),
    // SBOMs first (attached by digest), then signatures, then provenance: one key (or one OIDC
    // identity), one plan. SBOMs need no key: the keyless path attaches them too.
    ...(signingKey || keylessIdentity
      ? {
          sign: async () => {
            const common = { key: signingKey, registry: imageRegistry, logins, plan, github };
            const outputs = [];
            if (signingKey)
              for (const step of ["sbom", "sign", "attest"] as const)
                outputs.push(await supplyChainStep(context, step, common));
            else {
              // Provenance needs source.url: refuse before anything is attached or signed.
              if (!config.source.url)
                throw new UsageError("the sign stage needs source.url in pipeline.yaml for the provenance");
              outputs.push(await supplyChainStep(context, "sbom", common));
              const pinned =
                // Only when this run pushed all of it; else what the registry holds.
                pushed.images.length > 0 && (pushed.chart || !plan.chart.push)
                  ? pinnedFromRun(pushed.images, plan.tags.image, pushed.chart).map((ref) => ({
                      pinned: ref,
                      plainHttp: isPlainHttp(ref.split("/")[0]!, config.image.insecureRegistries),
                    }))
                  : undefined;
              for (const step of ["sign", "attest"] as const)
                outputs.push(
                  await keylessStep(context, step, { ...common, identity: keylessIdentity!, pinned }),
                );
            }
            return outputs.join("\n");
          },
        }
      : {}),
    "release-notes": () => releaseNotes(context, { to: plan.event.tag ?? plan.event.sha }),
    preview: () =>
      previewPlanned(context, config, {
        pr: plan.event.pr!,
        imageTag: plan.tags.image,
        chartVersion: plan.chart.version,
        token: gitopsToken("preview"),
      }),
  });
  return JSON.stringify(summary, null, 2);
}
