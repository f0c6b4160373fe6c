/** A pull request's preview environment: its namespace and host, from pipeline.yaml's `preview:` templates. */
import { UsageError } from "../errors.js";
import { isDnsLabel, isPrNumber, safeEcho } from "../validate.js";

/**
 * The preview namespace of a pull request from the template (`preview-{pr}`). Throws a UsageError
 * when the number is not a pull request number or the result is not a DNS label.
 */
export function previewNamespace(template: string, pr: number): string {
  if (!isPrNumber(pr)) throw new UsageError(`pull request ${safeEcho(pr)} is not a positive whole number`);
  const namespace = template.replaceAll("{pr}", String(pr));
  if (!isDnsLabel(namespace)) {
    throw new UsageError(
      `preview.namespace: ${safeEcho(namespace)} is not a DNS label (lowercase letters, digits and -, at most 63; example: preview-{pr})`,
    );
  }
  return namespace;
}

/**
 * The host of a pull request's preview from the `preview.host` template (`pr-{pr}.preview.example.com`);
 * null when no template is configured. Throws a UsageError when the result is not a DNS name.
 */
export function previewHost(template: string, pr: number): string | null {
  if (!template) return null;
  if (!isPrNumber(pr)) throw new UsageError(`pull request ${safeEcho(pr)} is not a positive whole number`);
  const host = template.replaceAll("{pr}", String(pr));
  if (host.length > 253 || !host.split(".").every(isDnsLabel)) {
    throw new UsageError(
      `preview.host: ${safeEcho(host)} is not a host name (lowercase DNS labels joined by dots; example: pr-{pr}.preview.example.com)`,
    );
  }
  return host;
}
