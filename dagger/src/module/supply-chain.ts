/**
 * `sbom`, `sign`, `attest` and `verify`: with a key, the CLI's own commands in its container (the
 * key a secret variable); keylessly, the real cosign over each image and the chart pinned to its
 * digest, with the run's OIDC identity.
 */
import type { Secret } from "@dagger.io/dagger";
import { type PinnedReference, pinReferences } from "../adapters/supply-chain/artifacts.js";
import type { PipelineConfig } from "../core/config/config.js";
import { UsageError } from "../core/errors.js";
import { publishRegistries } from "../core/registry/registries.js";
import type { Plan } from "../core/release/plan.js";
import {
  attestCommand,
  keylessReferences,
  keylessVerifyFlags,
  registryHosts,
  releaseArtifacts,
  sbomCommand,
  signCommand,
} from "../core/supply-chain/cli-argv.js";
import { keylessAttestArgv, keylessSignArgv } from "../core/supply-chain/keyless.js";
import { githubRunEnv, provenanceStatement, releaseProvenance } from "../core/supply-chain/provenance.js";
import { verifyCommand } from "../core/tools/pipeline-cli.js";
import { cliRepository, runCli, runId } from "./cli-container.js";
import type { ModuleContext } from "./context.js";
import { plainLogins, type RegistryLoginArgs, type RegistryLogins, registryLogins } from "./credentials.js";
import { cosignKeyless, type KeylessIdentitySource, withCosign } from "./keyless-sign.js";

/** Where keyless attest hands cosign the SLSA predicate (a file: never argv text). */
const PREDICATE_FILE = "/predicate/slsa-provenance.json";

/** Which event's artifacts, where, and with which registry access. */
export interface ArtifactsInput extends RegistryLoginArgs {
  ref?: string;
  sha?: string;
  registry?: string;
  /** The logins, when the caller read them already (release); else read from the arguments. */
  logins?: RegistryLogins;
  /** The plan, when the caller made it already (release). */
  plan?: Plan;
}

/** The logins a step uses: the caller's, else those its arguments give. */
function loginsOf(fn: string, options: ArtifactsInput): Promise<RegistryLogins | undefined> {
  return options.logins ? Promise.resolve(options.logins) : registryLogins(fn, options);
}

/** An OIDC identity as the module's arguments give it. */
export interface KeylessArguments {
  actionsIdTokenRequestUrl?: Secret;
  actionsIdTokenRequestToken?: Secret;
  identityToken?: Secret;
}

/** The arguments of `dagger call sign`. */
export interface SignInput extends ArtifactsInput, KeylessArguments {
  key?: Secret;
}

/** The arguments of `dagger call attest`. */
export interface AttestInput extends SignInput {
  workflowRef?: string;
  runUrl?: string;
}

/** Attaches an SBOM to every platform of every image the event published. */
export function sbom(context: ModuleContext, input: ArtifactsInput): Promise<string> {
  return supplyChainStep(context, "sbom", input);
}

/** Signs with the key, else keylessly with the run's OIDC identity. */
export function sign(context: ModuleContext, input: SignInput): Promise<string> {
  if (input.key) return supplyChainStep(context, "sign", input);
  return keylessStep(context, "sign", { ...input, identity: requireKeyless("sign", input) });
}

/** Attests provenance with the key, else keylessly with the run's OIDC identity. */
export function attest(context: ModuleContext, input: AttestInput): Promise<string> {
  const github = githubRunEnv({ workflowRef: input.workflowRef, runUrl: input.runUrl });
  if (input.key) return supplyChainStep(context, "attest", { ...input, github });
  return keylessStep(context, "attest", { ...input, identity: requireKeyless("attest", input), github });
}

/** The arguments of `dagger call verify`. */
export interface VerifyInput extends RegistryLoginArgs {
  imageTag: string;
  chartVersion?: string;
  registry?: string;
  key?: Secret;
  sha?: string;
  keyless?: boolean;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
}

/** Checks every image and the chart exist; with a key or keyless, their signatures and provenance too. */
export async function verify(context: ModuleContext, input: VerifyInput): Promise<string> {
  const { imageTag, chartVersion, registry, key } = input;
  const logins = await registryLogins("verify", input);
  const config = await context.config();
  const keylessMode = Boolean(
    input.keyless || input.certificateIdentityRegexp || input.certificateOidcIssuer,
  );
  // The CLI container has no .git to find the tag's commit: the checkout's HEAD stands for it.
  const commit = key || keylessMode ? (input.sha ?? (await context.plan()).event.sha) : undefined;
  const argv = [
    ...verifyCommand({ imageTag, chartVersion, registry, commit }),
    ...(keylessMode && !key
      ? keylessVerifyFlags({
          identityRegexp: input.certificateIdentityRegexp,
          issuer: input.certificateOidcIssuer,
        })
      : []),
  ];
  return runCli(
    // Keyless verification runs the real cosign, from its pinned image, next to the CLI.
    keylessMode && !key ? withCosign(context.cli()) : context.cli(),
    cliRepository(context.source, config),
    argv,
    { registry: logins, publicKey: key },
    runId(),
  );
}

