/**
 * Which remote a git token belongs to. git hands a credential helper the `protocol` and `host`
 * (with `:port` when the URL has one) of the URL it is about to authenticate to, including a URL
 * it was redirected to; the pipeline's helper answers only when both equal the scope computed here
 * from the configured remote, so a redirect to another host, port or scheme gets no token.
 */

import { hasControlChars } from "../validate.js";

/** The protocol and host git will name when it asks for credentials for a remote. */
export interface CredentialScope {
  protocol: string;
  host: string;
}

/**
 * The credential scope of an HTTP(S) remote URL, computed as git 2.39's `credential_from_url`
 * does (protocol verbatim; host = the authority up to `/`, `?` or `#`, without user info,
 * percent-decoded); undefined for any other remote (ssh, file, a path), which never uses the token.
 * Example: `https://git.example.com:8443/acme/gitops.git` → `{protocol: "https", host: "git.example.com:8443"}`.
 */
export function credentialScope(url: string): CredentialScope | undefined {
  const match = /^(https?):\/\/([^/?#]*)/i.exec(url);
  if (!match) return undefined;
  const authority = match[2]!;
  const raw = authority.slice(authority.lastIndexOf("@") + 1);
  let host: string;
  try {
    host = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  // A host git could not name in one line of the helper protocol is no host to send a token to.
  if (!host || /\s/.test(host) || hasControlChars(host)) return undefined;
  return { protocol: match[1]!, host };
}
