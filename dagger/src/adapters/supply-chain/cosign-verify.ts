/**
 * Keyless verification by the real cosign: `cosign verify` proves a Sigstore signature by the
 * expected identity and issuer, `cosign verify-attestation` gives the provenance statements it
 * proved, which our own check then reads (repository, commit). Registry credentials reach cosign
 * through a docker config.json in a private temp directory removed after each call, never argv.
 * cosign reads the trust roots of a private Sigstore deployment from its own environment
 * (SIGSTORE_ROOT_FILE and friends); the pipeline never trusts anything by default.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MissingToolError } from "../../core/errors.js";
import {
  cosignReason,
  type KeylessIdentity,
  keylessVerifyArgv,
  type PrivateSigstore,
  verifiedStatements,
} from "../../core/supply-chain/keyless.js";
import type { Credentials } from "../registry/credentials.js";
import { findHostTool } from "../runners/host/tools.js";

/** How cosign was pinned in this repo (the integration tier and the module's image use v2.6.5). */
export const COSIGN_INSTALL = "go install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5";

/** What keyless verification expects and how cosign reaches the registry. */
export interface KeylessVerifier extends KeylessIdentity, PrivateSigstore {
  /** The cosign binary. */
  cosign: string;
}

/** One digest's keyless result: a refusal reason for the signature, and the proved statements. */
export interface KeylessResult {
  signature: string | null;
  statements: unknown[];
  /** cosign's reason when no attestation verified. */
  attestation: string | null;
}

/** Finds cosign on PATH, or throws MissingToolError (exit 3) saying how to install it. */
export function requireCosign(): string {
  const cosign = findHostTool("cosign");
  if (!cosign)
    throw new MissingToolError(`verify --keyless needs cosign: ${COSIGN_INSTALL}`, [
      { tool: "cosign", install: COSIGN_INSTALL },
    ]);
  return cosign;
}

function run(
  cosign: string,
  argv: readonly string[],
  dockerConfig: string | undefined,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cosign, argv, {
      env: { ...process.env, ...(dockerConfig ? { DOCKER_CONFIG: dockerConfig } : {}) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Verifies the keyless signature and provenance of `pinned` (`host/repo@sha256:...`). */
export async function verifyKeyless(
  verifier: KeylessVerifier,
  pinned: string,
  o: { plainHttp: boolean; credentials?: Credentials },
): Promise<KeylessResult> {
  const host = pinned.split("/")[0]!;
  let dockerConfig: string | undefined;
  try {
    if (o.credentials) {
      dockerConfig = mkdtempSync(join(tmpdir(), "pipeline-cosign-"));
      const auth = Buffer.from(`${o.credentials.username}:${o.credentials.password}`).toString("base64");
      writeFileSync(join(dockerConfig, "config.json"), JSON.stringify({ auths: { [host]: { auth } } }), {
        mode: 0o600,
      });
    }
    const argv = keylessVerifyArgv(pinned, verifier, {
      plainHttp: o.plainHttp,
      ignoreTlog: verifier.ignoreTlog,
    });
    const signature = await run(verifier.cosign, argv.signature, dockerConfig);
    const attestation = await run(verifier.cosign, argv.attestation, dockerConfig);
    return {
      signature: signature.code === 0 ? null : cosignReason(signature.stderr),
      statements: attestation.code === 0 ? verifiedStatements(attestation.stdout) : [],
      attestation: attestation.code === 0 ? null : cosignReason(attestation.stderr),
    };
  } finally {
    if (dockerConfig) rmSync(dockerConfig, { recursive: true, force: true });
  }
}
