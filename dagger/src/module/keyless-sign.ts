/**
 * Keyless signing and attesting: the real cosign, from its pinned image, gets a Fulcio certificate
 * for the run's OIDC identity and records each signature in Rekor. In GitHub Actions cosign finds
 * the token request in ACTIONS_ID_TOKEN_REQUEST_URL/ACTIONS_ID_TOKEN_REQUEST_TOKEN; elsewhere (a
 * GitLab `id_tokens` token with aud sigstore) it reads the token itself from SIGSTORE_ID_TOKEN. All
 * are secret variables here; registry credentials reach cosign through `cosign login
 * --password-stdin` in the same exec, onto a tmpfs: none is ever in argv, a query, a layer or a log.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the login script holds shell expansions, ${...}
import { type Container, dag, type Secret } from "@dagger.io/dagger";
import { loginEnvironment } from "../core/registry/logins.js";
import { IMAGE_PROGRAMS, TOOL_IMAGES } from "../core/tools/images.js";
import type { RegistryLogins } from "./credentials.js";

/** Where cosign keeps its docker config: a tmpfs that lives only as long as one exec. */
const DOCKER_CONFIG_DIR = "/cosign-docker";
/** Where the cosign binary from the pinned cosign image is placed in the shell image. */
const COSIGN = "/usr/local/bin/cosign";

/**
 * Logs cosign in to each host from the environment (password on stdin), then runs cosign with the
 * exec's arguments, all in one exec so the login file only ever exists on that exec's tmpfs.
 * COSIGN_LOGINS lists `host=PREFIX` pairs: the host's login is in PREFIX_USERNAME and
 * PREFIX_PASSWORD (REGISTRY_ for the login of every host, REGISTRY_<HOST>_ for a host's own);
 * the prefixes are names the module made ([A-Z0-9_]), so the eval reads variables and runs nothing.
 */
const LOGIN_THEN_COSIGN = [
  "set -eu",
  "umask 077",
  'for login in $COSIGN_LOGINS; do host=${login%%=*}; prefix=${login#*=}; eval "user=\\$${prefix}_USERNAME password=\\$${prefix}_PASSWORD"; printf %s "$password" | cosign login "$host" --username "$user" --password-stdin >/dev/null; done',
  'exec cosign "$@"',
].join("\n");

/** The GitHub Actions OIDC token request, as the runner exposes it to a step with `id-token: write`. */
export interface ActionsOidc {
  requestUrl: Secret;
  requestToken: Secret;
}

/** Where cosign's OIDC identity comes from: GitHub Actions' token request, or a token itself. */
export interface KeylessIdentitySource {
  actions?: ActionsOidc;
  /** An OIDC token whose audience is `sigstore` (SIGSTORE_ID_TOKEN). */
  identityToken?: Secret;
}

/** The pinned cosign binary, from its image (distroless: no shell), placed on `container`'s PATH. */
export function withCosign(container: Container): Container {
  return container.withFile(COSIGN, dag.container().from(TOOL_IMAGES.cosign).file(IMAGE_PROGRAMS.cosign));
}

/** Registry access for cosign: the hosts it pushes signatures to, and the logins for them. */
export interface CosignRegistryAuth {
  hosts: readonly string[];
  logins: RegistryLogins;
}

/**
 * Runs each `cosign <argv>` in turn and resolves to their combined output. cosign (a static binary
 * from its pinned image, which has no shell) runs in the pinned alpine image so that the registry
 * login can happen in the same exec: the password stays a secret variable, never a query, argv,
 * layer or file that outlives the exec. `runId` changes on every call so the engine never replays
 * an earlier signing from its layer cache.
 */
export async function cosignKeyless(
  argvs: readonly (readonly string[])[],
  identity: KeylessIdentitySource,
  auth: CosignRegistryAuth | undefined,
  runId: string,
  files: Readonly<Record<string, string>> = {},
): Promise<string> {
  const logins = auth ? loginEnvironment(auth.logins, auth.hosts) : undefined;
  let container: Container = withCosign(dag.container().from(TOOL_IMAGES.alpine))
    .withEnvVariable("PIPELINE_RUN_ID", runId)
    .withMountedTemp(DOCKER_CONFIG_DIR)
    .withEnvVariable("DOCKER_CONFIG", DOCKER_CONFIG_DIR)
    .withEnvVariable("COSIGN_LOGINS", logins ? logins.cosign.join(" ") : "");
  // Files cosign reads (the provenance predicate): data, never secrets.
  for (const [path, contents] of Object.entries(files)) container = container.withNewFile(path, contents);
  if (identity.actions)
    container = container
      .withSecretVariable("ACTIONS_ID_TOKEN_REQUEST_URL", identity.actions.requestUrl)
      .withSecretVariable("ACTIONS_ID_TOKEN_REQUEST_TOKEN", identity.actions.requestToken);
  if (identity.identityToken)
    container = container.withSecretVariable("SIGSTORE_ID_TOKEN", identity.identityToken);
  for (const [name, value] of Object.entries(logins?.plain ?? {}))
    container = container.withEnvVariable(name, value);
  for (const [name, value] of Object.entries(logins?.secret ?? {}))
    container = container.withSecretVariable(name, value);
  const outputs: string[] = [];
  for (const argv of argvs) {
    container = container.withExec(["sh", "-c", LOGIN_THEN_COSIGN, "cosign", ...argv]);
    outputs.push(await container.stdout());
  }
  return outputs.join("");
}
