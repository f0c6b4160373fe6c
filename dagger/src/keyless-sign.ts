/**
 * Keyless signing in GitHub Actions: the real cosign, in its pinned image, gets a Fulcio
 * certificate for the workflow's OIDC identity and records each signature in Rekor. cosign finds
 * the token request in ACTIONS_ID_TOKEN_REQUEST_URL/ACTIONS_ID_TOKEN_REQUEST_TOKEN (secret
 * variables here) and registry credentials in a docker config.json (a secret mount): neither is
 * ever in argv, a layer or a log.
 */
import { type Container, dag, type Secret } from "@dagger.io/dagger";
import { IMAGE_PROGRAMS, TOOL_IMAGES } from "./core/tool-images.js";

/** Where cosign reads its docker config (DOCKER_CONFIG), outside the image's home. */
const DOCKER_CONFIG_DIR = "/cosign-docker";
/** The distroless image's nonroot user, who must be able to read the mounted config. */
const NONROOT = "65532:65532";

/** The GitHub Actions OIDC token request, as the runner exposes it to a step with `id-token: write`. */
export interface ActionsOidc {
  requestUrl: Secret;
  requestToken: Secret;
}

/** Registry access for cosign: one username and password for every host it pushes signatures to. */
export interface CosignRegistryAuth {
  hosts: readonly string[];
  username: string;
  password: Secret;
}

/**
 * Runs each `cosign <argv>` in turn in the pinned cosign image and resolves to their combined
 * output. `runId` changes on every call so the engine never replays an earlier signing from its
 * layer cache.
 */
export async function cosignKeyless(
  argvs: readonly (readonly string[])[],
  oidc: ActionsOidc,
  auth: CosignRegistryAuth | undefined,
  runId: string,
): Promise<string> {
  let container: Container = dag
    .container()
    .from(TOOL_IMAGES.cosign)
    .withEnvVariable("PIPELINE_RUN_ID", runId)
    .withSecretVariable("ACTIONS_ID_TOKEN_REQUEST_URL", oidc.requestUrl)
    .withSecretVariable("ACTIONS_ID_TOKEN_REQUEST_TOKEN", oidc.requestToken);
  if (auth) {
    const config = await dockerConfigSecret(auth, runId);
    container = container
      .withMountedSecret(`${DOCKER_CONFIG_DIR}/config.json`, config, { owner: NONROOT })
      .withEnvVariable("DOCKER_CONFIG", DOCKER_CONFIG_DIR);
  }
  const outputs: string[] = [];
  for (const argv of argvs) {
    container = container.withExec([IMAGE_PROGRAMS.cosign, ...argv]);
    outputs.push(await container.stdout());
  }
  return outputs.join("");
}

/**
 * A docker config.json for `auth.hosts` as a Secret. The password is read once, only to be
 * handed back to the engine as a new Secret; it never reaches argv, a layer or a log.
 */
async function dockerConfigSecret(auth: CosignRegistryAuth, runId: string): Promise<Secret> {
  const token = Buffer.from(`${auth.username}:${await auth.password.plaintext()}`).toString("base64");
  const auths = Object.fromEntries(auth.hosts.map((host) => [host, { auth: token }]));
  return dag.setSecret(`cosign-docker-config-${runId}`, JSON.stringify({ auths }));
}
