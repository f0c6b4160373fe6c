/**
 * `pipeline attest`: a signed SLSA v1 provenance statement (in-toto, DSSE) attached to published
 * images and charts in cosign's layout (verify with cosign verify-attestation --type slsaprovenance1).
 */
import { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import { isHexSha } from "../../core/validate.js";
import { userCwd } from "../context.js";
import { printJson, printLines } from "../output.js";
import {
  optionalConfig,
  type RegistryFlags,
  registryAccess,
  withRegistryOptions,
} from "../registry-options.js";

interface AttestOptions extends RegistryFlags {
  commit: string;
  gitRef: string;
  sourceUrl?: string;
  key?: string;
  base?: string;
  json?: boolean;
}

/** Builds the `attest` command. */
export function attestCommand(): Command {
  return withRegistryOptions(
    new Command("attest")
      .argument("<reference...>", "published images or charts, e.g. ghcr.io/acme/shop-api:1.2.3")
      .description(
        "Attach signed SLSA provenance (builder, source, commit, run, materials) to image and chart digests",
      )
      .requiredOption("--commit <sha>", "the full commit sha that was built")
      .requiredOption("--git-ref <ref>", "the git ref that was built, e.g. refs/tags/v1.2.3")
      .option("--source-url <url>", "source repository URL (default: source.url)")
      .option("--base <image>", "base image, recorded as a material (default: image.base)")
      .option("--key <file>", "private key PEM file (default: the PEM in COSIGN_PRIVATE_KEY)")
      .option("--json", "print what was attested as JSON"),
  ).action(async (references: string[], options: AttestOptions, command: Command) => {
    if (!isHexSha(options.commit) || options.commit.length < 40)
      throw new UsageError("--commit must be a full 40-character commit sha (example: git rev-parse HEAD)");
    if (!/^refs\/(tags|heads)\/[\x21-\x7e]{1,200}$/.test(options.gitRef))
      throw new UsageError("--git-ref must be a full ref (example: refs/tags/v1.2.3)");
    const { resolve } = await import("node:path");
    const { loadSigner } = await import("../../adapters/supply-chain/signing-keys.js");
    const signer = loadSigner(options.key ? { file: resolve(userCwd(), options.key) } : {});
    const config = await optionalConfig(command);
    const sourceUrl = options.sourceUrl ?? config?.source.url;
    if (!sourceUrl || !/^https?:\/\/[^\s@]+$/.test(sourceUrl))
      throw new UsageError(
        "attest needs the source repository URL: set source.url in pipeline.yaml or pass --source-url",
      );
    const { releaseProvenance } = await import("../../core/supply-chain/provenance.js");
    const { attestReferences } = await import("../../adapters/supply-chain/artifacts.js");
    const results = await attestReferences(
      references,
      releaseProvenance({
        sourceUrl,
        commit: options.commit,
        ref: options.gitRef,
        base: options.base ?? config?.image.base,
        env: process.env,
      }),
      signer,
      registryAccess(options, config),
    );
    if (options.json) return printJson(results);
    printLines(...results.map((r) => `${r.changed ? "attested" : "already attested"} ${r.subject}`));
  });
}
