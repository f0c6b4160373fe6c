/**
 * How hard the registry client tries: attempts per request, the per-attempt timeout, backoff and
 * the `Retry-After` cap. Pure: the environment comes in as a record, delays go out as numbers.
 *
 * A request that never answers costs at most `attempts × timeoutMs` plus the backoff between
 * attempts ({@link worstCaseMs}); with the defaults (4 × 30 s) that is about 2 min 3 s.
 */
import { UsageError } from "../errors.js";
import { safeEcho } from "../validate.js";

/** The defaults, documented in docs/registry.md. */
export const REGISTRY_DEFAULTS = {
  /** Attempts per request in total (REGISTRY_RETRIES). */
  attempts: 4,
  /** Per-attempt timeout in ms, headers and body together (REGISTRY_TIMEOUT_MS). */
  timeoutMs: 30_000,
  /** First backoff delay; it doubles each attempt, with jitter between half and one and a half. */
  backoffMs: 250,
  /** The longest `Retry-After` the client waits; a registry asking for more fails the request now. */
  retryAfterCapMs: 30_000,
} as const;

/** Bounds of the environment overrides. */
export const REGISTRY_LIMITS = {
  attempts: { min: 1, max: 10 },
  timeoutMs: { min: 100, max: 600_000 },
} as const;

/** Attempts and per-attempt timeout of registry requests. */
export interface RegistryTuning {
  attempts: number;
  timeoutMs: number;
}

function integerSetting(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
  bounds: { min: number; max: number },
  meaning: string,
): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = /^[0-9]{1,7}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < bounds.min || value > bounds.max) {
    throw new UsageError(
      `${name}=${safeEcho(text)} is not ${meaning}: use a whole number from ${bounds.min} to ${bounds.max} (default ${fallback}), or unset it`,
    );
  }
  return value;
}

/**
 * Reads REGISTRY_RETRIES (attempts per request, 1–10) and REGISTRY_TIMEOUT_MS (per attempt,
 * 100–600000) from `env`; throws a {@link UsageError} (exit 2) for anything else.
 */
export function registryTuning(env: Readonly<Record<string, string | undefined>>): RegistryTuning {
  return {
    attempts: integerSetting(
      env,
      "REGISTRY_RETRIES",
      REGISTRY_DEFAULTS.attempts,
      REGISTRY_LIMITS.attempts,
      "a number of attempts",
    ),
    timeoutMs: integerSetting(
      env,
      "REGISTRY_TIMEOUT_MS",
      REGISTRY_DEFAULTS.timeoutMs,
      REGISTRY_LIMITS.timeoutMs,
      "a timeout in milliseconds",
    ),
  };
}

/**
 * The delay a `Retry-After` header asks for, in ms: delta-seconds (`120`) or an HTTP date; null
 * when absent or unreadable (the client then uses its own backoff).
 */
export function retryAfterMs(header: string | null | undefined, now: number): number | null {
  if (!header) return null;
  const text = header.trim();
  if (/^[0-9]{1,9}$/.test(text)) return Number(text) * 1000;
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * How long to wait before attempt `attempt + 1`: the registry's `Retry-After` when it gave one
 * (null when that exceeds the cap: the caller fails now rather than retry early or hang), else
 * exponential backoff with jitter (`random` in [0, 1)).
 */
export function retryDelayMs(
  attempt: number,
  retryAfter: number | null,
  random: number,
  backoffMs: number = REGISTRY_DEFAULTS.backoffMs,
  capMs: number = REGISTRY_DEFAULTS.retryAfterCapMs,
): number | null {
  if (retryAfter !== null) return retryAfter > capMs ? null : retryAfter;
  const delay = backoffMs * 2 ** (attempt - 1);
  return delay / 2 + random * delay;
}

/** The longest a request can take when the registry never answers: every attempt timed out, plus the longest backoffs. */
export function worstCaseMs(tuning: RegistryTuning, backoffMs: number = REGISTRY_DEFAULTS.backoffMs): number {
  let total = tuning.attempts * tuning.timeoutMs;
  for (let attempt = 1; attempt < tuning.attempts; attempt++) total += 1.5 * backoffMs * 2 ** (attempt - 1);
  return total;
}

/**
 * The largest blob the client reads or copies: 4 GiB minus one. A descriptor announcing more is
 * refused before any byte moves, since the whole blob is held in memory.
 */
export const MAX_BLOB_BYTES = 2 ** 32 - 1;

/** The transfer-rate floor a blob's timeout allows for: 1 MiB/s. */
const BLOB_BYTES_PER_SECOND = 1024 * 1024;

/**
 * The per-attempt timeout of a blob transfer (GET or PUT) of `sizeBytes`: the base timeout
 * (REGISTRY_TIMEOUT_MS) plus one second per started MiB, so a large layer on a slow link (down
 * to 1 MiB/s) is not cut at the base timeout, while a small blob keeps the base.
 */
export function blobTimeoutMs(baseMs: number, sizeBytes: number): number {
  return baseMs + Math.ceil(Math.max(0, sizeBytes) / BLOB_BYTES_PER_SECOND) * 1000;
}
