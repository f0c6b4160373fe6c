/**
 * Validation at the boundary: every value that comes from a file, a flag, an environment variable
 * or a CI payload and ends up in a tag, a namespace, a path, a commit, a Dockerfile or a message is
 * checked here first. Pure: no I/O (node:path's posix functions only compute strings).
 *
 * Two kinds of exports: `isX` predicates (true when valid) and `requireX` guards that return the
 * value or throw a {@link UsageError} naming the key or flag, with the value echoed safely.
 */
import { posix } from "node:path";
import { UsageError } from "./errors.js";

/** How many characters of a hostile value a message may echo. */
export const MAX_ECHO = 80;

// C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators and bidi overrides that
// can forge or hide a log line.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const HAS_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Replaces control characters with visible escapes (`\n`, `\u0000`), so one value stays one line. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/** True when `text` holds a control character (newline, NUL, escape, a bidi override, ...). */
export function hasControlChars(text: string): boolean {
  return HAS_CONTROL.test(text);
}

/** The type of a value in words, never its content: "a string", "a list", "a mapping", "null". */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a date";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number") return "a number";
  if (typeof value === "boolean") return "a boolean";
  return `a ${typeof value}`;
}

/**
 * A value as a message may show it: strings quoted, control characters escaped, cut to
 * {@link MAX_ECHO} characters with `…`; numbers and booleans as written; anything else by its type
 * only. Use it for every user-supplied value a message repeats.
 */
export function safeEcho(value: unknown, max = MAX_ECHO): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value !== "string") return describeType(value);
  const chars = [...value];
  const cut = chars.length > max ? `${chars.slice(0, max).join("")}…` : value;
  return `"${escapeControl(cut).replaceAll('"', '\\"')}"`;
}

/** True when a URL carries user info (`https://user:pass@host/...`, `ssh://git@host/...`). */
export function hasUserInfo(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url);
}

/**
 * True when a URL carries credentials: any user info over http(s)/git/ftp (a token is often the
 * user name), or a `user:password` pair in any scheme. `ssh://git@host/x.git` names an account,
 * not a secret, and is allowed.
 */
export function hasCredentials(url: string): boolean {
  // scp-like `user:password@host:path` has no scheme but still carries a password.
  if (SCP_WITH_PASSWORD.test(url)) return true;
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)@/i.exec(url);
  if (!m) return false;
  return !/^ssh$/i.test(m[1]!) || m[2]!.includes(":");
}

const SCP_WITH_PASSWORD = /^[^/@:]+:[^/@]*@[^/]+:/;

/** A URL with its user info removed (`https://bot:s3cret@host/x.git` -> `https://host/x.git`), safe to print. */
export function redactUrl(url: string): string {
  if (SCP_WITH_PASSWORD.test(url)) return url.replace(/^[^@]*@/, "");
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, "$1");
}

/** The OCI distribution spec's tag grammar: at most 128 characters. */
export const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** True for a valid OCI image tag. */
export function isOciTag(tag: unknown): tag is string {
  return typeof tag === "string" && OCI_TAG.test(tag);
}

/**
 * Turns a version or ref into a valid OCI tag: `+` (semver build metadata) becomes `_`, any other
 * character outside the grammar `-`, a leading `.`/`-` is dropped, and the result is cut to 128.
 * `v1.2.3-rc.1+build` -> `v1.2.3-rc.1_build`.
 */
export function toOciTag(text: string, max = 128): string {
  const cleaned = text
    .replaceAll("+", "_")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[.-]+/, "")
    .slice(0, max)
    .replace(/[.-]+$/, "");
  return cleaned || "unnamed";
}

/** A DNS-1123 label (Kubernetes namespaces, names): lowercase alphanumerics and `-`, at most 63. */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** True for a DNS-1123 label. */
export function isDnsLabel(name: unknown): name is string {
  return typeof name === "string" && DNS_LABEL.test(name);
}

/** A commit id: 7 to 40 lowercase hex digits (SHA-1, possibly abbreviated) or 64 (SHA-256 repos). */
export const HEX_SHA = /^(?:[0-9a-f]{7,40}|[0-9a-f]{64})$/;

/** True for a commit sha. */
export function isHexSha(sha: unknown): sha is string {
  return typeof sha === "string" && HEX_SHA.test(sha);
}

/** True for a pull request number: a safe positive integer. */
export function isPrNumber(n: unknown): n is number {
  return typeof n === "number" && Number.isSafeInteger(n) && n > 0;
}

/** Parses a pull request number from text (`"42"`); null when it is not a safe positive integer. */
export function parsePrNumber(text: unknown): number | null {
  if (typeof text === "number") return isPrNumber(text) ? text : null;
  if (typeof text !== "string" || !/^[1-9][0-9]{0,15}$/.test(text)) return null;
  const n = Number(text);
  return isPrNumber(n) ? n : null;
}

/** `record[key]` only when `key` is the record's own property: `constructor`, `__proto__`, `toString` are not. */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** True when `key` is an own property of `record`. */
export function hasOwnKey(record: object, key: string): boolean {
  return Object.hasOwn(record, key);
}

