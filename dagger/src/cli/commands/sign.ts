/**
 * `pipeline sign`: cosign-format signatures for published images and charts, with an ECDSA P-256
 * key from COSIGN_PRIVATE_KEY or --key <file> (never the key itself in argv).
 */
import { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import { userCwd } from "../context.js";
import { printJson, printLines } from "../output.js";
import {
  optionalConfig,
  type RegistryFlags,
  registryAccess,
  withRegistryOptions,
} from "../registry-options.js";

interface SignOptions extends RegistryFlags {
  key?: string;
  newKey?: string;
  json?: boolean;
}

/** Builds the `sign` command. */
export function signCommand(): Command {
  return withRegistryOptions(
    new Command("sign")
      .argument(
        "[reference...]",
        "published images or charts, e.g. ghcr.io/acme/shop-api:1.2.3 oci://ghcr.io/acme/charts/shop:1.2.3",
      )
      .description(
        "Sign image and chart digests in cosign's format (verify with cosign verify --key cosign.pub)",
      )
      .option(
        "--key <file>",
        "private key PEM file (default: the PEM in COSIGN_PRIVATE_KEY; COSIGN_PASSWORD opens an encrypted one)",
      )
      .option("--new-key <dir>", "write a new key pair there (cosign.key, cosign.pub) and exit")
      .option("--json", "print what was signed as JSON"),
  ).action(async (references: string[], options: SignOptions, command: Command) => {
    const { resolve } = await import("node:path");
    const { generateKeyPair, loadSigner } = await import("../../adapters/supply-chain/signing-keys.js");
    if (options.newKey) {
      const written = generateKeyPair(resolve(userCwd(), options.newKey));
      if (options.json) return printJson(written);
      return printLines(`wrote ${written.privateKey} (keep it secret) and ${written.publicKey}`);
    }
    if (references.length === 0)
      throw new UsageError(
        "sign needs at least one reference (example: pipeline sign ghcr.io/acme/shop-api:1.2.3)",
      );
    const signer = loadSigner(options.key ? { file: resolve(userCwd(), options.key) } : {});
    const config = await optionalConfig(command);
    const { signReferences } = await import("../../adapters/supply-chain/artifacts.js");
    const results = await signReferences(references, signer, registryAccess(options, config));
    if (options.json) return printJson(results);
    printLines(...results.map((r) => `${r.changed ? "signed" : "already signed"} ${r.subject}`));
  });
}