/** The event's plan (given, or made for ref and sha) and the images and chart it published. */
async function artifactsOf(context: ModuleContext, config: PipelineConfig, options: ArtifactsInput) {
  const plan = options.plan ?? (await context.plan({ ref: options.ref, sha: options.sha }));
  return {
    plan,
    artifacts: releaseArtifacts(config.images, publishRegistries(config, options.registry).primary, plan),
  };
}

/**
 * Signs (cosign sign --recursive: the index and its platforms) or attests (cosign attest) the
 * plan's images and chart keylessly, each by digest: the digests the release run pushed, else
 * those the registry holds now, resolved once before cosign runs, so a tag moved after publish
 * is never what gets signed.
 */
export async function keylessStep(
  context: ModuleContext,
  step: "sign" | "attest",
  options: ArtifactsInput & {
    identity: KeylessIdentitySource;
    /** The digests to sign, when the caller pushed them itself (release); else read from the registry. */
    pinned?: PinnedReference[];
    /** The GitHub Actions run the provenance names (githubRunEnv); else the module's own environment. */
    github?: Record<string, string>;
  },
): Promise<string> {
  const config = await context.config();
  if (step === "attest" && !config.source.url)
    throw new UsageError("attest needs the source repository URL: set source.url in pipeline.yaml");
  const { plan, artifacts } = await artifactsOf(context, config, options);
  const logins = await loginsOf(step, options);
  const pinned =
    options.pinned ??
    (await pinReferences(keylessReferences(artifacts), {
      ...(await plainLogins(logins)),
      insecure: config.image.insecureRegistries,
    }));
  const auth = logins ? { hosts: registryHosts(artifacts), logins } : undefined;
  if (step === "sign")
    return cosignKeyless(
      pinned.map((p) => keylessSignArgv(p.pinned, p.plainHttp)),
      options.identity,
      auth,
      runId(),
    );
  // The predicate `pipeline attest` signs with a key; cosign adds the subject (each digest).
  const { predicate } = provenanceStatement({
    ...releaseProvenance({
      sourceUrl: config.source.url,
      commit: plan.event.sha,
      ref: plan.event.ref,
      base: config.image.base,
      env: options.github ?? process.env,
    }),
    subjects: [],
  }) as { predicate: unknown };
  return cosignKeyless(
    pinned.map((p) => keylessAttestArgv(p.pinned, PREDICATE_FILE, p.plainHttp)),
    options.identity,
    auth,
    runId(),
    { [PREDICATE_FILE]: JSON.stringify(predicate) },
  );
}

/** Runs one supply-chain command of the CLI over the plan's published images and chart. */
export async function supplyChainStep(
  context: ModuleContext,
  step: "sbom" | "sign" | "attest",
  options: ArtifactsInput & {
    key?: Secret;
    /** The GitHub Actions run `attest` records (githubRunEnv), as the CLI's plain env variables. */
    github?: Record<string, string>;
  },
): Promise<string> {
  const config = await context.config();
  const { plan, artifacts } = await artifactsOf(context, config, options);
  const logins = await loginsOf(step, options);
  const argv =
    step === "sbom"
      ? sbomCommand({ images: artifacts.images, version: plan.version })
      : step === "sign"
        ? signCommand(artifacts)
        : attestCommand(artifacts, { commit: plan.event.sha, gitRef: plan.event.ref });
  return runCli(
    context.cli(),
    cliRepository(context.source, config),
    argv,
    { registry: logins, signingKey: options.key },
    runId(),
    step === "attest" ? options.github : undefined,
  );
}

/** The keyless identity the arguments give, or undefined when they give none (or half of one). */
export function keylessSource(args: KeylessArguments): KeylessIdentitySource | undefined {
  if (args.identityToken) return { identityToken: args.identityToken };
  if (args.actionsIdTokenRequestUrl && args.actionsIdTokenRequestToken)
    return {
      actions: { requestUrl: args.actionsIdTokenRequestUrl, requestToken: args.actionsIdTokenRequestToken },
    };
  return undefined;
}

/** The keyless identity for `fn`, or a UsageError saying how to give a key or an identity. */
function requireKeyless(fn: string, args: KeylessArguments): KeylessIdentitySource {
  const identity = keylessSource(args);
  if (!identity)
    throw new UsageError(
      `${fn} needs --key (example: --key env:COSIGN_PRIVATE_KEY) or, in GitHub Actions with id-token: write, --actions-id-token-request-url env:ACTIONS_ID_TOKEN_REQUEST_URL --actions-id-token-request-token env:ACTIONS_ID_TOKEN_REQUEST_TOKEN, or --identity-token env:SIGSTORE_ID_TOKEN`,
    );
  return identity;
}
