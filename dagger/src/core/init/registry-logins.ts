/**
 * How the workflows `pipeline init` writes log in to each registry the config names
 * (core/registry/logins.ts): ghcr.io with the job's own GITHUB_TOKEN, any other host with its
 * own repository secrets, REGISTRY_<HOST>_USERNAME and REGISTRY_<HOST>_PASSWORD, handed to the
 * step as environment variables and to the module only as `env:` secret references. Pure.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the workflows hold GitHub expressions, ${{ ... }}
import { isGithubRegistry, loginVariables } from "../registry/logins.js";

/** The `dagger call` arguments and step environment that log a workflow step in to the registries. */
export interface WorkflowLogins {
  /** Arguments for the module (no value in them: secrets are `env:` references). */
  args: string;
  /** The step's environment: each secret the arguments reference. */
  env: Record<string, string>;
  /** True when GitHub's registry is used: the job needs the `packages` permission. */
  packages: boolean;
  /** The repository secrets to create, besides GITHUB_TOKEN, one line each. */
  secrets: string[];
}

/**
 * The logins of `hosts` (registry hosts, without the local loop's) for a GitHub workflow step.
 * No host at all (no registry chosen yet) logs in to ghcr.io, the registry init picks for a
 * GitHub origin.
 */
export function githubLogins(hosts: readonly string[]): WorkflowLogins {
  const ghcr = hosts.length === 0 || hosts.some(isGithubRegistry);
  const others = hosts.filter((h) => !isGithubRegistry(h));
  const env: Record<string, string> = {};
  const args: string[] = [];
  if (ghcr) {
    args.push("--username ${{ github.actor }} --password env:GITHUB_TOKEN");
    env.GITHUB_TOKEN = "${{ secrets.GITHUB_TOKEN }}";
  }
  const names = others.map(loginVariables);
  if (others.length) {
    args.push(
      `--registry-hosts ${others.join(",")}`,
      `--registry-usernames ${names.map((n) => `env:${n.username}`).join(",")}`,
      `--registry-passwords ${names.map((n) => `env:${n.password}`).join(",")}`,
    );
    for (const n of names) {
      env[n.username] = `\${{ secrets.${n.username} }}`;
      env[n.password] = `\${{ secrets.${n.password} }}`;
    }
  }
  return {
    args: args.join(" "),
    env,
    packages: ghcr,
    secrets: others.map((h, i) => `${names[i]!.username} and ${names[i]!.password} (${h})`),
  };
}
