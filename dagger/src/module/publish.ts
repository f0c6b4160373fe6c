/**
 * `publish`: build, image and push the plan's images, then copy them to the mirrors of
 * image.registries and, for a release, to image.releaseRegistry, by digest.
 */
import type { Secret, Service } from "@dagger.io/dagger";
import { copyRelease, mirrorPublished } from "../adapters/registry/copy.js";
import type { PipelineConfig } from "../core/config/config.js";
import { planStamp } from "../core/go/ldflags.js";
import { publishRegistries, releaseCopies } from "../core/registry/registries.js";
import type { Plan } from "../core/release/plan.js";
import type { ModuleContext } from "./context.js";
import {
  plainLogins,
  type RegistryLogin,
  type RegistryLoginArgs,
  registryLogins,
  requireLogin,
  requireLoginArgs,
} from "./credentials.js";
import { build } from "./go.js";
import { images, publish } from "./images.js";

/** The arguments of `dagger call publish`. */
export interface PublishInput extends RegistryLoginArgs {
  registry?: string;
  tags?: string[];
  ref?: string;
  sha?: string;
  pr?: number;
  registryService?: Service;
  goPrivateToken?: Secret;
}

/** Publishes the event's images to every registry of image.registries; resolves to the refs with digests. */
export async function publishEvent(context: ModuleContext, input: PublishInput): Promise<string> {
  const { registry } = input;
  requireLoginArgs("publish", registry, input);
  const logins = await registryLogins("publish", input);
  const config = await context.config();
  const plan = await context.plan({ ref: input.ref, sha: input.sha, pr: input.pr });
  const { primary, mirrors } = publishRegistries(config, registry);
  const refs = await publishPlanned(context, config, plan, {
    registry: primary,
    tags: input.tags?.length ? input.tags : [plan.tags.image, ...plan.tags.extra],
    auth: requireLogin(logins, primary, "publish"),
    registryService: input.registryService,
    goPrivateToken: input.goPrivateToken,
  });
  // The same digests to each other registry of image.registries, copied by the OCI client.
  const access = { ...(await plainLogins(logins)), insecure: config.image.insecureRegistries };
  const mirrored = await mirrorPublished(refs, primary, mirrors, access);
  // A release's tags also go to image.releaseRegistry, by digest.
  const released = await copyRelease(releaseCopies(config, plan, primary), access);
  return [...refs, ...mirrored, ...released].join("\n");
}

/** Builds, images and publishes the plan's images under `tags`. */
export async function publishPlanned(
  context: ModuleContext,
  config: PipelineConfig,
  plan: Plan,
  options: {
    registry: string;
    tags: string[];
    auth?: RegistryLogin;
    registryService?: Service;
    goPrivateToken?: Secret;
  },
): Promise<string[]> {
  const targets = config.platforms;
  const binaries = await build(context.source, config, targets, planStamp(plan), {
    goPrivateToken: options.goPrivateToken,
  });
  const built = await images(context.source, config, binaries, targets, plan.annotations);
  return publish(config, built, options.registry, options.tags, options.auth, options.registryService);
}
