/**
 * fetch for requests that carry a token (the GitHub API): redirects are followed only within the
 * origin the request was sent to (scheme, host and port), so neither the token nor the request's
 * body ever goes to another host. Node's fetch already drops `Authorization` on a cross-origin
 * redirect, but it still sends the body there and follows silently; this refuses instead, and does
 * not depend on the runtime's fetch (the module runs on another Node) to keep the token home.
 */
import { FailureError } from "../core/errors.js";
import { escapeControl } from "../core/validate.js";

/** Redirects followed at most, as fetch's own limit is 20 and GitHub needs one. */
const MAX_REDIRECTS = 5;

/** A redirect's target, resolved against the URL that sent it; null when there is no Location. */
function locationOf(response: Response, from: URL): URL | null {
  const location = response.headers.get("location");
  if (!location) return null;
  try {
    return new URL(location, from);
  } catch {
    return null;
  }
}

/**
 * Like `fetch(url, init)`, but a redirect to another origin is refused with a {@link FailureError}
 * naming both hosts, before anything is sent there. Same-origin redirects are followed as fetch
 * does (303, and 301/302 after a POST, become a GET without a body). The result is never a 3xx
 * with a Location, so callers see only final answers.
 * Example: `await fetchSameOrigin("https://api.github.com/repos/acme/x/pulls", { method: "POST", headers, body })`.
 */
export async function fetchSameOrigin(input: string | URL, init: RequestInit = {}): Promise<Response> {
  let url = new URL(String(input));
  let request: RequestInit = { ...init, redirect: "manual" };
  for (let hop = 0; ; hop++) {
    const response = await fetch(url, request);
    if (![301, 302, 303, 307, 308].includes(response.status)) return response;
    const next = locationOf(response, url);
    if (!next) return response;
    await response.body?.cancel();
    if (next.origin !== url.origin || next.username || next.password) {
      throw new FailureError(
        `${escapeControl(url.host)} redirected a request to another host (${escapeControl(next.host).slice(0, 100)}); refused: the token and the request stay on ${escapeControl(url.origin)} (check GITHUB_API_URL)`,
      );
    }
    if (hop >= MAX_REDIRECTS)
      throw new FailureError(
        `${escapeControl(url.host)} redirected more than ${MAX_REDIRECTS} times; giving up`,
      );
    const method = (request.method ?? "GET").toUpperCase();
    if (
      response.status === 303 ? method !== "HEAD" : [301, 302].includes(response.status) && method === "POST"
    )
      request = { ...request, method: "GET", body: undefined };
    url = next;
  }
}
