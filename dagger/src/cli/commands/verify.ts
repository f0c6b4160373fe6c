/**
 * `pipeline verify`: every image for every platform and the chart exist, before a promotion; with
 * a public key (or `--keyless`, by the real cosign) also signatures, SBOMs and provenance.
 */
import { Command } from "commander";
import { FailureError, UsageError } from "../../core/errors.js";
import { loadRepo } from "../context.js";
import { printJson, printLines } from "../output.js";
import { type RegistryFlags, registryAccess, withRegistryOptions } from "../registry-options.js";

interface VerifyOptions extends RegistryFlags {
  imageTag?: string;
  digest?: string[];
  chartVersion?: string;
  registry?: string;
  json?: boolean;
  key?: string;
  commit?: string;
  keyless?: boolean;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  insecureIgnoreTlog?: boolean;
}

/** Parses `--digest api=sha256:...` pairs. */
export function parseDigests(pairs: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const m = /^([a-z0-9-]+)=(sha256:[a-f0-9]{64})$/.exec(pair);
    if (!m)
      throw new UsageError(
        `--digest "${pair}" must be <image or binary>=sha256:<64 hex> (example: server=sha256:${"0".repeat(64)})`,
      );
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** Builds the `verify` command. */
export function verifyCommand(): Command {
  return withRegistryOptions(
    new Command("verify")
      .description(
        "Check that every image exists for every platform and the chart version exists (with --key or --keyless also signatures, SBOMs and provenance); list all that is missing",
      )
      .option("--image-tag <tag>", "image tag of every binary")
      .option(
        "--digest <binary=sha256:...>",
        "pin one binary by digest (repeatable)",
        (v: string, all: string[] = []) => [...all, v],
      )
      .option("--chart-version <version>", "chart version that must exist")
      .option("--registry <registry>", "image registry (default: image.registry)")
      .option(
        "--key <file>",
        "release public key (cosign.pub; default: COSIGN_PUBLIC_KEY): also require signatures, SBOMs and provenance",
      )
      .option(
        "--keyless",
        "verify Sigstore (keyless) signatures and provenance with cosign instead of a key (default identity: a GitHub Actions workflow of source.url)",
      )
      .option(
        "--certificate-identity-regexp <re>",
        "with --keyless: the signing certificate's identity (default: a workflow of source.url's GitHub repository run for a tag)",
      )
      .option(
        "--certificate-oidc-issuer <url>",
        "with --keyless: the OIDC issuer (default: https://token.actions.githubusercontent.com)",
      )
      .option(
        "--insecure-ignore-tlog",
        "with --keyless, only for a private Sigstore deployment without Rekor or a CT log: accept signatures with no transparency-log entry or SCT (cosign reads that deployment's root from SIGSTORE_ROOT_FILE)",
      )
      .option("--commit <sha>", "commit the provenance must name (default: the commit of tag v<image-tag>)")
      .option("--json", "print the result as JSON"),
  ).action(async (options: VerifyOptions, command: Command) => {
    const { verifyArtifacts } = await import("../../adapters/registry/verify.js");
    const { root, config } = await loadRepo(command);
    if (!options.imageTag && !options.digest?.length)
      throw new UsageError("verify needs --image-tag or --digest (example: --image-tag 1.2.3)");
    const result = await verifyArtifacts({
      config,
      imageTag: options.imageTag,
      digests: parseDigests(options.digest),
      chartVersion: options.chartVersion,
      registry: options.registry,
      ...registryAccess(options, config),
      ...(await supplyChainOptions(options, root, config.source.url, registryAccess(options, config))),
    });
    if (options.json) printJson(result);
    else
      printLines(...result.checked.map((c) => `checked ${c}`), ...result.missing.map((m) => `MISSING ${m}`));
    if (!result.ok)
      throw new FailureError(
        `verify: ${result.missing.length} artifact(s) missing (listed above); first: ${result.missing[0]}`,
      );
  });
}

/**
 * The supply-chain expectations when a public key is given (flag or COSIGN_PUBLIC_KEY) or keyless
 * verification is asked for, else none.
 */
async function supplyChainOptions(
  options: VerifyOptions,
  root: string,
  sourceUrl: string,
  access: import("../../adapters/registry/connect.js").RegistryAccess,
): Promise<{ supplyChain?: import("../../adapters/supply-chain/check.js").SupplyChainExpectations }> {
  const { resolve } = await import("node:path");
  const { userCwd } = await import("../context.js");
  const keylessAsked = Boolean(
    options.keyless || options.certificateIdentityRegexp || options.certificateOidcIssuer,
  );
  // An explicit --keyless wins over a COSIGN_PUBLIC_KEY the environment happens to hold.
  const publicKey = options.key
    ? resolve(userCwd(), options.key)
    : keylessAsked
      ? undefined
      : process.env.COSIGN_PUBLIC_KEY;
  if (!publicKey && !keylessAsked) {
    if (options.insecureIgnoreTlog) throw new UsageError("--insecure-ignore-tlog needs --keyless");
    return {};
  }
  if (publicKey && keylessAsked)
    throw new UsageError("verify takes a public key (--key) or --keyless, not both; drop one");
  let commit = options.commit;
  if (!commit && options.imageTag) {
    const { localGit } = await import("../../adapters/release/git-context.js");
    const { releaseTagCommit } = await import("../../adapters/supply-chain/check.js");
    commit = (await releaseTagCommit(localGit(root), options.imageTag)) ?? undefined;
  }
  if (!commit)
    throw new UsageError(
      `verify ${publicKey ? "--key" : "--keyless"} needs the release commit: no tag v${options.imageTag ?? "<version>"} here; pass --commit <sha>`,
    );
  if (publicKey) return { supplyChain: { publicKey, sourceUrl, commit } };
  const { keylessIdentity } = await import("../../core/supply-chain/keyless.js");
  const identity = keylessIdentity(sourceUrl, {
    identityRegexp: options.certificateIdentityRegexp,
    issuer: options.certificateOidcIssuer,
  });
  return {
    supplyChain: {
      sourceUrl,
      commit,
      keyless: {
        ...identity,
        ignoreTlog: options.insecureIgnoreTlog ?? false,
        access: { credentials: access.credentials, insecure: access.insecure },
      },
    },
  };
}
