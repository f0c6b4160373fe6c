/** `pipeline verify`: every image for every platform and the chart exist, before a promotion. */
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
        "Check that every image exists for every platform and the chart version exists; list all that is missing",
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
      ...(await supplyChainOptions(options, root, config.source.url)),
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

/** The supply-chain expectations when a public key is given (flag or COSIGN_PUBLIC_KEY), else none. */
async function supplyChainOptions(
  options: VerifyOptions,
  root: string,
  sourceUrl: string,
): Promise<{ supplyChain?: import("../../adapters/supply-chain/check.js").SupplyChainExpectations }> {
  const { resolve } = await import("node:path");
  const { userCwd } = await import("../context.js");
  const publicKey = options.key ? resolve(userCwd(), options.key) : process.env.COSIGN_PUBLIC_KEY;
  if (!publicKey) return {};
  let commit = options.commit;
  if (!commit && options.imageTag) {
    const { localGit } = await import("../../adapters/git-context.js");
    const { releaseTagCommit } = await import("../../adapters/supply-chain/check.js");
    commit = (await releaseTagCommit(localGit(root), options.imageTag)) ?? undefined;
  }
  if (!commit)
    throw new UsageError(
      `verify --key needs the release commit: no tag v${options.imageTag ?? "<version>"} here; pass --commit <sha>`,
    );
  return { supplyChain: { publicKey, sourceUrl, commit } };
}
