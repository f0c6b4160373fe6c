/**
 * The environment of a process that runs a repository's code under `pipeline serve`: an explicit
 * allow-list of what tools need to find themselves, their caches and the network, never a
 * credential. A deny-list would let the next secret an operator exports through; this list only
 * grows by a decision. Pure.
 */
import { hasCredentials, SECRET_ENV_NAME } from "../validate.js";

/** Variables passed through as they are, when set. */
const ALLOWED = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LANGUAGE",
  "TZ",
  "TERM",
  "NO_COLOR",
  // Go finds its toolchain, caches and module proxy through these (GOPRIVATE names, never a token).
  "GOROOT",
  "GOPATH",
  "GOCACHE",
  "GOMODCACHE",
  "GOPROXY",
  "GOSUMDB",
  "GONOSUMDB",
  "GONOPROXY",
  "GOPRIVATE",
  "GOINSECURE",
  "GOTOOLCHAIN",
  "GOFLAGS",
  "GOLANGCI_LINT_CACHE",
  // The Docker daemon the images stage builds with (its credentials file is not passed: DOCKER_CONFIG).
  "DOCKER_HOST",
  "DOCKER_TLS_VERIFY",
  "DOCKER_CERT_PATH",
  // How tools reach the network: CA bundles and proxies (a proxy URL with a password is dropped).
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "NODE_EXTRA_CA_CERTS",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  // Settings of the stage commands themselves.
  "KUBECONFORM_SCHEMA_LOCATION",
  "PIPELINE_GIT_TIMEOUT",
]);

/** Locale variables (`LC_ALL`, `LC_CTYPE`, …) pass too. */
const LOCALE = /^LC_[A-Z]+$/;

/**
 * The allow-listed part of `env`, plus `extra` (set by serve itself: a temp dir, the marker that
 * finds leftovers after a crash). A name that looks like a secret (TOKEN, PASSWORD, …) is dropped
 * even when allowed, and so is a value holding a URL with credentials (a proxy's password).
 */
export function stageEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !(ALLOWED.has(name) || LOCALE.test(name))) continue;
    if (SECRET_ENV_NAME.test(name)) continue;
    // GOPROXY or HTTPS_PROXY with `user:password@`: the password is a credential.
    if (value.split(/[,|\s]/).some((part) => hasCredentials(part))) continue;
    out[name] = value;
  }
  return { ...out, ...extra };
}

/** Whether `name` would reach a stage process (docs and tests list what does). */
export function isStageVariable(name: string): boolean {
  return (ALLOWED.has(name) || LOCALE.test(name)) && !SECRET_ENV_NAME.test(name);
}
