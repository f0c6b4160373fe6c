/**
 * The one line a registry client says about an unexpected HTTP status: what it was doing, the
 * status, and the registry's own error codes (OCI Distribution spec, "Error Codes": `{"errors":
 * [{"code": "MANIFEST_UNKNOWN", ...}]}`), never its free-text message, which may echo anything.
 */
import { STATUS_CODES } from "node:http";

/** `<what>: HTTP <status> <reason> (<CODES>)`, with a credentials hint for 401 and 403. */
export function registryErrorLine(what: string, status: number, body: Uint8Array | string): string {
  let detail = "";
  try {
    const parsed = JSON.parse(Buffer.from(body).toString("utf8")) as { errors?: { code?: unknown }[] };
    if (Array.isArray(parsed?.errors))
      detail = parsed.errors
        .map((e) => (typeof e?.code === "string" && /^[A-Z_]{1,40}$/.test(e.code) ? e.code : ""))
        .filter(Boolean)
        .slice(0, 5)
        .join(", ");
  } catch {
    // Not a JSON error body; the status says enough.
  }
  const hint = status === 401 || status === 403 ? " (check the registry credentials)" : "";
  return `${what}: HTTP ${status} ${STATUS_CODES[status] ?? ""}${detail ? ` (${detail})` : ""}${hint}`
    .replace(/ {2,}/g, " ")
    .trimEnd();
}
