/**
 * One registry exchange with retries: a per-attempt timeout (headers and body together), retries
 * on timeouts, 429, 5xx and dropped connections with backoff and jitter, and `Retry-After` waited
 * out up to a cap (core/registry/retry-policy.ts). Errors name what failed, never the registry's prose.
 */
import { FailureError, PipelineError } from "../../core/errors.js";
import { REGISTRY_DEFAULTS, retryAfterMs, retryDelayMs } from "../../core/registry/retry-policy.js";
import { BodyTooLargeError, type ResponseHeaders, send as sendHttp } from "./http-transport.js";

/** A registry answer, its body read in full within the attempt's timeout. */
export interface RegistryResponse {
  status: number;
  ok: boolean;
  headers: ResponseHeaders;
  body: Buffer;
}

/**
 * The most the client reads of one answer whose size it does not know: manifests are at most
 * 4 MiB, configs and tag pages small. A blob read with its descriptor's size is capped at that
 * size instead (at most MAX_BLOB_BYTES).
 */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Per-request overrides of the attempt timeout and the body cap (a blob of known size). */
export interface Limits {
  timeoutMs: number;
  maxBodyBytes: number;
  /** How a body over the cap is worded, e.g. "longer than the 123 bytes its descriptor announces". */
  tooLarge: string;
}

/** How hard {@link sendWithRetries} tries, and who counts the attempts. */
export interface RetryOptions {
  attempts: number;
  timeoutMs: number;
  backoffMs: number;
  /** Called before each attempt (the client counts its requests). */
  onAttempt: () => void;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/** Why an attempt failed, in a few words, from a fetch or body error. */
function failureReason(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; cause?: { code?: string; name?: string }; code?: string };
  if (e.name === "TimeoutError" || e.cause?.name === "TimeoutError" || e.name === "AbortError")
    return `timed out after ${timeoutMs} ms`;
  const code = e.cause?.code ?? e.code;
  if (typeof code === "string" && /^[A-Z_]{2,40}$/.test(code)) return code;
  return "connection failed";
}

/**
 * One HTTP exchange (http-transport.ts) with a per-attempt timeout (headers and body) and retries on timeouts, 429/5xx and
 * dropped connections; a `Retry-After` is waited out when it is within the cap.
 */
export async function sendWithRetries(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: Buffer | string },
  what: string,
  retry: RetryOptions,
  limits?: Limits,
): Promise<RegistryResponse> {
  const timeoutMs = limits?.timeoutMs ?? retry.timeoutMs;
  let lastError = "";
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    let retryAfter: number | null = null;
    try {
      retry.onAttempt();
      const response = await sendHttp(url, {
        method: init.method ?? "GET",
        headers: init.headers,
        body: init.body,
        timeoutMs,
        maxBodyBytes: limits?.maxBodyBytes ?? MAX_BODY_BYTES,
        // An auth challenge or error page is not the blob: it gets the general cap.
        maxErrorBodyBytes: MAX_BODY_BYTES,
      });
      const answer = {
        status: response.status,
        ok: response.status >= 200 && response.status < 300,
        headers: response.headers,
        body: response.body,
      };
      if (!RETRYABLE_STATUS.has(response.status) || attempt === retry.attempts) return answer;
      lastError = `HTTP ${response.status}`;
      retryAfter = retryAfterMs(response.headers.get("retry-after"), Date.now());
    } catch (error) {
      if (error instanceof PipelineError) throw error;
      if (error instanceof BodyTooLargeError)
        throw new FailureError(
          `${what}: the answer is ${limits?.tooLarge ?? `larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`}; refusing it (check the registry)`,
        );
      lastError = failureReason(error, timeoutMs);
      if (attempt === retry.attempts) break;
    }
    const delay = retryDelayMs(attempt, retryAfter, Math.random(), retry.backoffMs);
    if (delay === null) {
      throw new FailureError(
        `${what}: ${lastError} with Retry-After ${Math.round(retryAfter! / 1000)} s, longer than the ${REGISTRY_DEFAULTS.retryAfterCapMs / 1000} s the pipeline waits; retry later`,
      );
    }
    await new Promise((r) => setTimeout(r, delay));
  }
  throw new FailureError(
    `${what}: no answer after ${retry.attempts} attempts (${lastError}); check that the registry is up and retry (REGISTRY_TIMEOUT_MS and REGISTRY_RETRIES tune this)`,
  );
}