/** Keys an object from a file must never have: they reach prototypes, not values. */
export const FORBIDDEN_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

/**
 * Why `path` is not a safe relative path, or null when it is: it must be non-empty (unless
 * `allowEmpty`), relative, use `/`, have no `..` segment, no control characters, and stay inside
 * its root once normalised.
 */
export function relativePathProblem(path: unknown, allowEmpty = false): string | null {
  if (typeof path !== "string") return `must be a path, got ${describeType(path)}`;
  if (path === "") return allowEmpty ? null : "must not be empty";
  if (hasControlChars(path)) return "must not contain control characters";
  if (path.includes("\\")) return "must use / as separator";
  if (posix.isAbsolute(path) || /^[A-Za-z]:/.test(path)) return "must be relative to its root, not absolute";
  if (path.split("/").includes("..")) return "must not contain ..";
  const normal = posix.normalize(path);
  if (normal === ".." || normal.startsWith("../")) return "must stay inside its root";
  return null;
}

/** True when `target` (absolute) is `root` or inside it. Both are compared as normalised absolute paths. */
export function isInside(root: string, target: string): boolean {
  const rel = posix.relative(posix.resolve(root), posix.resolve(target));
  return rel === "" || (!rel.startsWith("../") && rel !== ".." && !posix.isAbsolute(rel));
}

/** Helm's chart name rule: lowercase letters, digits and `-`, starting and ending alphanumeric. */
export const HELM_CHART_NAME = /^[a-z0-9]([a-z0-9-]{0,98}[a-z0-9])?$/;

/** True for a valid Helm chart name (no `/`, no `..`, nothing a URL would resolve away). */
export function isHelmChartName(name: unknown): name is string {
  return typeof name === "string" && HELM_CHART_NAME.test(name);
}

/** Strict semver 2.0.0, without a `v` (what chart versions must be). */
export const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** True for a strict semantic version (at most 256 characters). */
export function isSemver(version: unknown): version is string {
  return typeof version === "string" && version.length <= 256 && SEMVER.test(version);
}

/**
 * True for a branch name git would accept (`git check-ref-format --branch`): not starting with `-`
 * or `/`, no `..`, `@{`, `//`, control characters, space or `~^:?*[\`, no component starting with `.`
 * or ending with `.lock`, not ending with `/` or `.`, not `@`; at most 255 characters.
 */
