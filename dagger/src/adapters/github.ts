/**
 * Opening promotion pull requests on GitHub with octokit. The API URL comes from GITHUB_API_URL
 * (GitHub Enterprise, or a local stand-in in tests); the token only from the environment or a
 * Dagger Secret.
 */
import { Octokit } from "@octokit/core";
import { FailureError, UsageError } from "../core/errors.js";

/** A pull request to open (or find, when it is already open). */
export interface PullRequestInput {
  token: string;
  /** `owner/name`. */
  repository: string;
  head: string;
  base: string;
  title: string;
  body: string;
  apiUrl?: string;
}

/** Opens the pull request, or returns the one already open for that branch. */
export async function openPullRequest(
  input: PullRequestInput,
): Promise<{ number: number; url: string; created: boolean }> {
  const [owner, repo] = input.repository.split("/");
  if (!owner || !repo)
    throw new UsageError(
      `"${input.repository}" is not owner/name (set GITHUB_REPOSITORY, e.g. acme/gitops-config)`,
    );
  const octokit = new Octokit({
    auth: input.token,
    baseUrl: input.apiUrl ?? process.env.GITHUB_API_URL ?? "https://api.github.com",
  });
  try {
    const created = await octokit.request("POST /repos/{owner}/{repo}/pulls", {
      owner,
      repo,
      head: input.head,
      base: input.base,
      title: input.title,
      body: input.body,
    });
    return { number: created.data.number, url: created.data.html_url, created: true };
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 422) {
      const open = await octokit.request("GET /repos/{owner}/{repo}/pulls", {
        owner,
        repo,
        head: `${owner}:${input.head}`,
        state: "open",
      });
      const existing = open.data[0];
      if (existing) return { number: existing.number, url: existing.html_url, created: false };
    }
    throw new FailureError(
      `GitHub API: opening a pull request on ${input.repository} from ${input.head} failed with HTTP ${status ?? "?"} (check the token's pull-requests: write permission)`,
    );
  }
}
