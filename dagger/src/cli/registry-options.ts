/**
 * Options every registry command shares: `--username` with `--password-stdin` (a password never
 * goes in argv), `--insecure <host>`; otherwise REGISTRY_USERNAME/REGISTRY_PASSWORD or
 * ~/.docker/config.json. pipeline.yaml is optional for these commands: when present, its
 * image.insecureRegistries and defaults apply.
 */
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import type { RegistryAccess } from "../adapters/registry/connect.js";
import type { PipelineConfig } from "../core/config/config.js";
import { UsageError } from "../core/errors.js";
import { isRegistryHostPort } from "../core/registry/oci.js";
import { registryTuning } from "../core/registry/retry-policy.js";
import { safeEcho } from "../core/validate.js";
import { loadRepo } from "./context.js";

/** Adds the shared registry options to a command. */
export function withRegistryOptions(command: Command): Command {
  return command
    .option("--username <name>", "registry username (password from --password-stdin or REGISTRY_PASSWORD)")
    .option("--password-stdin", "read the registry password or token from standard input")
    .option(
      "--insecure <host...>",
      "reach these registries over plain HTTP (localhost and 127.0.0.1 always are)",
    );
}

export interface RegistryFlags {
  username?: string;
  passwordStdin?: boolean;
  insecure?: string[];
}

/** The config when pipeline.yaml can be found, else undefined (registry commands work without it). */
export async function optionalConfig(command: Command): Promise<PipelineConfig | undefined> {
  const explicit = command.optsWithGlobals<{ config?: string }>().config;
  try {
    return (await loadRepo(command)).config;
  } catch (error) {
    if (explicit) throw error;
    if (error instanceof UsageError && /no pipeline\.yaml found/.test(error.message)) return undefined;
    throw error;
  }
}

/**
 * Registry access from the flags and the config. REGISTRY_RETRIES and REGISTRY_TIMEOUT_MS are
 * checked here, before anything is read or sent, so a bad value is exit 2 up front.
 */
export function registryAccess(flags: RegistryFlags, config?: PipelineConfig): RegistryAccess {
  registryTuning(process.env);
  for (const host of flags.insecure ?? [])
    if (!isRegistryHostPort(host))
      throw new UsageError(
        `--insecure ${safeEcho(host)} is not a registry host[:port] (example: registry.lan:5000)`,
      );
  let password: string | undefined;
  if (flags.passwordStdin) {
    password = existsSync("/dev/stdin") ? readFileSync(0, "utf8").replace(/\r?\n$/, "") : "";
    if (!password)
      throw new UsageError("--password-stdin: nothing on standard input (pipe the password or token in)");
  }
  const username = flags.username ?? process.env.REGISTRY_USERNAME;
  return {
    credentials: username ? { username, password: password ?? process.env.REGISTRY_PASSWORD } : undefined,
    insecure: [...(config?.image.insecureRegistries ?? []), ...(flags.insecure ?? [])],
  };
}