export function isGitBranchName(name: unknown): name is string {
  if (typeof name !== "string" || name === "" || name.length > 255) return false;
  if (name.startsWith("-") || name === "@" || name.startsWith("/") || name.endsWith("/")) return false;
  if (name.endsWith(".") || name.includes("..") || name.includes("@{") || name.includes("//")) return false;
  if (hasControlChars(name) || /[\s~^:?*[\\]/.test(name)) return false;
  return name.split("/").every((part) => part !== "" && !part.startsWith(".") && !part.endsWith(".lock"));
}

const HOST = "(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\\.(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?))*(?::[0-9]{1,5})?";
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";

/** A registry with an optional namespace: `ghcr.io/acme`, `localhost:5001` (lowercase, no scheme, no spaces). */
export const REGISTRY = new RegExp(`^${HOST}(?:/${PATH_COMPONENT})*$`);

/** True for a registry (and namespace) images can be pushed to. */
export function isRegistry(value: unknown): value is string {
  return typeof value === "string" && value.length <= 255 && REGISTRY.test(value);
}

/** A registry host with a port: `registry.lan:5000` (lowercase, no scheme, no path). */
export function isRegistryHost(value: unknown): value is string {
  return typeof value === "string" && value.length <= 255 && new RegExp(`^${HOST}$`).test(value);
}

/** An `oci://` chart registry: `oci://ghcr.io/acme/charts`. */
export function isOciRegistryUrl(value: unknown): value is string {
  return typeof value === "string" && value.startsWith("oci://") && isRegistry(value.slice(6));
}

// The docker reference grammar (distribution/reference): [domain/]path[:tag][@digest].
const IMAGE_REFERENCE = new RegExp(
  `^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?:@sha256:[0-9a-f]{64})?$`,
);

/** True for an image reference a Dockerfile's FROM may hold (`debian:12-slim`, `gcr.io/x/y:tag@sha256:...`). */
export function isImageReference(value: unknown): value is string {
  return typeof value === "string" && value.length <= 512 && IMAGE_REFERENCE.test(value);
}

/**
 * True for an OS package spec apk or apt-get takes on a command line: a name with an optional
 * version pin (`tzdata`, `libstdc++`, `curl=8.5.0-r0`), nothing a shell would interpret.
 */
export function isPackageSpec(value: unknown): value is string {
  return typeof value === "string" && value.length <= 128 && /^[A-Za-z0-9][A-Za-z0-9+._:=~-]*$/.test(value);
}

/** An image user: `65532:65532`, `nonroot`, `app:app` (no spaces or shell characters). */
export function isImageUser(value: unknown): value is string {
  return (
    typeof value === "string" &&
    /^(?:[a-z_][a-z0-9_-]{0,31}|[0-9]{1,10})(?::(?:[a-z_][a-z0-9_-]{0,31}|[0-9]{1,10}))?$/.test(value)
  );
}

/** A plain email address on one line (`bot@acme.dev`): no spaces, no control characters, no `<>`. */
export function isEmail(value: unknown): value is string {
  return (
    typeof value === "string" &&
    value.length <= 254 &&
    /^[^\s<>@",;]+@[^\s<>@",;]+$/.test(value) &&
    !hasControlChars(value)
  );
}

/** A commit author name on one line: 1–100 characters, no control characters, no `<>`. */
export function isAuthorName(value: unknown): value is string {
  return (
    typeof value === "string" &&
    value.trim() !== "" &&
    value.length <= 100 &&
    !/[<>]/.test(value) &&
    !hasControlChars(value)
  );
}

function refuse(label: string, value: unknown, expected: string): never {
  throw new UsageError(`${label} ${safeEcho(value)} is not ${expected}`);
}

/** Returns `tag` when it is a valid OCI tag; otherwise throws a UsageError naming `label`. */
export function requireOciTag(tag: unknown, label: string): string {
  if (!isOciTag(tag))
    refuse(label, tag, "a valid image tag (letters, digits, _ . -, at most 128, e.g. 1.2.3)");
  return tag;
}

/** Returns `sha` when it is a commit sha; otherwise throws a UsageError naming `label` (e.g. `GITHUB_SHA`). */
export function requireSha(sha: unknown, label: string): string {
  if (!isHexSha(sha)) refuse(label, sha, "a commit sha (7 to 40 lowercase hex digits, or 64, e.g. 3f2a9c1)");
  return sha;
}

/** Returns the pull request number of `value` (a number or digits); otherwise throws naming `label`. */
export function requirePrNumber(value: unknown, label: string): number {
  const n = parsePrNumber(value);
  if (n === null) refuse(label, value, "a pull request number (a positive whole number, e.g. 42)");
  return n;
}

/** Returns `name` when it is a DNS-1123 label; otherwise throws naming `label`. */
export function requireDnsLabel(name: unknown, label: string): string {
  if (!isDnsLabel(name))
    refuse(label, name, "a DNS label (lowercase letters, digits and -, at most 63, e.g. staging)");
  return name;
}

/** Returns `version` when it is strict semver; otherwise throws naming `label`. */
export function requireSemver(version: unknown, label: string): string {
  if (!isSemver(version)) refuse(label, version, "a semantic version (e.g. 1.2.3 or 1.2.0-rc.1)");
  return version;
}

/** Returns `name` when it is a valid Helm chart name; otherwise throws naming `label`. */
export function requireHelmChartName(name: unknown, label: string): string {
  if (!isHelmChartName(name))
    refuse(label, name, "a Helm chart name (lowercase letters, digits and -, e.g. sample-app)");
  return name;
}

/** Returns `path` when it is a safe relative path (see {@link relativePathProblem}); otherwise throws naming `label`. */
export function requireRelativePath(path: unknown, label: string, allowEmpty = false): string {
  const problem = relativePathProblem(path, allowEmpty);
  if (problem) throw new UsageError(`${label} ${safeEcho(path)}: ${problem} (example: helm/sample-app)`);
  return path as string;
}

/** Returns `url` when it carries no user info; otherwise throws naming `label`, printing the URL without it. */
export function requireNoUserInfo(url: string, label: string): string {
  if (hasCredentials(url)) {
    throw new UsageError(
      `${label} ${safeEcho(redactUrl(url))} must not carry credentials in the URL (remove "user:password@"; the token comes from GITOPS_TOKEN)`,
    );
  }
  return url;
}

/** Environment variable names whose values are credentials: never printed. */
export const SECRET_ENV_NAME =
  /TOKEN|PASSWORD|PASSWD|SECRET|CREDENTIAL|PRIVATE_KEY|API_KEY|(?:^|_)AUTH(?:_|$)/i;

/** The values of the secret-looking variables in `env` (4 characters or more), longest first. */
export function secretValues(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_ENV_NAME.test(name) && typeof value === "string" && value.length >= 4)
    .map(([, value]) => value as string)
    .sort((a, b) => b.length - a.length);
}

/**
 * Makes text safe to print as one line of a log: each secret value becomes `***`, user info in
 * URLs is removed, control characters are escaped, and the text is cut to `max` characters.
 */
export function redactLine(text: string, secrets: readonly string[], max = 2000): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join("***");
  out = out.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@"']*@/gi, "$1");
  out = escapeControl(out);
  return out.length > max ? `${out.slice(0, max)}…` : out;
}

/** A key or name as a message path shows it: a plain one as is, any other quoted, cut and escaped. */
export function safeKey(key: string): string {
  return /^[A-Za-z0-9_/*.-]{1,64}$/.test(key) ? key : safeEcho(key, 40);
}
